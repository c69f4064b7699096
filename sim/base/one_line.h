#pragma once
/// Keeping an error message on one line, and valid UTF-8, whatever the input held.
#include <cstddef>
#include <string>
#include <string_view>

#include "sim/base/error.h"

namespace tpusim {

/// `text` with its control characters (below 0x20, and 0x7f) escaped as \n, \r, \t or \xHH, and
/// every byte that is not part of valid UTF-8 as \xHH; other text unchanged. Messages quote the
/// user's text back (a bad value, a --set option, a node name), and a newline or carriage return
/// in it made the one-line message two (issue 16); a byte that is not UTF-8 made it text that
/// JSON and Python cannot hold. Applied where messages quote input (fail_at, fail_at_line,
/// --set, the ONNX import, compare) and to every message main() prints.
std::string one_line(const std::string& text);

/// The offset of the first byte of `text` that is not part of valid UTF-8 (RFC 3629: no overlong
/// forms, no surrogates, nothing above U+10FFFF, as nlohmann's dump requires), or npos.
size_t utf8_error_at(std::string_view text);

/// Runs `f`; an InputError it throws leaves with its message through one_line. For an entry point
/// whose messages quote input in many places.
template <class F>
decltype(auto) with_one_line_errors(F&& f) {
  try {
    return f();
  } catch (const InputError& e) {
    throw InputError(one_line(e.what()));
  }
}

}  // namespace tpusim
