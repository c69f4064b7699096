#pragma once
/// Energy = action counts x per-action energy + static power x time, computed after the run.
#include <map>
#include <string>

#include "sim/config/arch_config.h"
#include "sim/energy/energy_table.h"
#include "sim/run/layer_result.h"

namespace tpusim {

/// Energy of one layer by component: "mac", "pe_register", "sram.<buffer>", "dram", "dma",
/// "static" (pJ).
std::map<std::string, double> layer_energy_pj(const ArchConfig& arch, const EnergyTable& table,
                                              const LayerResult& layer);

}  // namespace tpusim
