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
#include "sim/partition/partition.h"
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
  uint32_t repeat = 1;
};

/// Runs `graph` on every chip of `spec` (symmetric SPMD: one chip run stands for all), `repeat`
/// times back to back (repeat_program: identical layers simulated once).
SystemRun run_system(const config::SystemSpec& spec, const ChipGraph& graph, const RunOptions& options = {},
                     uint32_t repeat = 1);

/// A pipeline of identical stages (the program is one microbatch of one stage, forward and
/// backward): its step from partition::pipeline_step, the stage time being the program's step and
/// the send to the next stage a send_recv over the pp axes of the program's output tensor.
struct StageTiming {
  TimePs stage_ps = 0;
  uint64_t send_bytes = 0;
  TimePs p2p_ps = 0;
  uint32_t stages = 1, microbatches = 1;
  partition::Schedule schedule = partition::Schedule::one_f_one_b;
  partition::PipelineStep step;
};
StageTiming pipeline_timing(const config::SystemSpec& spec, const SystemRun& run, const ChipGraph& graph,
                            const partition::Parallelism& par);
nlohmann::json pipeline_json(const StageTiming& t);
void print_pipeline(std::ostream& out, const StageTiming& t);

/// The time of `bytes` sent by every chip to its neighbour along `axes` (send_recv, direct): what
/// a pipeline stage's hand-over costs (closed form: no other traffic).
TimePs send_recv_ps(const config::SystemSpec& spec, uint64_t bytes, const std::vector<std::string>& axes);

/// system_report.json (sim/system/README.md lists its keys).
nlohmann::json system_report_json(const SystemRun& run);
/// The human summary.
void print_system_summary(std::ostream& out, const SystemRun& run);

}  // namespace tpusim::system
