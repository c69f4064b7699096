#pragma once
/// Per-action energy table loaded from a data file in which every number carries a unit and a
/// source. Per-event energies are looked up once; the model multiplies them by counts.
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "sim/config/types.h"

namespace tpusim {

struct EnergyTable {
  std::string name;
  std::string file;
  std::array<double, 7> mac_pj{};  ///< by DataType
  double pe_register_pj_per_byte = 0;
  /// (capacity bytes, pJ per byte read), ascending capacity.
  std::vector<std::pair<double, double>> sram_read_pj_per_byte;
  double sram_write_to_read_ratio = 1;
  double dram_pj_per_byte = 0;
  double dma_pj_per_byte = 0;
  double static_mw = 0;

  /// pJ per byte read from an SRAM of `capacity_bytes`: linear in log2(capacity) between table
  /// points, extended along the last segment above the table and flat below it.
  double sram_read_pj(uint64_t capacity_bytes) const;
  double sram_write_pj(uint64_t capacity_bytes) const { return sram_read_pj(capacity_bytes) * sram_write_to_read_ratio; }
};

/// Loads a table (strict: unknown keys, missing units/sources, wrong units, negative values
/// are InputError with file and pointer).
EnergyTable load_energy_table(const std::string& path);

/// Resolves the arch's energy_table reference: absolute, else relative to the arch file's
/// directory, else relative to the configs/ directory shipped with tpusim.
std::string resolve_energy_table(const std::string& reference, const std::string& arch_file);

}  // namespace tpusim
