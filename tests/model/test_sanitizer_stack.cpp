// Under AddressSanitizer only (scripts/sanitize.sh): after a run of the SystemC model, ASan
// holds the main thread's own stack as the stack it runs on (arch/simulate.h). SystemC 2.3.4's
// coroutines leave it holding (NULL, 0) or a finished thread's stack, which the model's
// destructor unmaps and LeakSanitizer's check at exit then reads: the abort, in 17 of 30 runs
// of one command, that tests/sanitizers/README.md describes. This case reads ASan's bounds
// directly, so it fails every time they are wrong, not only when the freed stack is unmapped.
// In a build without ASan there is nothing to check and the case is not compiled.
#include <catch2/catch.hpp>

#include "arch/simulate.h"  // TPUSIM_UNDER_ASAN

#if defined(TPUSIM_UNDER_ASAN)
#include <sanitizer/common_interface_defs.h>

#include "sim/run/runner.h"
#include "sim/spec/arch_loader.h"
#include "support/test_util.h"

using namespace tpusim;

TEST_CASE("sanitizers: after a run ASan holds the main thread's stack", "[sanitizers][systemc]") {
  const ArchConfig arch = config::parse_arch(test::tiny_arch_json(), "tiny.json");
  const Workload w = parse_workload(
      nlohmann::json{{"name", "g"}, {"layers", {{{"name", "g"}, {"op", "gemm"}, {"m", 8}, {"n", 8}, {"k", 8}}}}}, "g.json");
  REQUIRE(run_workload(arch, w).layers.size() == 1);  // the model, its threads and stacks are gone

  void* bottom = nullptr;
  size_t size = 0;
  REQUIRE(arch::own_thread_stack(&bottom, &size));
  // ASan gives the bounds it held when a fiber switch finishes: switch to the stack we are on.
  __sanitizer_start_switch_fiber(nullptr, bottom, size);
  const void* held_bottom = nullptr;
  size_t held_size = 0;
  __sanitizer_finish_switch_fiber(nullptr, &held_bottom, &held_size);
  const char here = 0;
  INFO("ASan held [" << held_bottom << ", +" << held_size << "), the frame is at " << static_cast<const void*>(&here));
  CHECK(arch::stack_holds(held_bottom, held_size, &here));
}
#endif
