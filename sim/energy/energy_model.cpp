#include "sim/energy/energy_model.h"

#include "sim/energy/area.h"

namespace tpusim {

namespace {

/// The MACs, PE registers and buffers of an ASIC design, priced by the energy table.
void asic_array_and_buffers(const ArchConfig& arch, const EnergyTable& table, const LayerResult& result,
                            std::map<std::string, double>& e) {
  const DataTypes& dt = arch.datatypes;
  // A MAC costs what a MAC of its wider operand type costs; gated MACs (a zero operand) cost
  // no MAC energy.
  e["mac"] = result.effective_macs * (result.macs > 0 ? table.mac_pj_for(mac_datatype(dt), arch) : 0.0);
  // Each executed MAC slot reads its input and weight registers and, once per
  // macs_per_pe_per_cycle MACs, reads and writes its partial-sum register.
  const double p = arch.array.macs_per_pe_per_cycle;
  const double reg_bytes = (bits_of(dt.input) + bits_of(dt.weight) + bits_of(dt.accumulator) / p) / 8.0;
  e["pe_register"] = result.executed_macs * reg_bytes * table.pe_register_pj_per_byte;
  for (const auto& b : arch.buffers) {
    const auto rd = result.sram_reads.find(b.name), wr = result.sram_writes.find(b.name);
    const double reads = rd == result.sram_reads.end() ? 0.0 : static_cast<double>(rd->second);
    const double writes = wr == result.sram_writes.end() ? 0.0 : static_cast<double>(wr->second);
    e["sram." + b.name] = reads * table.buffer_read_pj_per_byte(b) + writes * table.buffer_write_pj_per_byte(b);
  }
}

double count_of(const std::map<std::string, uint64_t>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? 0.0 : static_cast<double>(it->second);
}

/// An FPGA design's MACs and buffers, priced by its device (sim/energy/README.md, "FPGA
/// designs"): a MAC keeps DSPs-per-MAC slices busy for one cycle; an access of B bytes reads or
/// writes B / (port data bytes of the buffer's primitive) blocks. The PE registers are the DSP
/// slices' own pipeline registers, inside their per-cycle energy.
void fpga_array_and_buffers(const ArchConfig& arch, const LayerResult& result, std::map<std::string, double>& e) {
  const FpgaConfig& f = *arch.fpga;
  const double dsp_pj_per_mac = f.dsps_per_mac(mac_datatype(arch.datatypes)) * f.spec.dsp_pj_per_cycle;
  e["mac"] = result.effective_macs * dsp_pj_per_mac;
  e["pe_register"] = 0.0;
  for (const auto& b : arch.buffers) {
    const FpgaMemory m = f.memory_of(b.name);
    const double pj_per_byte = f.pj_per_access(m) / (geometry_of(m).port_data_bits / 8.0);
    e["sram." + b.name] = (count_of(result.sram_reads, b.name) + count_of(result.sram_writes, b.name)) * pj_per_byte;
  }
}

}  // namespace

std::map<std::string, double> layer_energy_pj(const ArchConfig& arch, const EnergyTable& table,
                                              const LayerResult& result) {
  std::map<std::string, double> e;
  if (arch.fpga)
    fpga_array_and_buffers(arch, result, e);
  else
    asic_array_and_buffers(arch, table, result, e);
  e["vector"] = static_cast<double>(result.vector_ops) * table.vector_op_pj;
  const double dram_bytes = static_cast<double>(result.dram_read_bytes + result.dram_write_bytes);
  e["dram"] = dram_bytes * 8.0 * table.dram_pj_per_bit_for(arch);
  e["dma"] = dram_bytes * table.dma_pj_per_byte;
  const double seconds = static_cast<double>(result.cycles) / (arch.clock_mhz * 1e6);
  double static_mw = 0;
  for (const auto& [k, mw] : static_power_mw(arch, table)) static_mw += mw;
  e["static"] = static_mw * 1e-3 * seconds * 1e12;  // mW -> W, J -> pJ
  return e;
}

}  // namespace tpusim
