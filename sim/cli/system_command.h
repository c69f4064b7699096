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
  bool allow_memory_overflow = false;  ///< run even if a chip's HBM cannot hold its share (flagged)
};
int run_system_command(const SystemRunArgs& args);

/// `tpusim export chakra`: runs the program as run_system_command does, then writes its Chakra
/// execution trace and manifest into args.out_dir (sim/system/chakra/README.md).
int export_chakra_command(const SystemRunArgs& args, const std::string& prefix);

/// `tpusim describe --arch SYSTEM [--json]`: chips, topology, the pod figures as Google states
/// them (all-reduce and bisection bandwidth from the per-link parameters), link energy and, when
/// the chip preset exists, the chip's description and the system's peak and HBM totals.
int describe_system_command(const std::string& system, const std::vector<config::Override>& overrides, bool json);

}  // namespace tpusim::cli
