#include "sim/cli/load.h"

#include <cctype>
#include <filesystem>

#include "sim/importers/scalesim_cfg.h"
#include "sim/importers/scalesim_topology.h"

namespace tpusim::cli {

namespace {

/// The extension in lower case: SCALE-Sim files written on other systems may say .CFG.
std::string extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

// The format follows the file extension: SCALE-Sim's .cfg and topology .csv, JSON otherwise.
ArchConfig load_arch(const std::string& path, const std::vector<config::Override>& overrides) {
  if (extension(path) == ".cfg") return importers::load_arch_cfg(path, overrides);
  return config::load_arch_json(path, overrides);
}

Workload load_workload(const std::string& path) {
  if (extension(path) == ".csv") return importers::load_workload_csv(path);
  return load_workload_json(path);
}

}  // namespace tpusim::cli
