#pragma once
/// Error types. Library code throws; only main() turns exceptions into exit codes
/// (InputError -> 2, InternalError -> 3).
#include <stdexcept>
#include <string>

namespace tpusim {

/// The user's mistake: a bad file, key, value or option. The message is one line that names
/// the file and the JSON pointer (or CSV line/column, or option), what was expected and what was found.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

/// Our bug: a violated invariant, or a simulation that ended with work outstanding.
class InternalError : public std::runtime_error {
 public:
  explicit InternalError(const std::string& message) : std::runtime_error(message) {}
};

[[noreturn]] void panic(const char* condition, const char* file, int line, const std::string& detail);

}  // namespace tpusim

/// Invariant that holds whatever the input; a failure is a bug in tpusim (exit 3).
#define TPUSIM_ASSERT(cond, detail)                                 \
  do {                                                              \
    if (!(cond)) ::tpusim::panic(#cond, __FILE__, __LINE__, detail); \
  } while (0)
