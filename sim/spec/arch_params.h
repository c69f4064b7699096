#pragma once
/// The parameter tables of the architecture config (sim/spec/params.h): one per component,
/// nested as the config is. They are the single source of every key's type, unit, range and
/// description; the loader (parse_arch), the echo (to_json), `tpusim describe --params` and
/// the key tables of configs/README.md all read them.
#include <cstdint>
#include <string>

#include "sim/spec/arch_config.h"
#include "sim/spec/params.h"

namespace tpusim::config {

/// A DRAM part preset file, configs/dram/<name>.json (every key required).
struct DramPresetFile {
  std::string part;
  DramType type = DramType::ddr4;
  std::string source;
  double bandwidth_gb_per_s_per_channel = 0;
  uint32_t channels = 1;
  double latency_ns = 0;
  uint64_t burst_bytes = 64;
  uint64_t capacity_bytes_per_channel = 0;
};

/// The architecture: the top-level table, with /array, /datatypes, /buffers/<name>, /dma, /dram,
/// /vector and /scalesim nested in it.
const params::Table<ArchConfig>& arch_params();
/// The /fpga section (sim/spec/fpga_params.cpp).
const params::Table<FpgaConfig>& fpga_params();
/// The keys of an FPGA device table (configs/fpga/<device>.json).
const params::Table<FpgaDevice>& fpga_device_params();
/// The keys of a DRAM preset file.
const params::Table<DramPresetFile>& dram_preset_params();

/// Where the DRAM part presets live (configs/dram).
std::string dram_preset_dir();

}  // namespace tpusim::config
