#include "sim/cli/compare_command.h"

#include <cmath>
#include <iostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/cli/options.h"
#include "sim/compare/compare.h"
#include "sim/compare/compare_format.h"
#include "sim/compare/table.h"

namespace po = boost::program_options;

namespace tpusim::cli {

int command_compare(const std::vector<std::string>& args) {
  po::options_description desc("compare options");
  desc.add_options()("help,h", "show this help")
      ("rtol", po::value<double>()->default_value(0.0, "0"),
       "relative tolerance of every metric the tolerance file does not name (0.01 = 1 %)")
      ("tolerances", po::value<std::string>(),
       "JSON file: {\"<metric>\": {\"abs\": x, \"rel\": y}}; named metrics are compared too")
      ("format", po::value<std::string>()->default_value("text"), "text, markdown or json")
      ("max-rows", po::value<size_t>()->default_value(40), "changes listed by text and markdown (0 = all)");
  po::options_description files("files");
  files.add_options()("base", po::value<std::string>(), "baseline")("current", po::value<std::string>(), "current");
  po::options_description all;
  all.add(desc).add(files);
  po::positional_options_description positional;
  positional.add("base", 1).add("current", 1);
  po::variables_map vm;
  store_checked(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: tpusim compare BASE CURRENT [options]\n"
                 "BASE, CURRENT: two report.json files, two sweep tables (points.csv or points.jsonl), or\n"
                 "directories holding them. Layers (points) are matched by name (axis values and workload).\n"
                 "exit 0: within tolerance; 1: a change beyond tolerance; 2: unreadable or mismatched inputs\n"
              << desc;
    return 0;
  }
  po::notify(vm);
  if (!vm.count("base") || !vm.count("current"))
    throw InputError("compare: expected two files, BASE and CURRENT (see tpusim compare --help)");

  compare::Options options;
  options.rtol = vm["rtol"].as<double>();
  if (!(options.rtol >= 0) || !std::isfinite(options.rtol))
    throw InputError(fmt::format("--rtol: must be a non-negative number, got {}", options.rtol));
  if (vm.count("tolerances")) options.tolerances = compare::load_tolerances(vm["tolerances"].as<std::string>());
  const compare::Format format = compare::parse_format(vm["format"].as<std::string>());

  const compare::Table base = compare::load_table(vm["base"].as<std::string>());
  const compare::Table current = compare::load_table(vm["current"].as<std::string>());
  const compare::Result result = compare::compare_tables(base, current, options);
  compare::write_result(std::cout, result, format, vm["max-rows"].as<size_t>());
  return result.passed() ? 0 : 1;
}

}  // namespace tpusim::cli
