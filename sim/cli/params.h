#pragma once
/// `tpusim describe --params`: every config key from the parameter tables (sim/spec/params.h),
/// as text, JSON or the markdown tables of configs/README.md.
#include <string>
#include <vector>

namespace tpusim::cli {

/// describe's arguments when they contain --params.
int command_describe_params(const std::vector<std::string>& args);

/// `readme` with every block between "<!-- params: ID ... -->" and "<!-- end params -->"
/// replaced by the markdown table of parameter table ID. InputError (naming `file`) on an
/// unknown or repeated ID, an unterminated block, or a table that has no block.
std::string splice_param_tables(const std::string& readme, const std::string& file);

}  // namespace tpusim::cli
