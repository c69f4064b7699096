#pragma once
// Helpers shared by tests: temporary directories, running the CLI binary, small configs.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tpusim::test {

/// A fresh empty directory under the system temp dir, unique per process.
inline std::filesystem::path temp_dir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() / ("tpusim_" + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

/// Runs `tpusim <args>` (args are passed to the shell as written) and captures its output.
inline CliResult run_cli(const std::string& args, const std::filesystem::path& scratch) {
  const auto out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  const std::string cmd = std::string(TPUSIM_BINARY) + " " + args + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

/// A valid 4x4 WS architecture with three 1 KiB int8 buffers (ifmap, filter, ofmap) and a
/// 16 GB/s, 10 ns DRAM: the base that bad-input tests break one key of.
inline nlohmann::json tiny_arch_json() {
  return {{"name", "tiny"},
          {"clock_mhz", 1000},
          {"array", {{"rows", 4}, {"cols", 4}, {"dataflow", "ws"}}},
          {"buffers",
           {{"ifmap", {{"holds", {"inputs"}}, {"capacity_bytes", 1024}}},
            {"filter", {{"holds", {"weights"}}, {"capacity_bytes", 1024}}},
            {"ofmap", {{"holds", {"outputs"}}, {"capacity_bytes", 1024}}}}},
          {"dram", {{"bandwidth_gb_per_s", 16}, {"latency_ns", 10}}}};
}

/// A `tpusim run` of an architecture and a workload given as JSON: the command's result and, when
/// it exited 0, its report.json.
struct WorkloadRun {
  CliResult cli;
  nlohmann::json report;
};

/// Writes `arch` and a workload named `tag` of `layers` (an array of ops; one op alone is wrapped)
/// into a scratch directory, runs `tpusim run -q` on them with `options` and reads the report.
inline WorkloadRun run_workload_json(const std::string& tag, const nlohmann::json& arch, const nlohmann::json& layers,
                                     const std::string& options = "") {
  const auto dir = temp_dir(tag);
  write_text(dir / "arch.json", arch.dump());
  const nlohmann::json list = layers.is_array() ? layers : nlohmann::json::array({layers});
  write_text(dir / "work.json", nlohmann::json{{"name", tag}, {"layers", list}}.dump());
  WorkloadRun r;
  r.cli = run_cli("run -q --arch " + (dir / "arch.json").string() + " --workload " + (dir / "work.json").string() + " " +
                      options + " --out " + (dir / "out").string(),
                  dir);
  if (r.cli.exit_code == 0) r.report = nlohmann::json::parse(read_text(dir / "out" / "report.json"));
  return r;
}

inline std::string source_path(const std::string& rel) { return std::string(TPUSIM_SOURCE_DIR) + "/" + rel; }

/// The JSON objects of a JSON-lines file (a sweep's points.jsonl), blank lines skipped.
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& p) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(read_text(p));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

}  // namespace tpusim::test
