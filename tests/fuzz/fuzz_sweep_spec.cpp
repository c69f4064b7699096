// Sweep specs (configs/sweeps/*.json): axes, combine, workloads, constraints, objectives.
#include "fuzz_support.h"
#include "sim/spec/json_reader.h"
#include "sim/sweep/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto doc = tpusim::config::parse_json_text(tpusim::fuzz::text_of(data, size), "fuzz.json");
    (void)tpusim::sweep::parse_sweep_spec(doc, "fuzz.json");
  });
  return 0;
}
