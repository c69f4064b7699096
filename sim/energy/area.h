#pragma once
/// Silicon area of the accelerator from per-unit figures of the energy table, and the static
/// (leakage) power that follows from it: area x leakage density (sim/energy/README.md, "Area and static power").
#include <map>
#include <string>

#include "sim/spec/arch_config.h"
#include "sim/energy/energy_table.h"

namespace tpusim {

/// Area by component (mm^2): "mac" (rows x cols x macs_per_pe_per_cycle MAC units of the MAC
/// datatype), "pe_register" (each PE's input, weight (x2 when double-buffered) and
/// partial-sum registers), "sram.<buffer>" (capacity x area per byte at that capacity),
/// "vector" (lanes). Not modelled: DMA engine, DRAM PHY, control, wiring between blocks. Empty
/// for an FPGA design (/fpga): its silicon is the whole device's.
std::map<std::string, double> area_mm2(const ArchConfig& arch, const EnergyTable& table);

/// Register bytes in one PE (see area_mm2).
double pe_register_bytes(const ArchConfig& arch);

/// Static power by component (mW): the same keys as area_mm2, each area times the logic or
/// SRAM leakage density of the table; for an FPGA design, {"fpga_device": the device's static power}.
std::map<std::string, double> static_power_mw(const ArchConfig& arch, const EnergyTable& table);

}  // namespace tpusim
