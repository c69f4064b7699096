#include "sim/cli/system_command.h"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/report/report.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/system_spec.h"
#include "sim/system/system_report.h"

namespace tpusim::cli {

bool is_system_file(const std::string& path) {
  if (std::filesystem::path(path).extension() != ".json") return false;
  return config::is_system_document(config::load_json_file(path));
}

int run_system_command(const SystemRunArgs& a) {
  // Everything is judged before simulating (run_system checks collectives first, then maps).
  const config::SystemSpec spec = config::load_system_json(a.system, a.overrides);
  const ChipGraph graph = load_chip_graph_json(a.workload);
  if (!a.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec || !std::filesystem::is_directory(a.out_dir))
      throw InputError(fmt::format("--out {}: cannot create directory", a.out_dir));
  }
  RunOptions options;
  options.fast_forward = a.fast_forward;
  const system::SystemRun run = system::run_system(spec, graph, options);
  if (!a.quiet) system::print_system_summary(std::cout, run);
  if (!a.out_dir.empty())
    report::write_file_atomic(a.out_dir + "/system_report.json", system::system_report_json(run).dump(2) + "\n");
  return 0;
}

}  // namespace tpusim::cli
