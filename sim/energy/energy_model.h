#pragma once
/// Energy = action counts x per-action energy + static power x time, computed after the run
/// (sim/energy/README.md has every formula).
#include <map>
#include <string>

#include "sim/spec/arch_config.h"
#include "sim/energy/energy_table.h"
#include "sim/run/layer_result.h"

namespace tpusim {

/// Energy of one layer by component (pJ): "mac", "pe_register", "vector", "sram.<buffer>",
/// "dram", "dma", "static", from the layer's counters and its MAC counts under sparsity
/// (LayerResult::executed_macs, effective_macs). InputError when the table lacks the arch's
/// MAC datatype or DRAM type.
std::map<std::string, double> layer_energy_pj(const ArchConfig& arch, const EnergyTable& table,
                                              const LayerResult& result);

}  // namespace tpusim
