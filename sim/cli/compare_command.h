#pragma once
/// `tpusim compare BASE CURRENT [--rtol X] [--tolerances FILE] [--format text|markdown|json]`:
/// returns 0 when every compared value is within tolerance, 1 otherwise; unreadable or
/// mismatched inputs throw InputError (exit 2 in main).
#include <string>
#include <vector>

namespace tpusim::cli {

int command_compare(const std::vector<std::string>& args);

}  // namespace tpusim::cli
