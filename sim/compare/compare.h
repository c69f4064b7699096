#pragma once
/// Regression comparison of two runs (`tpusim compare`): rows are matched by key, the chosen
/// metrics are compared against per-metric tolerances, and the changes are listed worst first.
/// Pure logic, no I/O besides loading the tolerance file; rendering is in compare_format.h.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "sim/compare/table.h"

namespace tpusim::compare {

/// Relative tolerance that non-integral metrics always get, so that two builds whose
/// floating-point sums differ in the last bits still compare clean. Integral metrics
/// (cycles, bytes) get none.
inline constexpr double kFloatRtol = 1e-9;

/// Metrics compared when the tolerance file does not name more.
inline const std::vector<std::string> kDefaultMetrics = {
    "cycles", "utilization", "energy_pj", "dram_read_bytes", "dram_write_bytes"};

/// A change is within tolerance if |current - base| <= max(abs, rel * |base|).
struct Tolerance {
  double abs = 0.0;  ///< in the metric's unit (cycles, bytes, pJ, ...), >= 0
  double rel = 0.0;  ///< ratio of |base|, >= 0 (0.01 = 1 %)
};

/// Tolerances by metric name. A name applies to every row; "totals.<metric>" applies to the
/// totals row only and wins over "<metric>" there.
struct Tolerances {
  std::map<std::string, Tolerance> by_metric;
  std::string path;  ///< the file they came from, for messages; empty when none
};

/// Reads a tolerance file: {"cycles": {"abs": 0, "rel": 0.001}, "energy_pj": {"rel": 0.05}}.
/// Unknown keys inside an entry, negative or non-numeric values are InputErrors.
Tolerances load_tolerances(const std::string& path);

struct Options {
  double rtol = 0.0;  ///< relative tolerance of every metric the tolerance file does not name
  Tolerances tolerances;
};

/// One compared value.
struct Change {
  std::string row;     ///< row key (layer name, "(totals)", point key)
  std::string metric;  ///< metric name, or a label name such as "status"
  Value base, current;
  std::string base_text, current_text;  ///< for labels only (text values)
  Tolerance tolerance;
  bool within_tolerance = true;

  double delta() const { return current.number - base.number; }
  /// delta / |base|; +-infinity when base is 0 and current is not; 0 for labels.
  double delta_rel() const;
  bool is_label() const { return !base_text.empty() || !current_text.empty(); }
};

struct Result {
  std::string base_path, current_path;
  TableKind kind = TableKind::report;
  std::string identity;              ///< the workload name both reports share
  size_t rows = 0;                   ///< matched rows
  size_t compared = 0;               ///< values compared
  std::vector<Change> changes;       ///< values that differ, worst first
  std::vector<std::string> notes;    ///< differences that do not fail (e.g. the arch config)

  size_t beyond_tolerance() const;
  bool passed() const { return beyond_tolerance() == 0; }
  /// "PASS: ..." or "FAIL: ...": counts and the worst change, one line.
  std::string verdict() const;
};

/// Compares two tables of the same kind. InputError (naming both files) when they cannot be
/// compared: different kinds or workloads, rows present on one side only (named), a tolerance
/// naming a metric neither side has. A compared metric present on one side only is a change
/// beyond tolerance (a failed sweep point, a report of another schema).
Result compare_tables(const Table& base, const Table& current, const Options& options);

/// The tolerance that applies to `metric` of row `row_key`.
Tolerance tolerance_for(const Options& options, const std::string& row_key, const std::string& metric,
                        bool integral);

}  // namespace tpusim::compare
