#pragma once
/// The one way tpusim starts the SystemC scheduler: sc_core::sc_start(), and under
/// AddressSanitizer (scripts/sanitize.sh) ASan is then given the main thread's stack back.
///
/// Why: SystemC 2.3.4's QuickThreads coroutines (sc_cor_qt.cpp) tell ASan of their stack switches
/// only in part. A yield into the main coroutine announces its stack as (NULL, 0), and a thread
/// that returns switches with QUICKTHREADS_ABORT, announcing nothing, so after the last thread
/// ends ASan holds that finished thread's stack as the main thread's. The model's destructor then
/// unmaps that stack, and LeakSanitizer's check at exit scans the main thread's stack where ASan
/// says it is: a read of unmapped memory, "Tracer caught signal 11", and the process aborts
/// (exit 134) with nothing on stderr, in 17 of 30 runs of one command (when the freed range is
/// partly reused). tests/sanitizers/README.md has the whole story. Outside the sanitized build
/// this is sc_start() alone.
#include <cstdint>

#include <systemc>

// GCC defines __SANITIZE_ADDRESS__ under -fsanitize=address; Clang 14 only answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define TPUSIM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TPUSIM_UNDER_ASAN 1
#endif
#endif

#if defined(TPUSIM_UNDER_ASAN)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace tpusim::arch {

/// Whether `frame` lies in [bottom, bottom + size).
inline bool stack_holds(const void* bottom, size_t size, const void* frame) {
  const auto at = reinterpret_cast<uintptr_t>(frame), lo = reinterpret_cast<uintptr_t>(bottom);
  return at >= lo && at - lo < size;
}

#if defined(TPUSIM_UNDER_ASAN)
/// The calling thread's own stack as glibc reports it (independent of ASan and of SystemC);
/// false if glibc cannot tell.
inline bool own_thread_stack(void** bottom, size_t* size) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
  const int rc = pthread_attr_getstack(&attr, bottom, size);
  pthread_attr_destroy(&attr);
  return rc == 0;
}
#endif

/// Under ASan: announces the calling thread's own stack as the stack it runs on, if the current
/// frame lies inside it. A no-op otherwise.
inline void resync_sanitizer_stack() {
#if defined(TPUSIM_UNDER_ASAN)
  void* bottom = nullptr;
  size_t size = 0;
  const char here = 0;
  if (!own_thread_stack(&bottom, &size) || !stack_holds(bottom, size, &here)) return;
  // A switch to the stack we are on: ASan takes the new bounds at the finish call.
  __sanitizer_start_switch_fiber(nullptr, bottom, size);
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
}

/// sc_core::sc_start(), after which (returned or thrown) ASan knows the main stack again.
inline void simulate() {
  try {
    sc_core::sc_start();
  } catch (...) {
    resync_sanitizer_stack();
    throw;
  }
  resync_sanitizer_stack();
}

}  // namespace tpusim::arch
