#pragma once
/// Whether one chip's HBM holds its share of a system program (sim/system/README.md "Memory"):
/// weights, activations and, for a training graph, gradients and optimizer state, against the
/// chip's /dram/capacity_bytes. Pure arithmetic over the chip's graph.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/partition/partition.h"
#include "sim/spec/arch_config.h"
#include "sim/spec/system_workload.h"

namespace tpusim::system {

struct Footprint {
  uint64_t weights_bytes = 0;
  uint64_t activations_bytes = 0;
  uint64_t gradients_bytes = 0;
  uint64_t optimizer_bytes = 0;
  uint64_t capacity_bytes = 0;  ///< the chip's /dram/capacity_bytes
  bool training = false;        ///< the graph completes weight gradients
  uint64_t total_bytes() const { return weights_bytes + activations_bytes + gradients_bytes + optimizer_bytes; }
  bool fits() const { return total_bytes() <= capacity_bytes; }
};

/// One chip's footprint for `repeat` copies of `graph` (each copy its own weights: identical
/// layers). `par` is the parallelism the graph was partitioned with (null: none).
Footprint chip_footprint(const ChipGraph& graph, const ArchConfig& chip, uint32_t repeat,
                         const partition::Parallelism* par);

/// InputError naming the chip file and /dram/capacity_bytes, what needs how much, and the way out
/// (--allow-memory-overflow), when the footprint does not fit.
void check_fits(const Footprint& f, const std::string& chip_file);

nlohmann::json footprint_json(const Footprint& f);

}  // namespace tpusim::system
