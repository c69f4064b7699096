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
#include "sim/metrics/energy_split.h"
#include "sim/partition/partition.h"
#include "sim/report/report.h"
#include "sim/run/runner.h"
#include "sim/system/memory_fit.h"
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

/// What a system run checks besides the chip's options.
struct SystemOptions {
  const partition::Parallelism* parallelism = nullptr;  ///< what the graph was partitioned with (null: none)
  bool allow_memory_overflow = false;  ///< run a program whose chip share exceeds the HBM (flagged)
  /// The MACs of the model the program was partitioned from, once per copy (0: the program is
  /// not a partition, so its MACs are the model's on every chip alike).
  uint64_t model_macs = 0;
};

struct SystemRun {
  config::SystemSpec spec;
  std::string workload_name;
  ChipTimeline timeline;
  std::unique_ptr<ChipRun> chip;  ///< null when the program has no compute op
  uint32_t repeat = 1;
  std::optional<Footprint> memory;  ///< one chip's HBM footprint (programs with compute ops)
  uint64_t model_macs = 0;          ///< SystemOptions::model_macs
};

/// Utilization of the system over the step (sim/system/README.md "Utilization"): the MACs the
/// chips execute (HFU) and the model's MACs (MFU) over chips x the chip's peak x step.
struct SystemUtilization {
  double executed_macs = 0;        ///< every chip's, all copies
  double model_macs = 0;           ///< the model's once (a partition), else = executed_macs
  double peak_macs_per_s = 0;      ///< chips x the chip's peak
  double hfu = 0, mfu = 0;
};
std::optional<SystemUtilization> system_utilization(const SystemRun& run);

/// Runs `graph` on every chip of `spec` (symmetric SPMD: one chip run stands for all), `repeat`
/// times back to back (repeat_program: identical layers simulated once).
/// The chip's footprint is checked first (check_fits) unless `sys.allow_memory_overflow`.
SystemRun run_system(const config::SystemSpec& spec, const ChipGraph& graph, const RunOptions& options = {},
                     uint32_t repeat = 1, const SystemOptions& sys = {});

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

/// The energy of one run of the program on the whole system (sim/system/README.md "Energy"):
/// every chip's compute, memory and static energy (the chip run's, `repeat` times, plus static
/// power over the exposed communication, when the chip waits), and the links' (bytes on each
/// axis x 8 x its pJ per bit). A program without compute ops counts only its links.
struct SystemEnergy {
  metrics::EnergySplit system;    ///< all chips and links
  metrics::EnergySplit per_chip;  ///< one chip's; interconnect: the system's over the chips
  double chip_static_power_w = 0; ///< the chip run's static energy over its wall time
  double step_s = 0;
  double average_power_w = 0;     ///< system total over the step
};
SystemEnergy system_energy(const SystemRun& run);
nlohmann::json energy_json(const SystemEnergy& e);

/// system_report.json (sim/system/README.md lists its keys).
nlohmann::json system_report_json(const SystemRun& run);
/// The human summary.
void print_system_summary(std::ostream& out, const SystemRun& run);

}  // namespace tpusim::system
