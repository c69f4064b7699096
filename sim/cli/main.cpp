// tpusim command line: run, describe. Library code throws; only this file turns exceptions
// into exit codes (0 ok, 1 compare found a difference, 2 invalid input, 3 internal error).
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <systemc>

#include "sim/base/error.h"
#include "sim/base/one_line.h"
#include "sim/cli/commands.h"
#include "sim/cli/sweep_command.h"
#include "sim/cli/choose_command.h"
#include "sim/cli/compare_command.h"
#include "sim/cli/export_command.h"

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage: tpusim <command> [options]\n"
    "commands:\n"
    "  run       --arch A --workload W [--out DIR] [--set /json/pointer=value]... [--dump-program]\n"
    "  describe  --arch A [--json] [--set ...] | --params [--json | --markdown]\n"
    "  import    --workload model.onnx [--out FILE]   (the workload JSON an ONNX model becomes)\n"
    "  compare   BASE CURRENT [--rtol X] [--tolerances FILE] [--format text|markdown|json]\n"
    "  sweep     SPEC [--jobs N] [--out DIR] [--shard I/N] [--resume] [--timeout-s S] | --merge DIR... --out DIR\n"
    "  choose    --arch A [B ...] (--workload W | --model M --scenario S) [--max-latency-ms X] [--max-power-w X] [--max-area-mm2 X]\n"
    "  export    gemm-table --arch A (--gemms CSV | --m LIST --n LIST --k LIST) --out FILE [--format llmcompass|csv]\n"
    "run 'tpusim <command> --help' for its options\n";

}  // namespace

int sc_main(int argc, char* argv[]) {
  try {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
      std::cout << kUsage;
      return argc < 2 ? 2 : 0;
    }
    if (std::string(argv[1]) == "--version") {
      std::cout << "tpusim " << TPUSIM_VERSION << "\n";
      return 0;
    }
    const std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    if (command == "run") return tpusim::cli::command_run(args);
    if (command == "describe") return tpusim::cli::command_describe(args);
    if (command == "import") return tpusim::cli::command_import(args);
    if (command == "compare") return tpusim::cli::command_compare(args);
    if (command == "sweep") return tpusim::cli::command_sweep(args);
    if (command == "export") return tpusim::cli::command_export(args);
    if (command == "choose") return tpusim::cli::command_choose(args);
    std::cerr << fmt::format("tpusim: unknown command \"{}\"; allowed: run, describe, import, compare, sweep, choose, export\n",
                             command);
    return 2;
  } catch (const tpusim::InputError& e) {
    std::cerr << "tpusim: " << tpusim::one_line(e.what()) << "\n";  // one line, whatever the input held
    return 2;
  } catch (const po::error& e) {
    std::cerr << "tpusim: " << tpusim::one_line(e.what()) << "\n";
    return 2;
  } catch (const tpusim::InternalError& e) {
    std::cerr << "tpusim: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "tpusim: internal error: " << e.what() << "\n";
    return 3;
  }
}

// SystemC prints its banner before sc_main runs; a report tool's stdout must carry only the
// report, so the banner is switched off unless the user set the variable themselves.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
