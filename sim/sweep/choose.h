#pragma once
/// `tpusim choose`: one workload (or one LLM model + scenario) on several architectures, each in
/// its own `tpusim run` child process as sweep rows are, and a side-by-side table of what each
/// gives (time, throughput, energy per inference, TOPS/W, power, area, utilization, what bounds
/// it) with the constraints each breaks. Layout of the output directory:
///   choose.csv, choose.json   the table (rows in the order the architectures were given)
///   runs/<i>-<stem>/          one run: report.json, layers.csv, stderr.txt
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tpusim::sweep {

struct ChooseOptions {
  std::vector<std::string> archs;   ///< architecture files, one row each
  std::string workload;             ///< a workload file, or empty with model + scenario
  std::string model, scenario;      ///< an LLM run (sim/llm): both or neither
  std::optional<double> max_latency_ms, max_power_w, max_area_mm2;
  std::optional<double> max_energy_mj;  ///< energy per inference (or per generated token), mJ
  std::string out_dir;
  size_t jobs = 1;
  double timeout_s = 3600;
  std::string executable = "/proc/self/exe";
};

/// One architecture's figures. Latency is a workload's run time, or with a model the time per
/// output token (decode, request) or the scenario's time (prefill, train_step); throughput is
/// inferences/s (batch / time) or tokens/s; an inference is the workload once (its batch) or a
/// generated token.
struct ChooseRow {
  std::string arch_file, name, status = "ok", error, report;  ///< report: path of its report.json
  double latency_ms = 0, throughput_per_s = 0, energy_per_inference_mj = 0, tops_per_w = 0;
  double average_power_w = 0, utilization = 0;
  std::optional<double> area_mm2;     ///< none for an FPGA design (the silicon is the device's)
  /// Shares of the run's time: compute (the array busy or shifting, vector work), memory (waiting
  /// for DRAM: weight, input and output stalls), dependency (waiting for an earlier op), and
  /// interconnect (exposed communication, LLM runs on systems); `bound` names the largest.
  double compute_share = 0, memory_share = 0, dependency_share = 0, interconnect_share = 0;
  std::string bound;
  std::vector<std::string> violates;  ///< "latency", "power", "area"
};

struct ChooseResult {
  std::string throughput_unit;  ///< "inferences/s" or "tokens/s"
  std::vector<ChooseRow> rows;
  double wall_s = 0;
};

/// Runs every architecture, writes choose.csv and choose.json into out_dir. InputError (before
/// anything runs) for an architecture or workload that does not load, bad limits, or neither
/// or both of workload and model; a run that fails is a row with status "failed" and its error.
ChooseResult run_choose(const ChooseOptions& options);

/// The table as markdown (what `tpusim choose` prints).
std::string choose_markdown(const ChooseOptions& options, const ChooseResult& result);

/// A row's figures from a report.json (workload or model kind); `area_mm2` and the limits are
/// the caller's. Exposed for tests.
ChooseRow row_from_report(const nlohmann::json& report);

}  // namespace tpusim::sweep
