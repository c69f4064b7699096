// SCALE-Sim .cfg (configs/scalesim/*.cfg): the INI text to an arch document, then validated.
#include "fuzz_support.h"
#include "sim/importers/scalesim_cfg.h"
#include "sim/spec/arch_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto doc = tpusim::importers::scalesim_cfg_to_json(tpusim::fuzz::text_of(data, size), "fuzz.cfg");
    (void)tpusim::config::parse_arch(doc, "fuzz.cfg");
  });
  return 0;
}
