#include "sim/cli/commands.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/one_line.h"
#include "sim/cli/describe.h"
#include "sim/cli/options.h"
#include "sim/cli/params.h"
#include "sim/cli/system_command.h"
#include "sim/energy/energy_table.h"
#include "sim/importers/formats.h"
#include "sim/llm/llm_run.h"
#include "sim/mapper/attention.h"
#include "sim/mapper/program.h"
#include "sim/mapper/workload_program.h"
#include "sim/report/compute_report_csv.h"
#include "sim/report/report.h"
#include "sim/report/timeline.h"
#include "sim/run/runner.h"
#include "sim/run/work_bound.h"

namespace po = boost::program_options;

namespace tpusim::cli {

namespace {

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& desc,
                        const char* command) {
  po::variables_map vm;
  store_checked(po::command_line_parser(args).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: tpusim " << command << " [options]\n" << desc;
    return vm;
  }
  po::notify(vm);
  return vm;
}

std::vector<config::Override> overrides_of(const po::variables_map& vm) {
  std::vector<config::Override> out;
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) out.push_back(config::parse_override(s));
  return out;
}

/// Writes every instruction of the workload as one JSON object per line: the program the
/// controller runs (sim/mapper/workload_program.h), so in graph mode ids run on across ops and
/// deps name other ops' instructions; in barrier mode each op's ids start at 0.
void dump_program(const mapper::MappedWorkload& mapped, const std::string& write_path, const std::string& path) {
  std::ofstream out(write_path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(output_error("--dump-program", path, std::strerror(errno)));
  mapper::WorkloadProgram program(mapped);
  while (program.next_layer()) {
    const Layer& layer = *mapped.layer(program.current_op()).layer;
    arch::Instr i;
    while (program.next_instr(i)) {
      nlohmann::json j = {{"layer", layer.name}, {"id", i.id}, {"kind", arch::to_string(i.kind)}};
      if (i.on_sparse_core) j["unit"] = "sparse_core";
      if (i.kind == arch::InstrKind::load || i.kind == arch::InstrKind::store) {
        j["operand"] = arch::to_string(i.operand);
        j["dram_bytes"] = i.dram_bytes;
        if (i.gather_rows) j["gather"] = {{"rows", i.gather_rows}, {"row_bytes", i.gather_row_bytes}, {"first_row", i.gather_first_row}};
      } else if (i.kind == arch::InstrKind::matmul) {
        j["fold"] = {i.fold.rows_used, i.fold.cols_used, i.fold.stream_len};
      } else {
        j["vector_cycles"] = i.vector_cycles;
      }
      j["deps"] = std::vector<uint64_t>(i.deps.begin(), i.deps.begin() + i.dep_count);
      out << j.dump() << "\n";
    }
  }
  out.flush();
  if (!out) throw InputError(output_error("--dump-program", path, std::strerror(errno ? errno : EIO)));
}

/// Never a silent zero: nodes skipped under --allow-unsupported are named on stderr (and listed
/// in report.json under /import/skipped).
void warn_skipped(const Workload& w) {
  if (!w.import || w.import->count(NodeTreatment::skipped) == 0) return;
  std::string list;
  for (const auto& n : w.import->nodes)
    if (n.treatment == NodeTreatment::skipped) list += fmt::format("{}{} \"{}\"", list.empty() ? "" : ", ", n.op_type, n.name);
  // One line, as the errors are: node names may hold any character.
  std::cerr << "tpusim: warning: "
            << one_line(fmt::format("{}: {} unsupported nodes skipped and not costed (--allow-unsupported): {}; "
                                    "report.json lists them under /import/skipped",
                                    w.file, w.import->count(NodeTreatment::skipped), list))
            << "\n";
}

/// The directory --out names, checked (a directory, or one that can be created) but not created:
/// the OutputFiles set creates it when the run's files are committed; "" without --out.
std::string out_dir_of(const po::variables_map& vm) {
  if (!vm.count("out")) return "";
  const std::string dir = vm["out"].as<std::string>();
  check_output_dir("--out", dir);
  return dir;
}

/// Every output option of `run` is checked before any work, so a run that cannot write its
/// files does not simulate first.
void check_run_outputs(const po::variables_map& vm) {
  for (const char* opt : {"dump-program", "timeline", "vcd"})
    if (vm.count(opt)) check_output_file(std::string("--") + opt, vm[opt].as<std::string>());
}

/// The program dump (written now) and the timeline (returned; written during the run), both
/// staged in `outputs` so they appear with the run's other files or not at all.
std::unique_ptr<report::ChromeTrace> stage_streams(const po::variables_map& vm, const mapper::MappedWorkload& mapped,
                                                   OutputFiles& outputs) {
  const ArchConfig& arch = mapped.arch();
  if (vm.count("dump-program") && arch.timing == TimingMode::scalesim_v2)
    throw InputError("--dump-program: scalesim-v2 timing runs no program; use --set /timing=native");
  if (vm.count("dump-program")) {
    const std::string path = vm["dump-program"].as<std::string>();
    dump_program(mapped, outputs.stage("--dump-program", path), path);
  }
  if (!vm.count("timeline")) return nullptr;
  if (arch.timing == TimingMode::scalesim_v2)
    throw InputError("--timeline: scalesim-v2 timing has no unit activity; use --set /timing=native");
  std::vector<std::string> names;
  for (const auto& l : mapped.workload().layers) names.push_back(l.name);
  const std::string path = vm["timeline"].as<std::string>();
  return std::make_unique<report::ChromeTrace>(outputs.stage("--timeline", path), path, arch.clock_mhz, std::move(names));
}

/// `run --model CONFIG --scenario SCENARIO`: a generated model scenario (sim/llm/README.md).
int run_model(const po::variables_map& vm) {
  for (const char* opt : {"workload", "allow-unsupported", "dump-program", "timeline", "vcd"})
    if (vm.count(opt)) throw InputError(fmt::format("--{}: not with --model (a model run simulates generated blocks)", opt));
  if (!vm.count("scenario")) throw InputError("--model: needs --scenario SCENARIO.json");
  if (!vm.count("model")) throw InputError("--scenario: needs --model CONFIG.json");
  const models::ModelConfig model = models::load_model_config(vm["model"].as<std::string>());
  std::vector<config::Override> scenario_overrides;
  if (vm.count("scenario-set"))
    for (const auto& s : vm["scenario-set"].as<std::vector<std::string>>()) {
      try {
        scenario_overrides.push_back(config::parse_override(s));
      } catch (const InputError& e) {
        const std::string what = e.what();  // the shared parser names --set
        throw InputError(what.rfind("--set ", 0) == 0 ? "--scenario-set " + what.substr(6) : what);
      }
    }
  const models::Scenario scenario = models::load_scenario(vm["scenario"].as<std::string>(), scenario_overrides);
  llm::LlmOptions options;
  options.arch_path = vm["arch"].as<std::string>();
  options.overrides = overrides_of(vm);
  options.memoize = !vm.count("no-memo");
  options.max_folds = vm["max-folds"].as<uint64_t>();
  const std::string out_dir = out_dir_of(vm);
  const llm::LlmResult result = llm::run_llm(model, scenario, options);
  const nlohmann::json rep = llm::llm_report_json(model, scenario, result);
  if (!vm.count("quiet")) llm::print_llm_summary(std::cout, rep);
  if (!out_dir.empty()) {
    OutputFiles outputs;
    outputs.put("--out", out_dir + "/report.json", rep.dump(2) + "\n");
    outputs.commit();
  }
  return 0;
}

}  // namespace

int command_run(const std::vector<std::string>& args) {
  po::options_description desc("run options");
  desc.add_options()("help,h", "show this help")
      ("arch", po::value<std::string>()->required(), "architecture: JSON config, SCALE-Sim .cfg, or a system (configs/systems/)")
      ("workload", po::value<std::string>(), "workload: JSON, SCALE-Sim topology .csv or ONNX model .onnx")
      ("allow-unsupported", "ONNX: skip ops tpusim cannot cost (listed in report.json under /import/nodes) instead of refusing the model")
      ("model", po::value<std::string>(), "instead of --workload: a model config (HF config.json or tpusim-model JSON)")
      ("scenario", po::value<std::string>(), "with --model: prefill, decode, request or train_step scenario JSON")
      ("scenario-set", po::value<std::vector<std::string>>()->composing(), "with --model: override a scenario value: /json/pointer=value (e.g. /batch=8)")
      ("no-memo", "with --model: simulate every copy of every block (same totals, slower)")
      ("out", po::value<std::string>(), "write DIR/report.json and DIR/layers.csv")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a config value: /json/pointer=value")
      ("dump-program", po::value<std::string>(), "write the instruction stream to FILE (JSON lines)")
      ("timeline", po::value<std::string>(), "write a Chrome trace of unit activity to FILE (Perfetto)")
      ("vcd", po::value<std::string>(), "cycle model, arrays up to 16x16: write a VCD waveform of the corner PEs to FILE")
      ("no-fast-forward", "step every fold, even in periodic runs the fast-forward would skip (same report)")
      ("max-folds", po::value<uint64_t>()->default_value(kDefaultMaxFolds),
       "refuse a run whose layers add up to more matrix folds and vector chunks than this before simulating (0 = no limit)")
      ("parallelism", po::value<std::string>(), "system only: partition the workload with this parallelism spec (sim/partition)")
      ("repeat", po::value<uint32_t>()->default_value(1), "system only: the program N times back to back as N identical layers (each holds its own weights in HBM)")
      ("allow-memory-overflow", "system only: run even when a chip's HBM cannot hold its share (system_report.json memory.fits false)")
      ("quiet,q", "do not print the summary table");
  const auto vm = parse(args, desc, "run");
  if (vm.count("help")) return 0;
  if (vm.count("model") || vm.count("scenario") || vm.count("scenario-set")) return run_model(vm);
  if (!vm.count("workload")) throw InputError("the option '--workload' is required but missing (or --model with --scenario)");
  if (is_system_file(vm["arch"].as<std::string>())) {
    for (const char* chip_only : {"dump-program", "timeline", "vcd", "allow-unsupported"})
      if (vm.count(chip_only))
        throw InputError(fmt::format("--{}: not available when --arch is a system (it applies to one chip)", chip_only));
    SystemRunArgs sys;
    sys.system = vm["arch"].as<std::string>();
    sys.workload = vm["workload"].as<std::string>();
    if (vm.count("out")) sys.out_dir = vm["out"].as<std::string>();
    if (vm.count("parallelism")) sys.parallelism = vm["parallelism"].as<std::string>();
    sys.repeat = vm["repeat"].as<uint32_t>();
    if (sys.repeat == 0) throw InputError("--repeat: must be at least 1, got 0");
    sys.overrides = overrides_of(vm);
    sys.quiet = vm.count("quiet") > 0;
    sys.fast_forward = !vm.count("no-fast-forward");
    sys.allow_memory_overflow = vm.count("allow-memory-overflow") > 0;
    return run_system_command(sys);
  }
  if (vm.count("parallelism") || vm["repeat"].as<uint32_t>() != 1 || vm.count("allow-memory-overflow"))
    throw InputError("--parallelism, --repeat, --allow-memory-overflow: need a system as --arch (configs/systems/)");

  // Everything that can be judged before simulating is judged first: no half-written report.
  const std::string out_dir = out_dir_of(vm);
  check_run_outputs(vm);
  const ArchConfig arch = importers::load_arch(vm["arch"].as<std::string>(), overrides_of(vm));
  importers::WorkloadOptions workload_options;
  workload_options.allow_unsupported = vm.count("allow-unsupported") > 0;
  const Workload workload = importers::load_workload(vm["workload"].as<std::string>(), workload_options);
  warn_skipped(workload);
  const EnergyTable energy = load_energy_table(resolve_energy_table(arch.energy_table, arch.file));
  energy.check_covers(arch);  // a datatype or DRAM type the table lacks fails before simulating
  // Every file of the run is staged and committed together at the end (report.json last).
  OutputFiles outputs;
  RunOptions options;
  if (vm.count("vcd")) {
    // The matrix unit's VCD file is the path with ".vcd" added unless it ends so.
    std::string vcd = vm["vcd"].as<std::string>();
    if (vcd.size() <= 4 || vcd.compare(vcd.size() - 4, 4, ".vcd") != 0) vcd += ".vcd";
    options.vcd_path = vcd;
  }
  options.fast_forward = !vm.count("no-fast-forward");
  const mapper::MappedWorkload mapped = prepare_run(arch, workload, options);
  check_work_bound(mapped, vm["max-folds"].as<uint64_t>(), mapped.workload().file);
  if (!options.vcd_path.empty()) options.vcd_path = outputs.stage("--vcd", options.vcd_path);
  std::unique_ptr<report::ChromeTrace> trace = stage_streams(vm, mapped, outputs);
  options.trace = trace.get();
  const RunResult run = run_workload(mapped, options);
  if (trace) trace->close();
  const report::Report report = report::make_report(mapped, energy, run);
  if (!vm.count("quiet")) {
    report::print_summary(std::cout, report);
    if (run.skipped_blocks > 0)
      std::cout << fmt::format("fast-forward: {} periodic folds or vector chunks advanced in whole periods, not "
                               "stepped (--no-fast-forward steps them; the report is the same)\n",
                               run.skipped_blocks);
  }
  if (!out_dir.empty()) {
    outputs.put("--out", out_dir + "/layers.csv", report::layers_csv(report));
    if (arch.timing == TimingMode::scalesim_v2)
      outputs.put("--out", out_dir + "/COMPUTE_REPORT.csv", report::compute_report_csv(run));
    outputs.put("--out", out_dir + "/report.json", report::report_json(report).dump(2) + "\n");
  }
  outputs.commit();
  return 0;
}

int command_import(const std::vector<std::string>& args) {
  po::options_description desc("import options");
  desc.add_options()("help,h", "show this help")
      ("workload", po::value<std::string>()->required(), "ONNX model (.onnx)")
      ("allow-unsupported", "skip ops tpusim cannot cost instead of refusing the model")
      ("out", po::value<std::string>(), "write the workload JSON to FILE (default: standard output)");
  const auto vm = parse(args, desc, "import");
  if (vm.count("help")) return 0;
  importers::WorkloadOptions options;
  options.allow_unsupported = vm.count("allow-unsupported") > 0;
  // One layer a line: a network reads as a list, and diffs of two imports stay line by line.
  nlohmann::json doc = importers::load_onnx_document(vm["workload"].as<std::string>(), options);
  const nlohmann::json layers = doc["layers"];
  doc.erase("layers");
  std::string text = "{\n";
  for (const auto& [key, value] : doc.items()) text += fmt::format(" {}: {},\n", nlohmann::json(key).dump(), value.dump());
  text += " \"layers\": [\n";
  for (size_t i = 0; i < layers.size(); ++i) text += "  " + layers[i].dump() + (i + 1 < layers.size() ? ",\n" : "\n");
  text += " ]\n}\n";
  if (vm.count("out"))
    report::write_file_atomic(vm["out"].as<std::string>(), text);
  else
    std::cout << text;
  return 0;
}

int command_describe(const std::vector<std::string>& args) {
  if (std::find(args.begin(), args.end(), "--params") != args.end()) return command_describe_params(args);
  po::options_description desc("describe options");
  desc.add_options()("help,h", "show this help")
      ("params", "instead: every config key with type, unit, default, allowed values (see --params --help)")
      ("arch", po::value<std::string>()->required(), "architecture: JSON config, SCALE-Sim .cfg, or a system (configs/systems/)")
      ("set", po::value<std::vector<std::string>>()->composing(), "override a config value: /json/pointer=value")
      ("json", "print JSON instead of a summary");
  const auto vm = parse(args, desc, "describe");
  if (vm.count("help")) return 0;
  if (is_system_file(vm["arch"].as<std::string>()))
    return describe_system_command(vm["arch"].as<std::string>(), overrides_of(vm), vm.count("json") > 0);
  const ArchConfig arch = importers::load_arch(vm["arch"].as<std::string>(), overrides_of(vm));
  const nlohmann::json d = describe_arch(arch);
  if (vm.count("json")) std::cout << d.dump(2) << "\n";
  else print_description(std::cout, arch, d);
  return 0;
}

}  // namespace tpusim::cli
