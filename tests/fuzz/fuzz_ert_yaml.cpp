// Accelergy ERT YAML (configs/energy/*.yaml): the loader reads a file, so the input is written
// to a scratch file first.
#include "fuzz_support.h"
#include "sim/energy/accelergy_ert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = tpusim::fuzz::scratch_file("ert.yaml", data, size);
  tpusim::fuzz::expect_ok_or_input_error([&] { (void)tpusim::load_accelergy_ert(path); });
  return 0;
}
