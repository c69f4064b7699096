#include "sim/base/stop_signals.h"

#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace tpusim {

namespace {

volatile std::sig_atomic_t g_stop_flag = 0;
extern "C" void record_stop_signal(int sig) { g_stop_flag = sig; }

// The staged paths, written only with the stop signals blocked, read by the handler: plain C
// strings in a fixed array, so the handler neither allocates nor follows a moving container.
char* g_slot_path[staged_paths::kMaxSlots];
bool g_slot_is_dir[staged_paths::kMaxSlots];
volatile std::sig_atomic_t g_committed = 0;
pid_t g_installer = 0;

const char* signal_text(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
  }
  return "a signal";
}

void write_stderr(const char* s) {  // async-signal-safe: write(2) only
  size_t n = std::strlen(s);
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

// Runs inside the signal: only async-signal-safe calls (unlink, rmdir, write, getpid, sigaction,
// raise). The signal is blocked while the handler runs, so raise() delivers it, with the default
// action, when the handler returns.
extern "C" void remove_staged_and_die(int sig) {
  if (::getpid() == g_installer) {
    bool pending = false;
    for (int i = 0; i < staged_paths::kMaxSlots; ++i)
      if (g_slot_path[i] && !g_slot_is_dir[i]) ::unlink(g_slot_path[i]), pending = true;
    // Directories are registered outermost first, so the reverse order removes the deepest first;
    // a slot reused out of that order leaves its parent for the next pass.
    for (int pass = 0; pass < 4; ++pass)
      for (int i = staged_paths::kMaxSlots - 1; i >= 0; --i)
        if (g_slot_path[i] && g_slot_is_dir[i]) ::rmdir(g_slot_path[i]);
    write_stderr("tpusim: interrupted by ");
    write_stderr(signal_text(sig));
    write_stderr(pending       ? "; its unfinished output files were removed\n"
                 : g_committed ? "; its output was already complete\n"
                               : "; no output written\n");
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
}

sigset_t stop_set() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : kStopSignals) sigaddset(&s, sig);
  return s;
}

}  // namespace

std::string stop_signal_name(int sig) {
  if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) return signal_text(sig);
  return fmt::format("signal {}", sig);
}

StopSignals::StopSignals() {
  g_stop_flag = 0;
  struct sigaction sa {};
  sa.sa_handler = record_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < 3; ++i) ::sigaction(kStopSignals[i], &sa, &old_[i]);
}

StopSignals::~StopSignals() {
  for (size_t i = 0; i < 3; ++i) ::sigaction(kStopSignals[i], &old_[i], nullptr);
}

volatile std::sig_atomic_t* StopSignals::flag() { return &g_stop_flag; }

void StopSignals::reraise() {
  const int sig = g_stop_flag;
  if (sig == 0) return;
  for (size_t i = 0; i < 3; ++i) ::sigaction(kStopSignals[i], &old_[i], nullptr);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

BlockStopSignals::BlockStopSignals() {
  const sigset_t s = stop_set();
  ::pthread_sigmask(SIG_BLOCK, &s, &old_);
}

BlockStopSignals::~BlockStopSignals() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

void remove_staged_outputs_on_stop_signals() {
  g_installer = ::getpid();
  struct sigaction sa {};
  sa.sa_handler = remove_staged_and_die;
  sa.sa_mask = stop_set();  // a second stop signal waits for the first one's cleanup
  for (int sig : kStopSignals) ::sigaction(sig, &sa, nullptr);
}

namespace staged_paths {

int add(const std::string& path, bool is_dir) {
  BlockStopSignals block;
  for (int i = 0; i < kMaxSlots; ++i) {
    if (g_slot_path[i]) continue;
    char* copy = ::strdup(path.c_str());
    if (!copy) return -1;
    g_slot_is_dir[i] = is_dir;
    g_slot_path[i] = copy;
    return i;
  }
  return -1;
}

void remove(int slot) {
  if (slot < 0 || slot >= kMaxSlots) return;
  BlockStopSignals block;
  char* p = g_slot_path[slot];
  g_slot_path[slot] = nullptr;
  std::free(p);
}

void note_committed() { g_committed = 1; }

}  // namespace staged_paths

}  // namespace tpusim
