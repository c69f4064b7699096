#include "sim/energy/energy_model.h"

#include <algorithm>

namespace tpusim {

std::map<std::string, double> layer_energy_pj(const ArchConfig& arch, const EnergyTable& table,
                                              const LayerResult& layer) {
  std::map<std::string, double> e;
  const DataTypes& dt = arch.datatypes;
  // A MAC costs what its wider operand type costs.
  const DataType mac_type = bits_of(dt.input) >= bits_of(dt.weight) ? dt.input : dt.weight;
  const double macs = static_cast<double>(layer.macs);
  e["mac"] = macs * table.mac_pj[static_cast<size_t>(mac_type)];
  // Each MAC moves its input and weight one PE on and passes a partial sum: register traffic
  // of input + weight + accumulator bytes per MAC.
  const double reg_bytes = (bits_of(dt.input) + bits_of(dt.weight) + bits_of(dt.accumulator)) / 8.0;
  e["pe_register"] = macs * reg_bytes * table.pe_register_pj_per_byte;
  for (const auto& b : arch.buffers) {
    const auto rd = layer.sram_reads.find(b.name), wr = layer.sram_writes.find(b.name);
    const double reads = rd == layer.sram_reads.end() ? 0.0 : static_cast<double>(rd->second);
    const double writes = wr == layer.sram_writes.end() ? 0.0 : static_cast<double>(wr->second);
    e["sram." + b.name] = reads * table.sram_read_pj(b.capacity_bytes) + writes * table.sram_write_pj(b.capacity_bytes);
  }
  const double dram_bytes = static_cast<double>(layer.dram_read_bytes + layer.dram_write_bytes);
  e["dram"] = dram_bytes * table.dram_pj_per_byte;
  e["dma"] = dram_bytes * table.dma_pj_per_byte;
  const double seconds = static_cast<double>(layer.cycles) / (arch.clock_mhz * 1e6);
  e["static"] = table.static_mw * 1e-3 * seconds * 1e12;  // mW -> W, J -> pJ
  return e;
}

}  // namespace tpusim
