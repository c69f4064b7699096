// Energy tables (configs/energy/*.json: pJ per action and datatype, area, leakage), read from a file.
#include "fuzz_support.h"
#include "sim/energy/energy_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = tpusim::fuzz::scratch_file("energy.json", data, size);
  tpusim::fuzz::expect_ok_or_input_error([&] { (void)tpusim::load_energy_table(path); });
  return 0;
}
