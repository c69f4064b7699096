// System configs (configs/systems/*.json): chips, topology, links.
#include "fuzz_support.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/system_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto doc = tpusim::config::parse_json_text(tpusim::fuzz::text_of(data, size), "fuzz.json");
    const auto s = tpusim::config::parse_system(doc, "fuzz.json");
    (void)tpusim::config::parse_system(tpusim::config::to_json(s), "fuzz-echo.json");
  });
  return 0;
}
