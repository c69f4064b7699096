#pragma once
/// Runs a generated model scenario (sim/models) on a chip: each distinct block is simulated once
/// by the ordinary runner (graph execution, in a forked child process, since SystemC elaborates
/// one model per process) and its counters are accounted for every identical copy; the totals
/// add the LLM figures: time to first token, time per output token, tokens/s, MFU, HFU, memory
/// per chip by kind and energy per token (sim/llm/README.md defines each).
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/metrics/energy_split.h"
#include "sim/models/generate.h"
#include "sim/run/work_bound.h"
#include "sim/spec/arch_loader.h"

namespace tpusim::llm {

struct LlmOptions {
  std::string arch_path;
  std::vector<config::Override> overrides;  ///< the user's --set, applied to every block's chip
  /// Simulate each distinct block once and reuse its counters (false: simulate every copy; the
  /// totals are the same, which a test checks).
  bool memoize = true;
  unsigned jobs = 2;  ///< child simulations at a time
  /// Each distinct block's limit of work (`run --max-folds`, sim/run/work_bound.h), judged for
  /// every block before any is simulated; 0 = no limit.
  uint64_t max_folds = kDefaultMaxFolds;
};

/// What one block's simulation measured (one copy), and how many copies it stands for.
struct BlockResult {
  std::string name;
  models::Phase phase = models::Phase::prefill;
  uint64_t repeat = 1;
  std::string reused_from;  ///< the block whose simulation it reuses ("" = simulated itself)
  uint64_t cycles = 0, macs = 0, dram_read_bytes = 0, dram_write_bytes = 0;
  uint64_t compute_cycles = 0, stall_cycles = 0;
  double seconds = 0, energy_pj = 0;
  double communication_s = 0;  ///< the block's exposed collectives (closed forms), per copy
  double hidden_communication_s = 0;  ///< overlapped collectives the compute covers, per copy
  std::map<std::string, double> energy_breakdown_pj;  ///< one chip's, per copy
  double interconnect_pj = 0;  ///< the links' energy for the block's collectives, whole system, per copy
};

/// Sums over a phase (or the whole scenario): every copy of every block.
/// Counters are integers (summed exactly: memoized and unmemoized totals are equal), seconds
/// derive from cycles at the chip's clock.
struct PhaseTotals {
  uint64_t cycles = 0, macs = 0, compute_cycles = 0, stall_cycles = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double seconds = 0, energy_pj = 0;   ///< seconds = cycles at the clock + communication_s
  double communication_s = 0;         ///< exposed
  double hidden_communication_s = 0;  ///< overlapped and covered by compute
  std::map<std::string, double> energy_breakdown_pj;  ///< one chip's
  /// The whole system's energy (every chip, the links, the chips' static power while they wait
  /// for exposed communication) split by kind (sim/llm/README.md "Energy").
  metrics::EnergySplit system_energy;
};

struct LlmResult {
  std::string arch_name;
  double clock_mhz = 0, peak_macs_per_s = 0;
  uint64_t hbm_capacity_bytes = 0;
  uint64_t chips = 1;
  std::string system_name;  ///< "" on one chip
  std::vector<std::string> tp_axes, sp_axes, ep_axes, dp_axes, pp_axes;
  models::Generated generated;
  std::vector<BlockResult> blocks;
  uint64_t simulations = 0;  ///< child simulations run
  std::map<models::Phase, PhaseTotals> phases;
  PhaseTotals total;
};

/// Generates, checks the footprint against the chip's HBM (InputError naming /dram/capacity_bytes
/// unless the scenario sets require_fit false), simulates and accounts.
LlmResult run_llm(const models::ModelConfig& model, const models::Scenario& scenario, const LlmOptions& options);

/// The --set overrides of the chip a block runs on: the user's (`user`), then the block's
/// datatypes as /datatypes/weight, /input and /output (sim/llm/README.md).
std::vector<config::Override> block_overrides(const std::vector<config::Override>& user, const models::Block& b);

/// report.json of a model run (sim/llm/README.md).
nlohmann::json llm_report_json(const models::ModelConfig& model, const models::Scenario& scenario,
                               const LlmResult& result);
/// The console summary.
void print_llm_summary(std::ostream& out, const nlohmann::json& report);

}  // namespace tpusim::llm
