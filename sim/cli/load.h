#pragma once
/// Loads architectures and workloads from any supported format, chosen by file extension.
#include <string>
#include <vector>

#include "sim/spec/arch_config.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/workload.h"

namespace tpusim::cli {

ArchConfig load_arch(const std::string& path, const std::vector<config::Override>& overrides);
Workload load_workload(const std::string& path);

}  // namespace tpusim::cli
