#include "sim/base/file_io.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sim/base/error.h"

namespace tpusim {

std::string read_file(const std::string& path) {
  // On Linux a directory opens as a stream and reads as empty: ask first.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(fmt::format("{}: is a directory, expected a file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file (missing or unreadable)", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: cannot read file", path));
  return buffer.str();
}

}  // namespace tpusim
