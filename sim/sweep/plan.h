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
  std::vector<config::Override> overrides;        ///< the chip's values, as `--set` overrides
  /// A model sweep's /scenario/... values, as `--scenario-set` overrides (pointer without /scenario)
  std::vector<config::Override> scenario_overrides;
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
/// Points a sweep may have unless the user raises the limit (tpusim sweep --max-points N):
/// planning costs about 0.1 ms per point (each point's config is parsed and hashed) and each row
/// is a process run (10 to 300 ms), so 10^5 points is hours of runs; a larger product is far
/// more often a typo (a range step of 1 instead of 64) than a plan.
constexpr uint64_t kDefaultMaxPoints = 100'000;
/// The hard ceiling of --max-points: a plan holds every row in memory (about 200 B each).
constexpr uint64_t kMaxPointsCeiling = 100'000'000;

/// Expands `spec`; an InputError naming the spec and /axes when its combinations exceed
/// `max_points` (before any point is planned).
SweepPlan plan_sweep(const SweepSpec& spec, uint64_t max_points = kDefaultMaxPoints);

/// 128-bit FNV-1a of `text` as 32 hex digits (two 64-bit lanes with different offsets).
std::string hash_hex(const std::string& text);

}  // namespace tpusim::sweep
