#include "sim/energy/area.h"

namespace tpusim {

double pe_register_bytes(const ArchConfig& arch) {
  const DataTypes& dt = arch.datatypes;
  const double p = arch.array.macs_per_pe_per_cycle;
  const double weight_copies = arch.array.double_buffer_stationary ? 2.0 : 1.0;
  return (p * (bits_of(dt.input) + weight_copies * bits_of(dt.weight)) + bits_of(dt.accumulator)) / 8.0;
}

std::map<std::string, double> area_mm2(const ArchConfig& arch, const EnergyTable& table) {
  constexpr double kUm2PerMm2 = 1e6;
  std::map<std::string, double> a;
  // An FPGA design's silicon is the device's, whatever share it uses (and Xilinx publishes no
  // die areas): no area; the resource report (sim/spec/fpga_resources.h) says what it takes.
  if (arch.fpga) return a;
  const double pes = static_cast<double>(arch.pes());  // every unit of every core
  a["mac"] = pes * arch.array.macs_per_pe_per_cycle * table.mac_area_for(mac_datatype(arch.datatypes), arch) / kUm2PerMm2;
  a["pe_register"] = pes * pe_register_bytes(arch) * table.pe_register_area_um2_per_byte / kUm2PerMm2;
  a["vector"] = double(arch.vector.lanes) * table.vector_lane_area_um2 / kUm2PerMm2;
  // The SparseCore-like unit's SIMD lanes, priced as the vector unit's (its scratchpad is a buffer).
  if (arch.sparse_core) a["sparse_core"] = double(arch.sparse_core->lanes()) * table.vector_lane_area_um2 / kUm2PerMm2;
  for (const auto& b : arch.buffers) {
    const double cap = static_cast<double>(b.capacity_bytes);
    a["sram." + b.name] = cap * table.sram_area_um2_per_byte.at(cap) / kUm2PerMm2;
  }
  return a;
}

std::map<std::string, double> static_power_mw(const ArchConfig& arch, const EnergyTable& table) {
  std::map<std::string, double> p;
  // An FPGA leaks as a whole device, used or not: its table's static power.
  if (arch.fpga) return {{"fpga_device", arch.fpga->spec.static_power_w * 1e3}};
  for (const auto& [k, mm2] : area_mm2(arch, table))
    p[k] = mm2 * (k.rfind("sram.", 0) == 0 ? table.sram_leakage_mw_per_mm2 : table.logic_leakage_mw_per_mm2);
  return p;
}

}  // namespace tpusim
