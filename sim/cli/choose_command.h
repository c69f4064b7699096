#pragma once
/// `tpusim choose`: one workload (or LLM scenario) on several architectures, side by side.
#include <string>
#include <vector>

namespace tpusim::cli {

/// `tpusim choose --arch A [--arch B ...] (--workload W | --model M --scenario S) [--max-latency-ms X]
/// [--max-power-w X] [--max-area-mm2 X] [--out DIR] [--jobs N] [--timeout-s S] [-q]`: writes DIR/choose.csv
/// and choose.json (sim/sweep/choose.h) and prints the table as markdown. Returns 0 when the
/// table was written (failed runs and broken constraints are marked in it, not in the exit code).
int command_choose(const std::vector<std::string>& args);

}  // namespace tpusim::cli
