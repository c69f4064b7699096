#pragma once
/// `tpusim run` and `tpusim describe` with a system (configs/systems/*.json) as --arch.
#include <string>
#include <vector>

#include "sim/spec/arch_loader.h"

namespace tpusim::cli {

/// Whether `path` is a system document (JSON with "topology") rather than a chip.
bool is_system_file(const std::string& path);

struct SystemRunArgs {
  std::string system, workload, out_dir;
  std::string parallelism;  ///< a parallelism spec: partition the workload (a model graph) first
  uint32_t repeat = 1;      ///< the program runs this many times back to back (identical layers)
  std::vector<config::Override> overrides;  ///< applied to the system document
  bool quiet = false;
  bool fast_forward = true;
};
int run_system_command(const SystemRunArgs& args);

}  // namespace tpusim::cli
