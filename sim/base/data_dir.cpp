#include "sim/base/data_dir.h"

#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "sim/base/error.h"

// Set by CMakeLists.txt: the source tree, the build tree, and the data directory relative to the
// installed binary's directory (e.g. "../share/tpusim").
#ifndef TPUSIM_SOURCE_DATA_DIR
#error "TPUSIM_SOURCE_DATA_DIR must be defined by the build"
#endif

namespace tpusim {

namespace {

namespace fs = std::filesystem;

bool holds_configs(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "configs", ec);
}

/// Whether `path` is `dir` or lies beneath it (both canonical).
bool is_within(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p)
    if (p == path.end() || *p != *d) return false;
  return true;
}

fs::path find_data_dir() {
  if (const char* env = std::getenv(kDataDirVariable); env && *env) {
    if (!holds_configs(env))
      throw InputError(fmt::format("{}={}: not a tpusim data directory (it must hold configs/, as the source tree "
                                   "or PREFIX/share/tpusim do)",
                                   kDataDirVariable, env));
    return fs::path(env);
  }
  std::error_code ec;
  const fs::path exe_dir = fs::canonical("/proc/self/exe", ec).parent_path();
  const fs::path build_dir = fs::weakly_canonical(TPUSIM_BUILD_DIR, ec);
  if (!exe_dir.empty() && !build_dir.empty() && is_within(exe_dir, build_dir) && holds_configs(TPUSIM_SOURCE_DATA_DIR))
    return fs::path(TPUSIM_SOURCE_DATA_DIR);
  const fs::path installed = (exe_dir / TPUSIM_INSTALL_DATA_REL).lexically_normal();
  if (!exe_dir.empty() && holds_configs(installed)) return installed;
  throw InputError(fmt::format("no tpusim data directory: {} holds no configs/ (is tpusim installed with its data?); "
                               "set {} to a directory that holds configs/dram and configs/energy",
                               installed.string(), kDataDirVariable));
}

}  // namespace

const fs::path& data_dir() {
  static const fs::path dir = find_data_dir();
  return dir;
}

fs::path shipped_config(const fs::path& relative) { return data_dir() / "configs" / relative; }

}  // namespace tpusim
