#pragma once
/// Where tpusim finds the data it ships: DRAM part presets (configs/dram/), energy tables
/// (configs/energy/), the architecture presets and example workloads. The data directory is a
/// tree shaped like the repository (it holds configs/ and workloads/). Found, in this order:
///   1. $TPUSIM_DATA_DIR, when set (it must hold configs/);
///   2. the source tree, for a binary inside the build tree it was built in;
///   3. <directory of the binary>/../share/tpusim (relative as installed by `cmake --install`),
///      so an installed tree can be moved anywhere.
/// The binary is located through /proc/self/exe, so a symbolic link to it works too.
#include <filesystem>
#include <string>

namespace tpusim {

/// The environment variable that overrides the data directory.
inline constexpr const char* kDataDirVariable = "TPUSIM_DATA_DIR";

/// The data directory (resolved once). InputError, one line naming TPUSIM_DATA_DIR and the
/// places looked in, when there is none.
const std::filesystem::path& data_dir();

/// `data_dir() / "configs" / relative`: a shipped config file or folder ("dram", "energy/x.json").
std::filesystem::path shipped_config(const std::filesystem::path& relative);

}  // namespace tpusim
