#pragma once
/// Reading input files whole. Every loader reads through here, so a path that is no readable
/// file gets the same clear message whatever format was expected (not "malformed JSON").
#include <string>

namespace tpusim {

/// The bytes of the file at `path`. InputError "path: cannot open file (missing or unreadable)",
/// "path: is a directory, expected a file", or "path: cannot read file" on an I/O error.
std::string read_file(const std::string& path);

}  // namespace tpusim
