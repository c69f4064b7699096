#include "sim/cli/sweep_command.h"

#include <unistd.h>

#include <iostream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/cli/options.h"
#include "sim/sweep/runner.h"
#include "sim/sweep/spec.h"

namespace po = boost::program_options;

namespace tpusim::cli {

namespace {

/// "I/N" with 1 <= I <= N.
void parse_shard(const std::string& text, sweep::SweepOptions& o) {
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    size_t used_i = 0, used_n = 0;
    const unsigned long i = std::stoul(text.substr(0, slash), &used_i);
    const unsigned long n = std::stoul(text.substr(slash + 1), &used_n);
    if (used_i != slash || used_n != text.size() - slash - 1 || text[0] == '-' || text[slash + 1] == '-' ||
        n == 0 || n > 1000000 || i < 1 || i > n)
      throw std::invalid_argument("range");
    o.shard_index = static_cast<uint32_t>(i);
    o.shard_count = static_cast<uint32_t>(n);
  } catch (const std::exception&) {
    throw InputError(fmt::format("--shard {}: expected I/N with 1 <= I <= N (1-based), such as 2/8", text));
  }
}

void print_summary(const std::string& what, const sweep::SweepSummary& s, const std::string& out_dir) {
  std::string line = fmt::format("{}: {} row{}", what, s.rows, s.rows == 1 ? "" : "s");
  if (s.rows != s.total_rows) line += fmt::format(" of {}", s.total_rows);
  line += fmt::format(" (ran {}, reused {}, failed {}", s.ran, s.reused, s.failed);
  if (s.excluded_points) line += fmt::format(", {} points excluded by constraints", s.excluded_points);
  line += fmt::format(") in {:.1f} s", s.wall_s);
  if (s.ran > 0 && s.wall_s > 0) line += fmt::format(", {:.1f} runs/s", double(s.ran) / s.wall_s);
  std::cout << line << "; table: " << out_dir << "/points.csv\n";
}

}  // namespace

int command_sweep(const std::vector<std::string>& args) {
  po::options_description desc("sweep options");
  desc.add_options()("help,h", "show this help")
      ("spec", po::value<std::string>(), "sweep spec (JSON; see sim/sweep/README.md)")
      ("jobs,j", po::value<size_t>(), "child processes at once (default: the number of cores)")
      ("out", po::value<std::string>(), "output directory (default: results/run-sweep-<name>)")
      ("shard", po::value<std::string>(), "run shard I of N (1-based): rows with row % N == I - 1")
      ("resume", "reuse results already in --out; run only the missing rows")
      ("timeout-s", po::value<double>(), "per-row timeout in seconds, (0, 1e7] (default: the spec's timeout_s, else 3600)")
      ("max-points", po::value<uint64_t>(), "refuse a spec of more points than this (default 100000, at most 100000000)")
      ("max-folds", po::value<uint64_t>(), "passed to every run: refuse a point of more matrix folds (run --max-folds)")
      ("merge", po::value<std::vector<std::string>>()->multitoken(), "merge these shard directories into --out")
      ("quiet,q", "no progress line and no summary");
  po::positional_options_description pos;
  pos.add("spec", 1);
  po::variables_map vm;
  store_checked(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: tpusim sweep SPEC [--jobs N] [--out DIR] [--shard I/N] [--resume] [--timeout-s S] [-q]\n"
                 "       tpusim sweep --merge DIR... --out DIR [-q]\n"
              << desc;
    return 0;
  }
  po::notify(vm);
  const bool quiet = vm.count("quiet") > 0;

  if (vm.count("merge")) {
    if (vm.count("spec")) throw InputError("--merge: takes shard directories, not a spec");
    for (const char* opt : {"jobs", "shard", "resume", "timeout-s", "max-points", "max-folds"})
      if (vm.count(opt)) throw InputError(fmt::format("--merge: cannot be combined with --{}", opt));
    if (!vm.count("out")) throw InputError("--merge: --out DIR is required");
    const std::string out = vm["out"].as<std::string>();
    const auto summary = sweep::merge_sweeps(vm["merge"].as<std::vector<std::string>>(), out);
    if (!quiet) print_summary("merge", summary, out);
    return 0;
  }
  if (!vm.count("spec")) throw InputError("sweep: a spec file is required: tpusim sweep SPEC [--jobs N] [--out DIR]");

  sweep::SweepOptions o;
  o.spec_path = vm["spec"].as<std::string>();
  if (vm.count("jobs")) o.jobs = vm["jobs"].as<size_t>();
  else o.jobs = std::max(1u, std::thread::hardware_concurrency());
  if (vm.count("shard")) parse_shard(vm["shard"].as<std::string>(), o);
  o.resume = vm.count("resume") > 0;
  if (vm.count("timeout-s")) {
    o.timeout_s = vm["timeout-s"].as<double>();
    // 1e7 s (116 days) as the spec's timeout_s: beyond it the deadline overflows the clock.
    if (!(o.timeout_s > 0) || !(o.timeout_s <= 1e7))
      throw InputError(fmt::format("--timeout-s {}: must be a number of seconds in (0, 1e7]", o.timeout_s));
  }
  if (vm.count("max-folds")) o.max_folds = std::to_string(vm["max-folds"].as<uint64_t>());
  if (vm.count("max-points")) {
    o.max_points = vm["max-points"].as<uint64_t>();
    if (o.max_points < 1 || o.max_points > sweep::kMaxPointsCeiling)
      throw InputError(fmt::format("--max-points {}: must be in [1, {}]", o.max_points, sweep::kMaxPointsCeiling));
  }
  o.out_dir = vm.count("out") ? vm["out"].as<std::string>()
                              : "results/run-sweep-" + sweep::load_sweep_spec(o.spec_path).name;
  o.progress = !quiet && ::isatty(STDOUT_FILENO);
  const auto summary = sweep::run_sweep(o);
  if (!quiet) print_summary("sweep", summary, o.out_dir);
  return 0;
}

}  // namespace tpusim::cli
