#pragma once
/// `tpusim sweep`: runs a sweep spec, or merges the directories of its shards.
#include <string>
#include <vector>

namespace tpusim::cli {

/// `tpusim sweep SPEC [--jobs N] [--out DIR] [--shard I/N] [--resume] [--timeout-s S] [-q]` and
/// `tpusim sweep --merge DIR... --out DIR [-q]`. Returns the exit code (0: the sweep ran; rows
/// that failed are recorded in the table, not in the exit code).
int command_sweep(const std::vector<std::string>& args);

}  // namespace tpusim::cli
