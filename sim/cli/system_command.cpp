#include "sim/cli/system_command.h"

#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "arch/interconnect/topology.h"
#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/cli/describe.h"
#include "sim/metrics/metrics.h"
#include "sim/importers/formats.h"
#include "sim/partition/partition.h"
#include "sim/report/report.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/system_spec.h"
#include "sim/system/chakra/chakra_export.h"
#include "sim/system/system_report.h"

namespace tpusim::cli {

bool is_system_file(const std::string& path) {
  if (std::filesystem::path(path).extension() != ".json") return false;
  return config::is_system_document(config::load_json_file(path));
}

namespace {

/// The system, and the chip program: the workload as written, or a model graph partitioned.
struct LoadedProgram {
  config::SystemSpec spec;
  ChipGraph graph;
  std::optional<partition::Parallelism> par;
  uint64_t model_macs = 0;  ///< the model graph's, when partitioned
};

LoadedProgram load_program(const SystemRunArgs& a) {
  LoadedProgram p;
  p.spec = config::load_system_json(a.system, a.overrides);
  if (!a.parallelism.empty()) {
    p.par = partition::load_parallelism_json(a.parallelism);
    const Workload model = importers::load_workload(a.workload);  // a model graph: no collectives
    p.graph = partition::partition_block(model, *p.par, p.spec);
    // The graph is one pipeline stage (every stage alike): the model is pp of them.
    p.model_macs = model.total_macs() * p.par->pp.degree;
  } else {
    p.graph = load_chip_graph_json(a.workload);
  }
  // The repeated program is held whole (about 1.5 KB a node with its timeline) and scheduled:
  // `--repeat 4294967295` was std::bad_alloc, exit 3. 2^20 nodes: 1.5 GB, 5 s here.
  constexpr uint64_t kMaxRepeatedNodes = uint64_t{1} << 20;
  const uint64_t nodes = p.graph.nodes.size();
  if (nodes * a.repeat > kMaxRepeatedNodes)
    throw InputError(fmt::format("--repeat {}: {} copies of the program's {} nodes are {} nodes; at most {} (each is "
                                 "held and scheduled: about 1.5 KB and 5 us a node)",
                                 a.repeat, a.repeat, nodes, nodes * a.repeat, kMaxRepeatedNodes));
  return p;
}

system::SystemRun run_program(const SystemRunArgs& a, const LoadedProgram& p) {
  RunOptions options;
  options.fast_forward = a.fast_forward;
  system::SystemOptions sys;
  sys.parallelism = p.par ? &*p.par : nullptr;
  sys.allow_memory_overflow = a.allow_memory_overflow;
  sys.model_macs = p.model_macs;
  return system::run_system(p.spec, p.graph, options, a.repeat, sys);
}

}  // namespace

int run_system_command(const SystemRunArgs& a) {
  // Everything is judged before simulating (run_system checks collectives first, then maps).
  const LoadedProgram p = load_program(a);
  // Checked now, created only with the report (the OutputFiles set): a run that fails writes nothing.
  if (!a.out_dir.empty()) check_output_dir("--out", a.out_dir);
  const system::SystemRun run = run_program(a, p);
  nlohmann::json j = system::system_report_json(run);
  if (p.par && p.par->pp.degree > 1) {
    // The workload is one microbatch of one stage (forward and backward): the pipeline's step.
    const system::StageTiming st = system::pipeline_timing(p.spec, run, p.graph, *p.par);
    j["pipeline"] = system::pipeline_json(st);
    if (!a.quiet) system::print_pipeline(std::cout, st);
  }
  if (!a.quiet) system::print_system_summary(std::cout, run);
  if (!a.out_dir.empty()) report::write_file_atomic(a.out_dir + "/system_report.json", j.dump(2) + "\n");
  return 0;
}

int export_chakra_command(const SystemRunArgs& a, const std::string& prefix) {
  const LoadedProgram p = load_program(a);
  system::chakra::check_exportable(p.graph);
  check_output_dir("--out", a.out_dir);
  const system::SystemRun run = run_program(a, p);
  const system::chakra::Exported e = system::chakra::write_chakra(run, p.graph, a.out_dir, prefix);
  if (!a.quiet)
    for (const std::string& f : e.files) std::cout << f << "\n";
  return 0;
}

namespace {

namespace ic = arch::interconnect;

nlohmann::json axes_json(const ic::Topology& topo) {
  nlohmann::json axes = nlohmann::json::array();
  for (const ic::Axis& a : topo.axes())
    axes.push_back({{"name", a.name}, {"size", a.size}, {"wraparound", a.wraparound},
                    {"fabric", ic::to_string(a.fabric)}, {"slice_axis", a.slice_axis},
                    {"link_bandwidth_bytes_per_s", a.link.nominal_bytes_per_s},
                    {"effective_link_bandwidth_bytes_per_s", a.link.bandwidth_bytes_per_s},
                    {"latency_ns", static_cast<double>(a.link.latency_ps) * 1e-3}});
  return axes;
}

/// The describe document of a system; the chip's part only when its preset exists (a system loads
/// without it, for its interconnect figures).
nlohmann::json describe_system(const config::SystemSpec& spec) {
  const ic::Topology topo(spec);
  nlohmann::json d = {{"name", spec.name},
                      {"file", spec.file},
                      {"chips", spec.chips},
                      {"chips_per_slice", spec.chips_per_slice()},
                      {"slices", spec.slices ? spec.slices->count : 1},
                      {"topology", to_string(spec.kind)},
                      {"axes", axes_json(topo)},
                      {"injection_bandwidth_bytes_per_s", topo.injection_bandwidth_bytes_per_s()},
                      {"all_reduce_bandwidth_bytes_per_s", topo.all_reduce_bandwidth_bytes_per_s()},
                      {"bisection_bandwidth_bytes_per_s", topo.bisection_bandwidth_bytes_per_s()},
                      {"chip", nullptr}};
  if (std::filesystem::exists(spec.chip_path)) {
    const std::optional<ArchConfig> chip = config::load_arch_json(spec.chip_path);
    const metrics::Peak peak = metrics::peak(*chip);
    const double chips = static_cast<double>(spec.chips);
    d["peak_macs_per_s"] = peak.macs_per_s * chips;
    d["peak_tops"] = peak.tops * chips;
    d["hbm_capacity_bytes"] = chip->dram.capacity_bytes * spec.chips;
    d["dram_bandwidth_bytes_per_s"] = peak.dram_bytes_per_s * chips;
    d["chip"] = describe_arch(*chip);
  }
  d["system"] = config::to_json(spec);
  return d;
}

void print_system_description(std::ostream& out, const nlohmann::json& d) {
  out << fmt::format("{}: {} chips, {}", d["name"].get<std::string>(), d["chips"].get<uint64_t>(),
                     d["topology"].get<std::string>());
  std::string grid;
  for (const auto& a : d["axes"])
    grid += fmt::format("{}{} ({}{})", grid.empty() ? "" : " x ", a["size"].get<uint32_t>(), a["name"].get<std::string>(),
                        a["wraparound"].get<bool>() ? ", wraparound" : "");
  out << " " << grid << "\n";
  for (const auto& a : d["axes"])
    out << fmt::format("  axis {:<6} {:>6} {}, {}, link {:.4g} GB/s one way ({:.4g} GB/s effective), {:.6g} ns per hop\n",
                       a["name"].get<std::string>(), a["size"].get<uint32_t>(),
                       a["slice_axis"].get<bool>() ? "slices" : "chips", a["fabric"].get<std::string>(),
                       a["link_bandwidth_bytes_per_s"].get<double>() / 1e9,
                       a["effective_link_bandwidth_bytes_per_s"].get<double>() / 1e9, a["latency_ns"].get<double>());
  out << fmt::format("  injection        {:.4g} GB/s per chip, one way\n",
                     d["injection_bandwidth_bytes_per_s"].get<double>() / 1e9);
  const double all_reduce = d["all_reduce_bandwidth_bytes_per_s"].get<double>();
  out << fmt::format("  all-reduce bw    {} (injection x chips, Google's pod figure)\n",
                     all_reduce >= 1e15 ? fmt::format("{:.4g} PB/s", all_reduce / 1e15)
                                        : fmt::format("{:.4g} TB/s", all_reduce / 1e12));
  out << fmt::format("  bisection bw     {:.4g} TB/s (one way across the narrowest cut)\n",
                     d["bisection_bandwidth_bytes_per_s"].get<double>() / 1e12);
  if (d["chip"].is_null()) {
    out << "  chip             " << d["system"]["chip"].get<std::string>() << " (not found: no chip figures)\n";
    return;
  }
  out << fmt::format("  chip             {} ({:.4g} TOPS, {:.4g} GiB HBM each)\n", d["chip"]["name"].get<std::string>(),
                     d["chip"]["peak_tops"].get<double>(),
                     d["chip"]["arch"]["dram"]["capacity_bytes"].get<double>() / double(1ULL << 30));
  out << fmt::format("  system peak      {:.4g} PFLOP/s ({:.4g} TOPS x {} chips), {:.4g} TiB HBM\n",
                     d["peak_tops"].get<double>() / 1e3, d["chip"]["peak_tops"].get<double>(),
                     d["chips"].get<uint64_t>(), d["hbm_capacity_bytes"].get<double>() / double(1ULL << 40));
}

}  // namespace

int describe_system_command(const std::string& system, const std::vector<config::Override>& overrides, bool json) {
  const config::SystemSpec spec = config::load_system_json(system, overrides);
  const nlohmann::json d = describe_system(spec);
  if (json) std::cout << d.dump(2) << "\n";
  else print_system_description(std::cout, d);
  return 0;
}

}  // namespace tpusim::cli
