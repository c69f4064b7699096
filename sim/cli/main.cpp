// tpusim command line: run, describe. Library code throws; only this file turns exceptions
// into exit codes (0 ok, 1 compare found a difference, 2 invalid input, 3 internal error).
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <systemc>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/one_line.h"
#include "sim/base/stop_signals.h"
#include "sim/cli/commands.h"
#include "sim/cli/sweep_command.h"
#include "sim/cli/choose_command.h"
#include "sim/cli/compare_command.h"
#include "sim/cli/export_command.h"
#include "sim/sweep/process_pool.h"

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

int dispatch(const std::string& command, const std::vector<std::string>& args) {
  if (command == "run") return tpusim::cli::command_run(args);
  if (command == "describe") return tpusim::cli::command_describe(args);
  if (command == "import") return tpusim::cli::command_import(args);
  if (command == "compare") return tpusim::cli::command_compare(args);
  if (command == "sweep") return tpusim::cli::command_sweep(args);
  if (command == "export") return tpusim::cli::command_export(args);
  if (command == "choose") return tpusim::cli::command_choose(args);
  throw tpusim::InputError(
      fmt::format("unknown command \"{}\"; allowed: run, describe, import, compare, sweep, choose, export", command));
}

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
    const int rc = dispatch(argv[1], std::vector<std::string>(argv + 2, argv + argc));
    // What went to standard output (compare's table, import's workload, describe) is output too:
    // a full disk or a closed pipe behind it is exit 2, not a silent success.
    std::cout.flush();
    if (!std::cout)
      throw tpusim::InputError(tpusim::output_error("", "standard output", std::strerror(errno ? errno : EIO)));
    return rc;
  } catch (const tpusim::InputError& e) {
    std::cerr << "tpusim: " << tpusim::one_line(e.what()) << "\n";  // one line, whatever the input held
    return 2;
  } catch (const po::error& e) {
    std::cerr << "tpusim: " << tpusim::one_line(e.what()) << "\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& e) {
    // The file system refused (a full disk, a permission, a name too long): the user's
    // environment, not a bug; the path it names is where to look.
    std::cerr << "tpusim: " << tpusim::one_line(e.path1().string()) << ": " << tpusim::one_line(e.code().message()) << "\n";
    return 2;
  } catch (const tpusim::InternalError& e) {
    std::cerr << "tpusim: " << tpusim::one_line(e.what()) << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "tpusim: internal error: " << tpusim::one_line(e.what()) << "\n";
    return 3;
  }
}

// A child of a sweep or an export (sim/sweep/process_pool.h) dies with its parent: a sweep
// killed by SIGKILL leaves no run that goes on writing into the directory a resume then uses.
static void die_with_sweep() {
  const char* parent = std::getenv(tpusim::sweep::kParentPidVar);
  if (!parent) return;
  const long expected = std::strtol(parent, nullptr, 10);
  unsetenv(tpusim::sweep::kParentPidVar);  // not inherited by our own children
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (static_cast<long>(::getppid()) != expected) _exit(1);  // the parent died before prctl
}

// SystemC prints its banner before sc_main runs; a report tool's stdout must carry only the
// report, so the banner is switched off unless the user set the variable themselves.
// SIGINT, SIGTERM, SIGHUP: every command removes its staged, uncommitted outputs and dies with
// one line (sim/base/stop_signals.h); the sweep catches them itself while it runs its points.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  die_with_sweep();
  tpusim::remove_staged_outputs_on_stop_signals();
  return sc_core::sc_elab_and_sim(argc, argv);
}
