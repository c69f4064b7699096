#pragma once
/// Per-action energy and per-unit area table, loaded from a data file in which every number
/// carries a value, a unit and a source (configs/energy/, sim/energy/README.md). Per-event energies
/// are looked up once; the model multiplies them by counts.
///
/// A table is either a base table (numbers from publications, e.g. default_45nm.json) or a
/// derived one ("derived_from" + "scaling"): the base table's numbers times stated scale
/// factors (logic and SRAM energy, area and leakage; DRAM energy does not scale with the logic
/// node). An optional "accelergy_ert" section overrides entries with an Accelergy ERT.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/spec/arch_config.h"
#include "sim/spec/types.h"

namespace tpusim {

constexpr size_t kDataTypeCount = enum_count<DataType>();

/// A curve sampled at capacities (bytes, ascending): linear in log(value) vs log(capacity)
/// between points (a piecewise power law). Beyond both ends: extended with the nearest
/// segment's exponent when `extend` (energy: wires keep growing), else held flat (area per
/// byte: array efficiency saturates). Flat when there is one point.
struct CapacityCurve {
  std::vector<std::pair<double, double>> points;  ///< (capacity bytes, value)
  bool extend = true;
  double at(double capacity_bytes) const;
};

struct EnergyTable {
  std::string name;
  std::string file;
  uint32_t node_nm = 45;
  std::string derived_from;  ///< base table file when derived

  // Energy (pJ). Datatypes the table lacks are empty; using one is an InputError.
  std::array<std::optional<double>, kDataTypeCount> mac_pj{};  ///< per MAC (multiply + accumulate)
  double pe_register_pj_per_byte = 0;
  CapacityCurve sram_read_pj_per_byte;   ///< at sram_reference_port_bits
  double sram_reference_port_bits = 64;
  double sram_per_access_share = 0;      ///< share of a reference access's energy paid per access
  double sram_write_to_read_ratio = 1;
  std::map<std::string, double> dram_pj_per_bit;  ///< by DRAM type (ddr3, ..., gddr6)
  double dma_pj_per_byte = 0;
  double vector_op_pj = 0;               ///< one lane-operation of the vector unit
  double logic_leakage_mw_per_mm2 = 0;
  double sram_leakage_mw_per_mm2 = 0;
  /// Per-buffer SRAM energies that replace the curve (e.g. imported from an Accelergy ERT):
  /// buffer name -> (read, write) pJ per byte.
  std::map<std::string, std::pair<double, double>> sram_buffer_pj_per_byte;

  // Area (um^2).
  std::array<std::optional<double>, kDataTypeCount> mac_area_um2{};
  double pe_register_area_um2_per_byte = 0;
  double vector_lane_area_um2 = 0;
  CapacityCurve sram_area_um2_per_byte;

  /// Where each number came from, by JSON pointer (derived and imported numbers included).
  std::map<std::string, std::string> sources;

  /// pJ per byte read from / written to an SRAM of `capacity_bytes` through a port of
  /// `port_bits` bits: e(capacity) * (share * ref_bits / port_bits + (1 - share)), i.e. a
  /// per-access part (decoders, word lines) amortised over the port and a per-bit part.
  double sram_read_pj(uint64_t capacity_bytes, double port_bits) const;
  double sram_write_pj(uint64_t capacity_bytes, double port_bits) const {
    return sram_read_pj(capacity_bytes, port_bits) * sram_write_to_read_ratio;
  }
  /// Same, for a buffer of the arch (per-buffer overrides first; port = bytes_per_cycle_per_port).
  double buffer_read_pj_per_byte(const BufferConfig& b) const;
  double buffer_write_pj_per_byte(const BufferConfig& b) const;

  /// Entries the arch needs; InputError naming the table, the missing key and the arch key.
  double mac_pj_for(DataType t, const ArchConfig& arch) const;
  double mac_area_for(DataType t, const ArchConfig& arch) const;
  double dram_pj_per_bit_for(const ArchConfig& arch) const;
  /// Throws the first of the errors above the arch would meet (call before simulating).
  void check_covers(const ArchConfig& arch) const;
};

/// Loads a table (strict: unknown keys, missing units/sources, wrong units, negative values,
/// unparsable ERT files are InputError with file and pointer).
EnergyTable load_energy_table(const std::string& path);

/// Resolves the arch's energy_table reference: absolute, else relative to the arch file's
/// directory, else relative to the configs/ directory shipped with tpusim.
std::string resolve_energy_table(const std::string& reference, const std::string& arch_file);

}  // namespace tpusim
