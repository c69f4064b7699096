#include "sim/sweep/runner.h"

#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/stop_signals.h"
#include "sim/spec/json_reader.h"
#include "sim/report/report.h"
#include "sim/sweep/child_output.h"
#include "sim/sweep/plan.h"
#include "sim/sweep/process_pool.h"
#include "sim/sweep/progress.h"
#include "sim/sweep/table.h"

namespace tpusim::sweep {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string point_rel_dir(const std::string& key) { return "points/" + key; }

/// The point record: the row's result with the key it belongs to, written atomically, so a
/// record is complete or absent and resume can check it is this point's.
void write_record(const fs::path& dir, const std::string& key, const PointResult& r) {
  json j = r.to_json();
  j["key"] = key;
  report::write_file_atomic((dir / "result.json").string(), j.dump() + "\n");
}

/// Turns a finished child into the row's result and records it in result.json.
PointResult finish_child(const fs::path& dir, const std::string& key, const ProcessResult& p, double timeout_s,
                         bool model) {
  PointResult result;
  const std::string err = last_error_line((dir / "stderr.txt").string());
  if (p.timed_out) {
    result = PointResult::failure(fmt::format("timeout after {} s", timeout_s), true, model);
  } else if (p.signal != 0) {
    result = PointResult::failure(
        fmt::format("killed by signal {} ({}){}", p.signal, strsignal(p.signal), err.empty() ? "" : ": " + err), true,
        model);
  } else if (p.exit_code != 0) {
    // A child that could not write its files failed for the disk's sake, not the config's:
    // resume runs it again (sim/base/file_io.h output_error).
    // So did one refused by its work limit: resume with a raised --max-folds runs it.
    const bool retry = err.find(": cannot write (") != std::string::npos || err.rfind("--max-folds ", 0) == 0;
    result = PointResult::failure(err.empty() ? fmt::format("exit code {}", p.exit_code) : err, retry, model);
  } else if (auto report = read_json_if_valid(dir / "report.json")) {
    result = PointResult::from_report(*report);
  } else {
    result = PointResult::failure("internal error: the run exited 0 without a readable report.json", false, model);
  }
  write_record(dir, key, result);
  return result;
}

/// A result a previous run left in `dir`: result.json naming this key, or a report.json whose
/// result.json was never written (the sweep was killed in between; a run commits report.json
/// last, so its presence says the run's files are complete). Results marked `retry` do not count.
std::optional<PointResult> existing_result(const fs::path& dir, const std::string& key) {
  if (auto j = read_json_if_valid(dir / "result.json")) {
    try {
      PointResult r = PointResult::from_json(*j);
      if (!r.retry && j->value("key", "") == key) return r;
      return std::nullopt;
    } catch (const json::exception&) {
      // unreadable record: run the row again
    }
  }
  if (auto report = read_json_if_valid(dir / "report.json")) {
    try {
      PointResult r = PointResult::from_report(*report);
      write_record(dir, key, r);
      return r;
    } catch (const json::exception&) {
    }
  }
  return std::nullopt;
}

json sweep_meta(const SweepPlan& plan, const SweepOptions& o) {
  json meta;
  meta["name"] = plan.spec.name;
  meta["spec"] = plan.spec.file;
  meta["sweep_id"] = plan.sweep_id;
  meta["tpusim_version"] = TPUSIM_VERSION;
  meta["columns"] = plan.columns;
  meta["workloads"] = plan.spec.workload_labels;
  if (plan.spec.is_model()) meta["model"] = plan.spec.model_path;  // a model sweep: its table's columns
  meta["points"] = plan.points.size();
  meta["total_rows"] = plan.jobs.size();
  meta["excluded_points"] = plan.excluded_points;
  meta["shard"] = o.shard_count > 1 ? json{o.shard_index, o.shard_count} : json();
  // Written false when the sweep starts and true only after the final tables: a sweep that was
  // killed, interrupted or is still running never looks finished (merge refuses it).
  meta["complete"] = false;
  return meta;
}

/// Appends rows to the streaming tables (points.partial.csv and .jsonl: never taken for the
/// final table) and keeps them for the final, sorted tables.
class RowSink {
 public:
  RowSink(const fs::path& dir, const std::vector<std::string>& columns, bool model)
      : csv_(dir / kPartialCsv, std::ios::binary | std::ios::trunc),
        jsonl_(dir / kPartialJsonl, std::ios::binary | std::ios::trunc) {
    if (!csv_ || !jsonl_)
      throw InputError(output_error("--out", (dir / kPartialCsv).string(), std::strerror(errno ? errno : EIO)));
    csv_ << csv_header(columns, model) << std::flush;
  }
  static constexpr const char* kPartialCsv = "points.partial.csv";
  static constexpr const char* kPartialJsonl = "points.partial.jsonl";
  void add(Row row) {
    csv_ << csv_line(row) << std::flush;
    jsonl_ << row.dump() << "\n" << std::flush;
    if (row.at("status") != "ok") ++failed_;
    rows_.push_back(std::move(row));
  }
  std::vector<Row>& rows() { return rows_; }
  uint64_t failed() const { return failed_; }
  /// Closes the streaming tables and removes them (the final tables replace them).
  void close(const fs::path& dir) {
    csv_.close();
    jsonl_.close();
    fs::remove(dir / kPartialCsv);
    fs::remove(dir / kPartialJsonl);
  }

 private:
  std::ofstream csv_, jsonl_;
  std::vector<Row> rows_;
  uint64_t failed_ = 0;
};

void prepare_out_dir(const std::string& out_dir, bool resume) {
  check_output_dir("--out", out_dir);
  std::error_code ec;
  fs::create_directories(fs::path(out_dir) / "points", ec);
  if (ec || !fs::is_directory(out_dir)) throw InputError(fmt::format("--out {}: cannot create directory", out_dir));
  if (!resume && fs::exists(fs::path(out_dir) / "sweep.json"))
    throw InputError(fmt::format("--out {}: holds a sweep already; pass --resume to continue it or choose another "
                                 "directory", out_dir));
}

/// The rows of this shard grouped by key: rows with one effective config and workload run once.
struct ShardRows {
  std::vector<std::string> keys;  ///< in row order of their first row
  std::map<std::string, std::vector<const SweepJob*>> rows_of_key;
};

ShardRows shard_rows(const SweepPlan& plan, const SweepOptions& o, SweepSummary& summary) {
  ShardRows s;
  for (const auto& job : plan.jobs) {
    if (job.row % o.shard_count != o.shard_index - 1) continue;
    ++summary.rows;
    auto& v = s.rows_of_key[job.key];
    if (v.empty()) s.keys.push_back(job.key);
    v.push_back(&job);
  }
  return s;
}

/// The child that runs one point: `tpusim run ... --out DIR -q`, after what a killed earlier
/// attempt left in DIR is removed (its files, and any temporary file of an uncommitted run).
ProcessTask point_task(const SweepPlan& plan, const SweepOptions& o, const SweepJob& job, const fs::path& dir,
                       size_t id, double timeout_s) {
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == "report.json" || name == "layers.csv" || name == "result.json" || name.rfind(".tpusim-tmp-", 0) == 0)
      fs::remove(e.path());
  }
  ProcessTask task;
  task.id = id;
  // Paths as resolved from the spec (the child shares our working directory), so the
  // children's errors name files as the parent's do.
  if (plan.spec.is_model())
    task.argv = {o.executable, "run", "--arch", plan.spec.arch_path, "--model", plan.spec.model_path, "--scenario",
                 plan.spec.workload_paths[job.workload]};
  else
    task.argv = {o.executable, "run", "--arch", plan.spec.arch_path, "--workload", plan.spec.workload_paths[job.workload]};
  for (const auto& ov : plan.points[job.point].overrides) {
    task.argv.push_back("--set");
    task.argv.push_back(ov.text);
  }
  for (const auto& ov : plan.points[job.point].scenario_overrides) {
    task.argv.push_back("--scenario-set");
    task.argv.push_back(ov.text);
  }
  task.argv.insert(task.argv.end(), {"--out", dir.string(), "-q"});
  if (!o.max_folds.empty()) task.argv.insert(task.argv.end(), {"--max-folds", o.max_folds});
  task.stderr_path = (dir / "stderr.txt").string();
  task.timeout_s = timeout_s;
  return task;
}

}  // namespace

/// The child's last non-empty stderr line without the "tpusim: " prefix.
std::string last_error_line(const std::string& stderr_path) {
  std::ifstream in(stderr_path, std::ios::binary);
  std::string line, last;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) last = line;
  }
  const std::string prefix = "tpusim: ";
  if (last.compare(0, prefix.size(), prefix) == 0) last = last.substr(prefix.size());
  return last;
}

std::optional<json> read_json_if_valid(const std::filesystem::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  try {
    return config::load_json_file(p.string());
  } catch (const InputError&) {
    return std::nullopt;
  }
}

SweepSummary run_sweep(const SweepOptions& o) {
  const auto t0 = Clock::now();
  if (o.shard_count == 0 || o.shard_index < 1 || o.shard_index > o.shard_count)
    throw InputError(fmt::format("--shard {}/{}: expected I/N with 1 <= I <= N", o.shard_index, o.shard_count));
  if (o.jobs == 0) throw InputError("--jobs 0: must be at least 1");
  const SweepPlan plan = plan_sweep(load_sweep_spec(o.spec_path), o.max_points);
  const double timeout_s = o.timeout_s > 0 ? o.timeout_s : plan.spec.timeout_s > 0 ? plan.spec.timeout_s : kDefaultTimeoutS;
  prepare_out_dir(o.out_dir, o.resume);
  const fs::path out(o.out_dir);
  // First remove the previous final tables, then mark the directory's sweep unfinished: at no
  // moment does a final table stand beside a sweep.json that does not say complete (a kill
  // between the two leaves the previous "complete": true beside no table; write_tables, table.h).
  for (const char* stale : {"points.csv", "points.jsonl", "pareto.csv"}) fs::remove(out / stale);
  json meta = sweep_meta(plan, o);
  report::write_file_atomic((out / "sweep.json").string(), meta.dump(2) + "\n");

  SweepSummary summary;
  summary.total_rows = plan.jobs.size();
  summary.excluded_points = plan.excluded_points;
  ShardRows shard = shard_rows(plan, o, summary);
  auto& rows_of_key = shard.rows_of_key;

  const bool model = plan.spec.is_model();
  RowSink sink(out, plan.columns, model);
  std::set<std::string> done;
  auto emit = [&](const std::string& key, const PointResult& result) {
    done.insert(key);
    for (const SweepJob* job : rows_of_key[key])
      sink.add(make_row(job->point, plan.columns, plan.points[job->point].values,
                        plan.spec.workload_labels[job->workload], result, point_rel_dir(key) + "/report.json"));
  };
  std::vector<std::string> pending;
  for (const auto& key : shard.keys) {
    const fs::path dir = out / point_rel_dir(key);
    const SweepPoint& point = plan.points[rows_of_key[key].front()->point];
    if (!point.config_error.empty()) {
      // Invalid config: the child would only print the same error, so none is started.
      fs::create_directories(dir);
      const PointResult r = PointResult::failure(point.config_error, false, model);
      write_record(dir, key, r);
      emit(key, r);
      continue;
    }
    if (o.resume) {
      if (auto r = existing_result(dir, key)) {
        summary.reused += rows_of_key[key].size();
        emit(key, *r);
        continue;
      }
    }
    pending.push_back(key);
  }

  Progress progress(o.progress, summary.rows, sink.rows().size());
  StopSignals stop_signals;
  {
    ProcessPool pool(o.jobs);  // its destructor kills what still runs when a signal stops us
    size_t next = 0;
    while ((next < pending.size() || pool.running() > 0) && !*StopSignals::flag()) {
      while (!pool.full() && next < pending.size()) {
        const std::string& key = pending[next];
        pool.start(point_task(plan, o, *rows_of_key[key].front(), out / point_rel_dir(key), next, timeout_s));
        ++next;
      }
      if (auto done_child = pool.wait_one(StopSignals::flag())) {
        const std::string& key = pending[done_child->id];
        const PointResult r = finish_child(out / point_rel_dir(key), key, *done_child, timeout_s, model);
        ++summary.ran;
        emit(key, r);
        progress.update(sink.rows().size(), sink.failed());
      }
    }
  }
  progress.finish();
  const uint64_t finished_rows = sink.rows().size();
  // Stopped by a signal: the rows that did not finish are in the table as "missing", so it says
  // what it lacks; pareto.csv is not written (a front over part of the rows is not the front).
  const std::string stopped = *StopSignals::flag() ? stop_signal_name(*StopSignals::flag()) : "";
  for (const auto& key : shard.keys)
    if (!stopped.empty() && !done.count(key))
      emit(key, PointResult::failure(fmt::format("missing: the sweep was interrupted by {}; --resume runs it", stopped),
                                     true, model));
  sink.close(out);
  std::vector<Row>& rows = sink.rows();
  sort_rows(rows, plan.spec.workload_labels);
  meta["complete"] = stopped.empty();
  meta["missing_rows"] = rows.size() - finished_rows;
  if (!stopped.empty()) meta["interrupted_by"] = stopped;
  write_tables(o.out_dir, plan.columns, rows, stopped.empty(), model, meta.dump(2) + "\n");
  stop_signals.reraise();
  summary.failed = sink.failed();
  summary.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return summary;
}

}  // namespace tpusim::sweep
