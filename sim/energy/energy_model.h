#pragma once
/// Energy = action counts x per-action energy + static power x time, computed after the run
/// (README "Energy, area, quantization and sparsity" has every formula).
#include <map>
#include <string>

#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/energy/energy_table.h"
#include "sim/run/layer_result.h"

namespace tpusim {

/// MAC counts of a layer under sparsity (sim/mapper/sparsity.h): dense (the layer's M*N*K),
/// executed (MAC slots the PEs step through after N:M skipping) and effective (both operands
/// nonzero; the rest are gated).
struct MacCounts {
  double dense = 0, executed = 0, effective = 0;
};
MacCounts mac_counts(const ArchConfig& arch, const LayerResult& result, const Layer* layer);

/// Energy of one layer by component (pJ): "mac", "pe_register", "vector", "sram.<buffer>",
/// "dram", "dma", "static". `layer` (the workload's layer, for its sparsity) may be null: dense.
/// InputError when the table lacks the arch's MAC datatype or DRAM type.
std::map<std::string, double> layer_energy_pj(const ArchConfig& arch, const EnergyTable& table,
                                              const LayerResult& result, const Layer* layer = nullptr);

}  // namespace tpusim
