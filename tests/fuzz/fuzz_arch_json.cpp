// Architecture JSON (configs/*.json): parse the text strictly, then validate it as an arch,
// as `tpusim run --arch x.json` does before any simulation.
#include "fuzz_support.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto doc = tpusim::config::parse_json_text(tpusim::fuzz::text_of(data, size), "fuzz.json");
    const auto arch = tpusim::config::parse_arch(doc, "fuzz.json");
    // The echo must parse back (sim/spec/arch_loader.h promises it).
    (void)tpusim::config::parse_arch(tpusim::config::to_json(arch), "fuzz-echo.json");
  });
  return 0;
}
