// `tpusim export gemm-table` (sim/cli/README.md, "export"): a GEMM lookup table in the form
// LLMCompass reads from SCALE-Sim (software_model/matmul.py reads
// systolic_array_model/look_up_table_<H>_<W>.csv, no header, columns M, N, K, ArrayHeight,
// ArrayWidth, Dataflow, cycle_count, util_rate; util_rate is SCALE-Sim's overall_util, a
// percentage, written with 3 decimals), or as a CSV with a header that adds the time.
// Each GEMM is a one-layer workload run in its own process: SystemC elaborates one model per
// process, and a GEMM alone is what the table means (no overlap with a neighbour).
#include "sim/cli/export_command.h"

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/cli/options.h"
#include "sim/cli/system_command.h"
#include "sim/importers/formats.h"
#include "sim/spec/arch_loader.h"
#include "sim/sweep/process_pool.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using nlohmann::json;

namespace tpusim::cli {

namespace {

struct Gemm {
  uint64_t m = 0, n = 0, k = 0;
};

/// A positive integer of at most 2^31 (a GEMM side beyond it would overflow the 64-bit
/// counters of M x N x K products); an error names the place (`what`) otherwise.
uint64_t parse_side(const std::string& text, const std::string& what) {
  size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || text[0] == '-' || v < 1 || v > (1ull << 31))
    throw InputError(fmt::format("{}: expected an integer in [1, 2147483648], got \"{}\"", what, text));
  return v;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(text);
  while (std::getline(in, field, sep)) {
    const auto b = field.find_first_not_of(" \t\r"), e = field.find_last_not_of(" \t\r");
    out.push_back(b == std::string::npos ? "" : field.substr(b, e - b + 1));
  }
  if (!text.empty() && text.back() == sep) out.push_back("");
  return out;
}

/// --gemms FILE: one GEMM per line, "M,N,K", or a SCALE-Sim GEMM topology ("name, M, N, K,"
/// per line, as LLMCompass writes them); blank lines and lines starting with '#' are skipped,
/// and a first line whose M field starts with a letter is a header.
std::vector<Gemm> read_gemms(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<Gemm> out;
  std::string line;
  for (size_t row = 1; std::getline(in, line); ++row) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    std::vector<std::string> f = split(line, ',');
    if (f.size() > 1 && f.back().empty()) f.pop_back();  // SCALE-Sim's trailing comma
    const std::string where = fmt::format("{}: row {}", path, row);
    const std::string& m_field = f[f.size() >= 3 ? f.size() - 3 : 0];
    if (row == 1 && !m_field.empty() && std::isalpha(static_cast<unsigned char>(m_field[0]))) continue;
    if (f.size() == 4) f.erase(f.begin());  // the layer's name
    if (f.size() != 3) throw InputError(fmt::format("{}: expected M,N,K (or name,M,N,K), got \"{}\"", where, line));
    out.push_back({parse_side(f[0], where + " M"), parse_side(f[1], where + " N"), parse_side(f[2], where + " K")});
  }
  if (out.empty()) throw InputError(fmt::format("--gemms {}: no GEMMs in the file", path));
  return out;
}

/// --m/--n/--k: comma-separated sides; the table holds their product, M slowest.
std::vector<Gemm> product_of(const po::variables_map& vm) {
  std::vector<std::vector<uint64_t>> sides;
  for (const char* opt : {"m", "n", "k"}) {
    if (!vm.count(opt)) throw InputError(fmt::format("--{}: required with the other sides (or give --gemms FILE)", opt));
    std::vector<uint64_t> v;
    for (const std::string& s : split(vm[opt].as<std::string>(), ',')) v.push_back(parse_side(s, fmt::format("--{}", opt)));
    sides.push_back(v);
  }
  std::vector<Gemm> out;
  for (uint64_t m : sides[0])
    for (uint64_t n : sides[1])
      for (uint64_t k : sides[2]) out.push_back({m, n, k});
  return out;
}

struct Cell {
  uint64_t cycles = 0;
  double utilization = 0;  ///< 0..1
  double seconds = 0;
};

/// Runs every GEMM alone, `jobs` processes at a time, in `work`; the first failure is raised
/// with the child's message and the GEMM it ran.
std::vector<Cell> run_all(const std::vector<Gemm>& gemms, const std::vector<std::string>& base_argv, size_t jobs,
                          double timeout_s, const fs::path& work) {
  std::vector<Cell> cells(gemms.size());
  sweep::ProcessPool pool(jobs);
  size_t next = 0;
  while (next < gemms.size() || pool.running() > 0) {
    while (!pool.full() && next < gemms.size()) {
      const Gemm& g = gemms[next];
      const fs::path dir = work / std::to_string(next);
      fs::create_directories(dir);
      const json w = {{"name", fmt::format("gemm_{}x{}x{}", g.m, g.n, g.k)},
                      {"source", "tpusim export gemm-table"},
                      {"layers", {{{"name", "gemm"}, {"op", "gemm"}, {"m", g.m}, {"n", g.n}, {"k", g.k}}}}};
      std::ofstream(dir / "workload.json") << w.dump(1) << "\n";
      sweep::ProcessTask task;
      task.id = next;
      task.argv = base_argv;
      task.argv.insert(task.argv.end(), {"--workload", (dir / "workload.json").string(), "--out", dir.string(), "-q"});
      task.stderr_path = (dir / "stderr.txt").string();
      task.timeout_s = timeout_s;
      pool.start(task);
      ++next;
    }
    const auto done = pool.wait_one();
    if (!done) continue;
    const Gemm& g = gemms[done->id];
    const fs::path dir = work / std::to_string(done->id);
    const std::string what = fmt::format("gemm-table: M={} N={} K={}", g.m, g.n, g.k);
    if (done->timed_out) throw InputError(fmt::format("{}: the run exceeded --timeout-s {}", what, timeout_s));
    if (done->exit_code != 0) {
      std::ifstream err(dir / "stderr.txt");
      std::string line, last;
      while (std::getline(err, line))
        if (!line.empty()) last = line;
      if (last.rfind("tpusim: ", 0) == 0) last = last.substr(8);
      if (last.empty()) last = fmt::format("exit code {} without a message", done->exit_code);
      if (done->exit_code == 2) throw InputError(fmt::format("{}: {}", what, last));
      throw InternalError(fmt::format("{}: the run exited {} (signal {}): {}", what, done->exit_code, done->signal, last));
    }
    std::ifstream in(dir / "report.json");
    const json totals = json::parse(in).at("totals");
    cells[done->id] = {totals.at("cycles").get<uint64_t>(), totals.at("utilization").get<double>(),
                       totals.at("seconds").get<double>()};
  }
  return cells;
}

std::string table_text(const std::string& format, const std::vector<Gemm>& gemms, const std::vector<Cell>& cells,
                       const ArchConfig& arch) {
  const char* df = name_of(arch.array.dataflow);
  std::string out;
  if (format == "csv") out = "m,n,k,array_rows,array_cols,dataflow,cycles,utilization,time_ns\n";
  for (size_t i = 0; i < gemms.size(); ++i) {
    const Gemm& g = gemms[i];
    const Cell& c = cells[i];
    if (format == "csv")
      out += fmt::format("{},{},{},{},{},{},{},{:.6f},{:.3f}\n", g.m, g.n, g.k, arch.array.rows, arch.array.cols, df,
                         c.cycles, c.utilization, c.seconds * 1e9);
    else
      out += fmt::format("{},{},{},{},{},{},{},{:.3f}\n", g.m, g.n, g.k, arch.array.rows, arch.array.cols, df, c.cycles,
                         c.utilization * 100.0);
  }
  return out;
}

/// `tpusim export chakra`: a system program's Chakra execution trace (sim/system/chakra/README.md).
int export_chakra(const std::vector<std::string>& args) {
  po::options_description desc("export chakra options");
  desc.add_options()("help,h", "show this help")
      ("arch", po::value<std::string>(), "a system (configs/systems/*.json)")
      ("workload", po::value<std::string>(), "the chip program (JSON with collectives), or a model graph with --parallelism")
      ("parallelism", po::value<std::string>(), "partition the workload with this parallelism spec (sim/partition)")
      ("repeat", po::value<uint32_t>()->default_value(1), "the program this many times back to back")
      ("set", po::value<std::vector<std::string>>(), "override a system value: /json/pointer=value (repeatable)")
      ("allow-memory-overflow", "run even when a chip's HBM cannot hold its share")
      ("prefix", po::value<std::string>()->default_value("tpusim"), "trace file names: PREFIX.0.et, PREFIX.manifest.json")
      ("out", po::value<std::string>(), "directory to write the traces into")
      ("quiet,q", "do not print the files written");
  po::variables_map vm;
  store_checked(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end())).options(desc).run(),
                vm);
  if (vm.count("help")) {
    std::cout << "usage: tpusim export chakra --arch SYSTEM --workload W [--parallelism P] [--repeat N] --out DIR\n" << desc;
    return 0;
  }
  po::notify(vm);
  for (const char* required : {"arch", "workload", "out"})
    if (!vm.count(required)) throw InputError(fmt::format("export chakra: --{} is required", required));
  SystemRunArgs a;
  a.system = vm["arch"].as<std::string>();
  if (!is_system_file(a.system))
    throw InputError(fmt::format("--arch {}: export chakra needs a system (a JSON document with \"topology\")", a.system));
  a.workload = vm["workload"].as<std::string>();
  a.out_dir = vm["out"].as<std::string>();
  if (vm.count("parallelism")) a.parallelism = vm["parallelism"].as<std::string>();
  a.repeat = vm["repeat"].as<uint32_t>();
  if (a.repeat == 0) throw InputError("--repeat: must be at least 1, got 0");
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) a.overrides.push_back(config::parse_override(s));
  a.allow_memory_overflow = vm.count("allow-memory-overflow") > 0;
  a.quiet = vm.count("quiet") > 0;
  const std::string prefix = vm["prefix"].as<std::string>();
  if (prefix.empty() || prefix.find('/') != std::string::npos)
    throw InputError(fmt::format("--prefix: must be a file name without '/', got \"{}\"", prefix));
  return export_chakra_command(a, prefix);
}

}  // namespace

int command_export(const std::vector<std::string>& args) {
  const std::string usage =
      "usage: tpusim export gemm-table --arch FILE (--gemms CSV | --m LIST --n LIST --k LIST) --out FILE\n"
      "                                [--format llmcompass|csv] [--set /pointer=value]... [--jobs N] [--timeout-s S]\n"
      "       tpusim export chakra --arch SYSTEM --workload W [--parallelism P] [--repeat N] --out DIR\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage << "exports: gemm-table, chakra (run 'tpusim export NAME --help')\n";
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "chakra") return export_chakra(args);
  if (args[0] != "gemm-table")
    throw InputError(fmt::format("export: unknown export \"{}\"; allowed: gemm-table, chakra", args[0]));
  po::options_description desc("export gemm-table options");
  desc.add_options()("help,h", "show this help")
      ("arch", po::value<std::string>(), "architecture config (JSON or SCALE-Sim .cfg)")
      ("set", po::value<std::vector<std::string>>(), "override a config value: /json/pointer=value (repeatable)")
      ("gemms", po::value<std::string>(), "CSV of GEMMs, one M,N,K per line (a header line is allowed)")
      ("m", po::value<std::string>(), "M sides, comma-separated (with --n and --k: every combination)")
      ("n", po::value<std::string>(), "N sides, comma-separated")
      ("k", po::value<std::string>(), "K sides, comma-separated")
      ("format", po::value<std::string>()->default_value("llmcompass"),
       "llmcompass: no header, M,N,K,ArrayHeight,ArrayWidth,Dataflow,cycle_count,util_rate (percent); "
       "csv: a header and m,n,k,array_rows,array_cols,dataflow,cycles,utilization (0..1),time_ns")
      ("out", po::value<std::string>(), "the table to write (written whole, or not at all)")
      ("jobs,j", po::value<size_t>(), "processes at once (default: the number of cores)")
      ("timeout-s", po::value<double>()->default_value(3600), "per-GEMM timeout in seconds");
  po::variables_map vm;
  store_checked(po::command_line_parser(std::vector<std::string>(args.begin() + 1, args.end())).options(desc).run(),
                vm);
  if (vm.count("help")) {
    std::cout << usage << desc;
    return 0;
  }
  po::notify(vm);
  if (!vm.count("arch")) throw InputError("export gemm-table: --arch FILE is required");
  if (!vm.count("out")) throw InputError("export gemm-table: --out FILE is required");
  check_output_file("--out", vm["out"].as<std::string>());  // before any GEMM runs
  const std::string format = vm["format"].as<std::string>();
  if (format != "llmcompass" && format != "csv")
    throw InputError(fmt::format("--format: unknown \"{}\"; allowed: llmcompass, csv", format));
  if (vm.count("gemms") && (vm.count("m") || vm.count("n") || vm.count("k")))
    throw InputError("export gemm-table: --gemms cannot be combined with --m/--n/--k");
  const double timeout_s = vm["timeout-s"].as<double>();
  // 1e7 s (116 days), as for sweeps: beyond it the deadline overflows the clock.
  if (!(timeout_s > 0) || !(timeout_s <= 1e7))
    throw InputError(fmt::format("--timeout-s: expected a number of seconds in (0, 1e7], got {}", timeout_s));
  size_t jobs = vm.count("jobs") ? vm["jobs"].as<size_t>() : std::max(1u, std::thread::hardware_concurrency());
  if (jobs < 1) throw InputError("--jobs: expected an integer >= 1, got 0");

  // Load the architecture here first: its errors are this command's, before any process runs.
  const std::string arch_path = vm["arch"].as<std::string>();
  std::vector<config::Override> overrides;
  std::vector<std::string> base_argv = {"/proc/self/exe", "run", "--arch", arch_path};
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) {
      overrides.push_back(config::parse_override(s));
      base_argv.insert(base_argv.end(), {"--set", s});
    }
  const ArchConfig arch = importers::load_arch(arch_path, overrides);
  const std::vector<Gemm> gemms = vm.count("gemms") ? read_gemms(vm["gemms"].as<std::string>()) : product_of(vm);

  const fs::path out = vm["out"].as<std::string>();
  // The runs' scratch directory is in the system's temporary directory: the output's file
  // system receives only the finished table (a full disk there fails at the table, with its path).
  const fs::path work = fs::temp_directory_path() / fmt::format("tpusim-export-{}", ::getpid());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{work};
  const std::vector<Cell> cells = run_all(gemms, base_argv, jobs, timeout_s, work / "runs");
  OutputFiles table;  // written whole, or not at all
  table.put("--out", out.string(), table_text(format, gemms, cells, arch));
  table.commit();
  return 0;
}

}  // namespace tpusim::cli
