#pragma once
/// `tpusim export`: tables other tools read (sim/cli/README.md, "export").
#include <string>
#include <vector>

namespace tpusim::cli {

/// `tpusim export gemm-table --arch FILE (--gemms CSV | --m LIST --n LIST --k LIST) --out FILE
/// [--format llmcompass|csv] [--set P=V]... [--jobs N] [--timeout-s S]`: each GEMM run alone
/// on the architecture (one process each, as sweeps run), written as a lookup table of
/// M, N, K -> cycles and time. Returns the exit code.
int command_export(const std::vector<std::string>& args);

}  // namespace tpusim::cli
