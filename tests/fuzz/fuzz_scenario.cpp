// Scenarios (workloads/scenarios/*.json): prefill, decode, request, train_step.
#include "fuzz_support.h"
#include "sim/models/scenario.h"
#include "sim/spec/json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto doc = tpusim::config::parse_json_text(tpusim::fuzz::text_of(data, size), "fuzz.json");
    (void)tpusim::models::parse_scenario(doc, "fuzz.json");
  });
  return 0;
}
