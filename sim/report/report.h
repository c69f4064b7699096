#pragma once
/// Reports of a run: report.json (schema version 1), layers.csv and the console table. Derived
/// figures (ratios, seconds, TOPS, energy) are computed here, from the counters.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/energy/energy_table.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/run/layer_result.h"

namespace tpusim::report {

constexpr int kSchemaVersion = 1;

/// The whole report as JSON (see results/schema.md).
nlohmann::json build_report(const mapper::MappedWorkload& mapped, const EnergyTable& energy, const RunResult& run);

/// layers.csv: one row per layer, from the report JSON.
std::string layers_csv(const nlohmann::json& report);

/// The human summary: a per-layer table and totals.
void print_summary(std::ostream& out, const nlohmann::json& report);

/// Writes `content` to `path` through a temporary file and a rename, so a report is either
/// complete or absent.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace tpusim::report
