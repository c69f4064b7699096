#pragma once
/// The sweep's result table: one row per (point, workload) with the axis values, the status and
/// the headline metrics, written as DIR/points.csv and DIR/points.jsonl, and its Pareto front.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tpusim::sweep {

/// A row keeps its columns in table order: point, the axis pointers, workload, status, cycles,
/// utilization, energy_pj, tops_per_w, area_mm2, report. Missing metrics are null.
using Row = nlohmann::ordered_json;

/// What a finished (point, workload) produced; stored as DIR/points/<key>/result.json.
struct PointResult {
  std::string status = "ok";  ///< "ok" or the one-line error
  nlohmann::json cycles, utilization, energy_pj, tops_per_w, area_mm2;  ///< null when absent
  /// A model sweep's row (sim/sweep/README.md "Model sweeps"): its metric columns by name, in
  /// model_metric_columns() order (null when absent); null for a workload row, which has the
  /// five above.
  nlohmann::ordered_json model;
  /// The failure may not recur (a timeout, a signal): --resume runs the point again.
  bool retry = false;

  nlohmann::json to_json() const;
  static PointResult from_json(const nlohmann::json& j);
  /// The headline metrics of a report.json (area_mm2 when the report has totals.area_mm2).
  static PointResult from_report(const nlohmann::json& report);
  /// A failed point (`model`: of a model sweep, its metrics null).
  static PointResult failure(const std::string& status, bool retry, bool model = false);
};

/// The metric columns after the axis columns and `workload` (a model sweep's with `model`).
const std::vector<std::string>& metric_columns(bool model = false);

/// Builds a row. `values` holds one value per axis column.
Row make_row(uint64_t point, const std::vector<std::string>& columns, const std::vector<nlohmann::json>& values,
             const std::string& workload, const PointResult& result, const std::string& report_path);

/// A row's keys in order: "point", the axis `columns`, "workload", metric_columns(model).
std::vector<std::string> row_keys(const std::vector<std::string>& columns, bool model = false);

/// The CSV header line (with "\n") for these axis columns.
std::string csv_header(const std::vector<std::string>& columns, bool model = false);
/// One CSV line (with "\n"): numbers as in JSON, strings quoted when they need it (RFC 4180),
/// null as an empty field.
std::string csv_line(const Row& row);

/// Sorts rows by point, then by the workload's position in `workloads`.
void sort_rows(std::vector<Row>& rows, const std::vector<std::string>& workloads);

/// Writes DIR/sweep.json (`meta_text`), DIR/points.csv, DIR/points.jsonl and (`with_pareto`)
/// DIR/pareto.csv, all or none (an OutputFiles set, sim/base/file_io.h). sweep.json is renamed
/// first: a process killed between the renames may leave the new sweep.json beside no tables,
/// never tables beside a sweep.json that does not describe them (the old one said "complete":
/// false; tests/hardening/sweep_kill_resume.py caught that window when sweep.json was a write of
/// its own after the tables).
void write_tables(const std::string& dir, const std::vector<std::string>& columns, const std::vector<Row>& rows,
                  bool with_pareto, bool model, const std::string& meta_text);

/// Reads DIR/points.jsonl. Every row holds exactly `keys` in that order (its sweep's
/// row_keys()), `point` a non-negative integer, `workload` and `status` strings, `report` a path
/// or null; InputError naming the file, the line and the JSON pointer otherwise (the file may
/// have been edited by hand or come from elsewhere).
std::vector<Row> read_rows_jsonl(const std::string& path, const std::vector<std::string>& keys);

/// The rows of `rows` that no other `ok` row of the same workload dominates on the objectives
/// cycles, energy_pj and area_mm2 (minimized; area only when every ok row has it); model rows
/// (those with a `latency_s` column) on latency_s (minimized) and tokens_per_s_per_chip
/// (maximized). Failed rows never appear. Rows keep their order.
std::vector<Row> pareto_front(const std::vector<Row>& rows);

}  // namespace tpusim::sweep
