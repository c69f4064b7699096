// `--set /json/pointer=value` options: the text parsed as an override, applied to the TPU v1
// preset, and the result validated (what `tpusim run --set ...` does).
#include "fuzz_support.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tpusim::config::json preset =
      tpusim::config::load_json_file(TPUSIM_SOURCE_DIR "/configs/tpu_v1.json");
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto o = tpusim::config::parse_override(tpusim::fuzz::text_of(data, size));
    (void)tpusim::config::parse_arch(preset, TPUSIM_SOURCE_DIR "/configs/tpu_v1.json", {o});
  });
  return 0;
}
