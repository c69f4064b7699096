#pragma once
/// What every command's option parsing shares (Boost.Program_options).
#include <boost/program_options.hpp>

namespace tpusim::cli {

/// Stores `parsed` into `vm` after a check Boost does not make: it reads "-1" for an unsigned
/// option (`--jobs`, `--max-folds`, `--repeat`, ...) as 2^64 - 1 or 2^32 - 1 (lexical_cast
/// wraps around), so `--max-folds -1` silently lifted the limit and `--jobs -1` asked for 2^64
/// processes. A sign on such a value is an InputError naming the option and the value.
void store_checked(const boost::program_options::parsed_options& parsed, boost::program_options::variables_map& vm);

}  // namespace tpusim::cli
