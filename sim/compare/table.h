#pragma once
/// What `tpusim compare` compares: a table of rows matched by key, each row a set of named
/// numbers. A report.json becomes one row per layer (keyed by the layer name) plus a "(totals)"
/// row; a sweep table (points.csv / points.jsonl) becomes one row per point and workload, keyed
/// by its axis values and workload. Loaders for new formats only have to produce a Table.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace tpusim::compare {

/// One number of a row. `integral` numbers (cycles, bytes, counts) are printed without a
/// fraction and compared exactly by default; the others (ratios, energies, seconds) up to
/// kFloatRtol, so that the last bit of a floating-point sum does not fail a regression check.
struct Value {
  double number = 0.0;
  bool integral = false;
};

/// One matched unit: a layer, the totals of a report, or one point of a sweep.
struct Row {
  std::string key;                         ///< layer name, "(totals)", or "k=v, ..." of a point
  std::map<std::string, Value> metrics;    ///< dotted names: "cycles", "cycle_breakdown.fill"
  std::map<std::string, std::string> labels;  ///< compared text fields of a point, e.g. "status"
};

/// The kind of file a Table came from; only tables of the same kind can be compared.
enum class TableKind { report, points };

const char* to_string(TableKind kind);

struct Table {
  std::string path;        ///< the file it was read from, for messages
  TableKind kind = TableKind::report;
  std::string identity;    ///< what both sides must agree on: the workload name of a report
  std::string row_noun;    ///< "layer" or "point", for messages
  std::string arch_json;   ///< a report's effective config (dumped) for a note; empty for points
  std::vector<Row> rows;   ///< in file order; keys are unique (add rows with add())

  /// Appends a row; false (and nothing added) if a row with its key exists.
  bool add(Row row);
  /// The index of the row with `key`, or npos.
  size_t find(const std::string& key) const;

 private:
  std::map<std::string, size_t> index_;  // key -> position in rows
};

/// Key of the totals row of a report.
inline constexpr const char* kTotalsKey = "(totals)";

/// Loads a report.json, a points.csv or a points.jsonl, chosen by file name; a directory is
/// searched for report.json, then points.jsonl, then points.csv. InputError (one line naming the
/// file) if it cannot be read, is truncated or is not one of these formats.
Table load_table(const std::string& path);

/// A report.json (schema version 1).
Table load_report(const std::string& path);

/// A sweep table: CSV with a header row, or JSON lines (one object per point). Columns whose
/// name is a JSON pointer ("/array/rows") and `workload` form the key; numeric columns are
/// metrics; `status` is compared as text; other text columns (report paths) are ignored.
Table load_points_csv(const std::string& path);
Table load_points_jsonl(const std::string& path);

}  // namespace tpusim::compare
