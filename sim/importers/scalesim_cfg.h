#pragma once
/// SCALE-Sim v2 architecture configs (`.cfg`, INI as Python's configparser reads it), turned
/// into the same JSON document an architecture file holds and parsed by `config::parse_arch`,
/// so `--set` overrides, validation and the echoed effective config work as for JSON.
///
/// Accepted (key names are case-insensitive, as configparser lowercases them; `key = value` or
/// `key: value`; `#` and `;` start comment lines):
///   [general]              run_name
///   [architecture_presets] ArrayHeight, ArrayWidth, IfmapSramSzkB, FilterSramSzkB,
///                          OfmapSramSzkB, IfmapOffset, FilterOffset, OfmapOffset, Dataflow,
///                          Bandwidth (required in USER mode), MemoryBanks (default 1)
///   [run_presets]          InterfaceBandwidth (CALC or USER); SRAM_row_size, SRAM_bank_size,
///                          DRAM_row_size, DRAM_bank_size (in the shipped google.cfg and
///                          eyeriss.cfg; SCALE-Sim v2 does not read them; ignored)
///   [network_presets]      TopologyCsvLoc (optional; ignored: the workload comes from --workload)
/// Anything else is an error: an unknown key would otherwise change SCALE-Sim's result unnoticed.
///
/// The result: timing "scalesim-v2"; array rows x cols = ArrayHeight x ArrayWidth with the
/// dataflow; three buffers `ifmap` (inputs), `filter` (weights), `ofmap` (outputs) of kB * 1024
/// bytes; int8 inputs, weights and outputs (SCALE-Sim's 1-byte word); SCALE-Sim-only settings
/// under "/scalesim". For the native model (`--set /timing=native`): the clock and DRAM latency
/// keep tpusim's defaults, the DRAM bandwidth is Bandwidth words/cycle (1-byte words) at that
/// clock when given, and each SRAM port moves max(64, rows, cols) bytes per cycle, so the SRAMs
/// keep up with the array as SCALE-Sim assumes.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_config.h"
#include "sim/spec/arch_loader.h"

namespace tpusim::importers {

/// The architecture JSON document for a .cfg's text. `file` names the source in messages.
/// Malformed input throws InputError "file:line:column: <what was expected>, got <what was found>".
nlohmann::json scalesim_cfg_to_json(const std::string& text, const std::string& file);

/// Loads a SCALE-Sim .cfg, applies `--set` overrides to its JSON form and validates it.
ArchConfig load_arch_cfg(const std::string& path, const std::vector<config::Override>& overrides = {});

}  // namespace tpusim::importers
