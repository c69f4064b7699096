#include "sim/cli/load.h"

namespace tpusim::cli {

ArchConfig load_arch(const std::string& path, const std::vector<config::Override>& overrides) {
  return config::load_arch_json(path, overrides);
}

Workload load_workload(const std::string& path) { return load_workload_json(path); }

}  // namespace tpusim::cli
