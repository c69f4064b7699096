#include "sim/cli/system_command.h"

#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/importers/formats.h"
#include "sim/partition/partition.h"
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
  ChipGraph graph;
  std::optional<partition::Parallelism> par;
  if (!a.parallelism.empty()) {
    par = partition::load_parallelism_json(a.parallelism);
    const Workload model = importers::load_workload(a.workload);  // a model graph: no collectives
    graph = partition::partition_block(model, *par, spec);
  } else {
    graph = load_chip_graph_json(a.workload);
  }
  if (!a.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec || !std::filesystem::is_directory(a.out_dir))
      throw InputError(fmt::format("--out {}: cannot create directory", a.out_dir));
  }
  RunOptions options;
  options.fast_forward = a.fast_forward;
  const system::SystemRun run = system::run_system(spec, graph, options, a.repeat);
  nlohmann::json j = system::system_report_json(run);
  if (par && par->pp.degree > 1) {
    // The workload is one microbatch of one stage (forward and backward): the pipeline's step.
    const system::StageTiming st = system::pipeline_timing(spec, run, graph, *par);
    j["pipeline"] = system::pipeline_json(st);
    if (!a.quiet) system::print_pipeline(std::cout, st);
  }
  if (!a.quiet) system::print_system_summary(std::cout, run);
  if (!a.out_dir.empty()) report::write_file_atomic(a.out_dir + "/system_report.json", j.dump(2) + "\n");
  return 0;
}

}  // namespace tpusim::cli
