#pragma once
/// A system run end to end: the chip program's compute ops on the chip preset the system names
/// (one single-chip run: every chip runs the same program), its collectives on the interconnect,
/// and the system report (sim/system/README.md).
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/energy/energy_table.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/report/report.h"
#include "sim/run/runner.h"
#include "sim/system/system_run.h"

namespace tpusim::system {

/// One chip program's compute ops run on the chip alone, with its report.
struct ChipRun {
  ArchConfig arch;
  Workload workload;
  EnergyTable energy;
  std::unique_ptr<mapper::MappedWorkload> mapped;
  RunResult run;
  report::Report report;
};

/// Loads the system's chip preset (InputError naming the system file and /chip when missing),
/// maps `workload` (every check before simulating), runs it and makes its report.
std::unique_ptr<ChipRun> run_chip(const config::SystemSpec& spec, const Workload& workload, const RunOptions& options = {});

struct SystemRun {
  config::SystemSpec spec;
  std::string workload_name;
  ChipTimeline timeline;
  std::unique_ptr<ChipRun> chip;  ///< null when the program has no compute op
};

/// Runs `graph` on every chip of `spec` (symmetric SPMD: one chip run stands for all).
SystemRun run_system(const config::SystemSpec& spec, const ChipGraph& graph, const RunOptions& options = {});

/// system_report.json (sim/system/README.md lists its keys).
nlohmann::json system_report_json(const SystemRun& run);
/// The human summary.
void print_system_summary(std::ostream& out, const SystemRun& run);

}  // namespace tpusim::system
