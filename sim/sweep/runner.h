#pragma once
/// Running a sweep: every (point, workload) row in its own `tpusim run` child process, at most
/// `jobs` at once, results streamed to DIR/points.csv and DIR/points.jsonl as rows finish and
/// rewritten in row order at the end, with DIR/pareto.csv. Layout of DIR:
///   sweep.json            what the directory holds (name, sweep id, columns, shard, row count)
///   points.csv/.jsonl     the table; pareto.csv its Pareto front
///   points/<key>/         one row's run: report.json, layers.csv, stderr.txt, result.json
#include <cstdint>
#include <string>
#include <vector>

#include "sim/sweep/plan.h"

namespace tpusim::sweep {

struct SweepOptions {
  std::string spec_path;
  std::string out_dir;
  size_t jobs = 1;                  ///< child processes at once
  uint32_t shard_index = 1;         ///< 1-based: this run takes rows with row % count == index - 1
  uint32_t shard_count = 1;
  bool resume = false;              ///< reuse results already in out_dir
  double timeout_s = 0;             ///< per row; 0: the spec's timeout_s, else kDefaultTimeoutS
  std::string executable = "/proc/self/exe";  ///< the tpusim binary the children run
  bool progress = false;            ///< redraw a progress line (on a terminal)
  uint64_t max_points = kDefaultMaxPoints;  ///< refuse a spec with more points (--max-points)
  std::string max_folds;  ///< passed to every run as --max-folds (its limit of work), "" = its default
};

/// Per-row timeout when neither the command line nor the spec sets one.
constexpr double kDefaultTimeoutS = 3600;

struct SweepSummary {
  uint64_t rows = 0;        ///< rows of this shard
  uint64_t ran = 0;         ///< child processes run
  uint64_t reused = 0;      ///< rows whose result was already in the directory (--resume)
  uint64_t failed = 0;      ///< rows whose status is not ok
  uint64_t excluded_points = 0;  ///< points removed by constraints
  uint64_t total_rows = 0;  ///< rows of the whole sweep (all shards)
  double wall_s = 0;
};

/// Runs the sweep. InputError for a bad spec, a bad shard, or an out_dir that already holds a
/// sweep when resume is false. Failing rows are recorded, not thrown.
SweepSummary run_sweep(const SweepOptions& options);

/// Joins the directories of shards of one sweep into out_dir (tables, pareto.csv, and the
/// points/ directories the rows refer to). InputError when the directories come from different
/// sweeps, disagree on a row, or do not cover every row.
SweepSummary merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace tpusim::sweep
