#pragma once
/// The resources an FPGA design uses of its device (sim/spec/fpga.h, sim/spec/README.md "FPGA
/// accelerators"): DSP slices for the array's MACs, 18 Kb block RAMs and UltraRAMs for the buffers.
#include <string>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_config.h"

namespace tpusim {

/// DSPs = ceil(PEs x /array/macs_per_pe_per_cycle x DSP slices per MAC of the MAC datatype);
/// blocks of each buffer = max(ceil(capacity bits / data bits per block), ports x ceil(port bits
/// / port data bits per block)). All zero when the architecture has no /fpga section.
FpgaResources fpga_resources(const ArchConfig& arch);

/// The resource report of report.json and `describe --json` ("fpga"): device, and per resource
/// used, available and utilization (used / available), and each buffer's blocks; null without /fpga.
nlohmann::json fpga_resources_json(const ArchConfig& arch);

namespace config {
/// Fills /fpga/memory for every buffer, checks the MAC datatype is on the device and that the
/// design fits it; InputError naming `file` and the pointer (/array, /buffers, /datatypes,
/// /fpga/memory/<buffer>) otherwise.
void validate_fpga(const std::string& file, ArchConfig& arch);
}  // namespace config

}  // namespace tpusim
