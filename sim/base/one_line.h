#pragma once
/// Keeping an error message on one line whatever the input held.
#include <string>

namespace tpusim {

/// `text` with its control characters (below 0x20, and 0x7f) escaped as \n, \r, \t or \xHH; other
/// bytes unchanged. Messages quote the user's text back (a bad value, a --set option), and a
/// newline or carriage return in it made the one-line message two (issue 16). Applied where
/// messages quote input (fail_at, fail_at_line, --set) and to every message main() prints.
std::string one_line(const std::string& text);

}  // namespace tpusim
