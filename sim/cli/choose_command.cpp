#include "sim/cli/choose_command.h"

#include <algorithm>
#include <iostream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/cli/options.h"
#include "sim/sweep/choose.h"

namespace po = boost::program_options;

namespace tpusim::cli {

int command_choose(const std::vector<std::string>& args) {
  po::options_description desc("choose options");
  desc.add_options()("help,h", "show this help")
      ("arch", po::value<std::vector<std::string>>()->multitoken(), "architectures to compare (repeatable; several after one --arch)")
      ("workload", po::value<std::string>(), "the workload every architecture runs")
      ("model", po::value<std::string>(), "instead of --workload: an LLM model config (with --scenario)")
      ("scenario", po::value<std::string>(), "the LLM scenario (with --model)")
      ("max-latency-ms", po::value<double>(), "constraint: latency (a workload's run, a decode step) at most this")
      ("max-power-w", po::value<double>(), "constraint: average power at most this")
      ("max-area-mm2", po::value<double>(), "constraint: area at most this (FPGA designs have none)")
      ("max-energy-mj", po::value<double>(), "constraint: energy per inference (per generated token with a decode or request scenario) at most this")
      ("out", po::value<std::string>(), "output directory (default: results/run-choose)")
      ("jobs,j", po::value<size_t>(), "runs at once (default: the number of cores)")
      ("timeout-s", po::value<double>(), "per-run timeout in seconds (default 3600)")
      ("quiet,q", "no table on stdout");
  po::variables_map vm;
  store_checked(po::command_line_parser(args).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: tpusim choose --arch A [B ...] (--workload W | --model M --scenario S) [--max-latency-ms X] "
                 "[--max-power-w X] [--max-area-mm2 X] [--out DIR] [--jobs N] [-q]\n"
              << desc;
    return 0;
  }
  po::notify(vm);
  sweep::ChooseOptions o;
  if (vm.count("arch")) o.archs = vm["arch"].as<std::vector<std::string>>();
  if (vm.count("workload")) o.workload = vm["workload"].as<std::string>();
  if (vm.count("model")) o.model = vm["model"].as<std::string>();
  if (vm.count("scenario")) o.scenario = vm["scenario"].as<std::string>();
  if (vm.count("max-latency-ms")) o.max_latency_ms = vm["max-latency-ms"].as<double>();
  if (vm.count("max-power-w")) o.max_power_w = vm["max-power-w"].as<double>();
  if (vm.count("max-area-mm2")) o.max_area_mm2 = vm["max-area-mm2"].as<double>();
  if (vm.count("max-energy-mj")) o.max_energy_mj = vm["max-energy-mj"].as<double>();
  o.out_dir = vm.count("out") ? vm["out"].as<std::string>() : "results/run-choose";
  o.jobs = vm.count("jobs") ? vm["jobs"].as<size_t>() : std::max(1u, std::thread::hardware_concurrency());
  if (vm.count("timeout-s")) {
    o.timeout_s = vm["timeout-s"].as<double>();
    if (!(o.timeout_s > 0)) throw InputError(fmt::format("--timeout-s {}: must be a positive number of seconds", o.timeout_s));
  }
  const auto result = sweep::run_choose(o);
  if (!vm.count("quiet")) std::cout << sweep::choose_markdown(o, result) << "\ntable: " << o.out_dir << "/choose.csv\n";
  return 0;
}

}  // namespace tpusim::cli
