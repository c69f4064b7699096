#pragma once
/// Expanding a sweep spec into its rows: one per (point, workload), each with the `--set`
/// overrides of its point and a key that identifies its result (a hash of the effective config,
/// the energy table, the workload file and the tpusim version).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_loader.h"
#include "sim/sweep/spec.h"

namespace tpusim::sweep {

/// A combination of axis values that passed the constraints. Points are numbered 0, 1, ... in
/// spec order (product: the first axis varies slowest) after constraints removed points.
struct SweepPoint {
  uint64_t index = 0;
  std::vector<nlohmann::json> values;             ///< one per column (SweepSpec::columns)
  std::vector<config::Override> overrides;        ///< the same, as `--set` overrides
  std::string config_error;                       ///< the effective config is invalid: why
};

/// One row of the result table: a point run on one workload. row = point * workloads + workload.
struct SweepJob {
  uint64_t row = 0;
  uint64_t point = 0;
  size_t workload = 0;
  std::string key;  ///< 32 hex digits; the result lives in DIR/points/<key>/
};

struct SweepPlan {
  SweepSpec spec;
  std::vector<std::string> columns;
  std::vector<SweepPoint> points;
  std::vector<SweepJob> jobs;  ///< every row, in row order
  uint64_t excluded_points = 0;  ///< combinations the constraints removed
  std::string sweep_id;  ///< hash of every row's key and values: equal for shards of one sweep
};

/// Expands the spec: enumerates combinations, applies constraints, computes keys. InputError
/// when the architecture or a workload cannot be read, or an axis path is not in the config.
SweepPlan plan_sweep(const SweepSpec& spec);

/// 128-bit FNV-1a of `text` as 32 hex digits (two 64-bit lanes with different offsets).
std::string hash_hex(const std::string& text);

}  // namespace tpusim::sweep
