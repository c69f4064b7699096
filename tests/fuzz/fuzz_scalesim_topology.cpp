// SCALE-Sim topology CSV (conv and GEMM topologies, tests/data/scalesim, workloads/scalesim).
#include "fuzz_support.h"
#include "sim/importers/scalesim_topology.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error(
      [&] { (void)tpusim::importers::parse_workload_csv(tpusim::fuzz::text_of(data, size), "fuzz.csv"); });
  return 0;
}
