#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"
#include "sim/report/report.h"
#include "sim/sweep/runner.h"
#include "sim/sweep/table.h"

namespace tpusim::sweep {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool same_dir(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

/// What --merge reads of a DIR/sweep.json, checked: the file is the program's own, but it may
/// have been edited by hand or come from another version, and that is the user's input error
/// (file and pointer named), never an internal one. The keys it does not read are kept as they
/// are in the merged sweep.json, so they are not checked.
struct ShardMeta {
  json doc;
  std::string name, sweep_id, interrupted_by;
  std::optional<bool> complete;  ///< absent in an old sweep.json, which wrote its tables only at the end
  uint64_t missing_rows = 0, total_rows = 0, excluded_points = 0;
  std::vector<std::string> columns, workloads;
  bool model = false;
};

/// An array of distinct strings at `key`.
std::vector<std::string> distinct_strings(config::ObjectReader& r, const std::string& key) {
  const json& v = r.raw(key);
  if (!v.is_array()) r.fail(key, "must be an array of strings, got " + config::describe(v));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = fmt::format("{}/{}", r.pointer_of(key), i);
    if (!v[i].is_string()) config::fail_at(r.file(), at, "must be a string, got " + config::describe(v[i]));
    if (std::find(out.begin(), out.end(), v[i].get<std::string>()) != out.end())
      config::fail_at(r.file(), at, "repeats " + config::describe(v[i]) + "; each may appear once");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

ShardMeta read_shard_meta(const std::string& dir) {
  const std::string file = dir + "/sweep.json";
  ShardMeta m;
  m.doc = config::load_json_file(file);
  config::ObjectReader r(m.doc, file, "");
  m.name = r.string("name");
  m.sweep_id = r.string("sweep_id");
  if (r.has("complete")) m.complete = r.boolean("complete", false);
  m.interrupted_by = r.string("interrupted_by", "");
  m.missing_rows = r.u64("missing_rows", 0, UINT64_MAX, 0);
  m.columns = distinct_strings(r, "columns");
  m.workloads = distinct_strings(r, "workloads");
  if (m.workloads.empty()) r.fail("workloads", "must name at least one workload, got an empty array");
  m.total_rows = r.u64("total_rows", 0, UINT64_MAX);
  if (r.has("points")) {
    const uint64_t points = r.u64("points", 0, UINT64_MAX / m.workloads.size());
    if (points * m.workloads.size() != m.total_rows)
      r.fail("total_rows", fmt::format("must be /points x the {} workloads = {}, got {}", m.workloads.size(),
                                       points * m.workloads.size(), m.total_rows));
  }
  m.excluded_points = r.u64("excluded_points", 0, UINT64_MAX, 0);
  m.model = r.has("model");
  return m;
}

/// A row's report path, checked before anything is written: of the form the sweep writes,
/// points/KEY/report.json (the row's run directory is copied: a hand-edited "/etc/x", "../x" or
/// "./x" would copy from elsewhere, or the whole shard), and there, so the copy cannot fail
/// half-way for the input's sake.
void check_report_path(const Row& row, const std::string& dir) {
  const fs::path rel(row.at("report").get<std::string>());
  const std::vector<fs::path> parts(rel.begin(), rel.end());
  const bool inside = parts.size() == 3 && parts[0] == "points" && parts[1] != "." && parts[1] != ".." &&
                      parts[2] == "report.json";
  std::error_code ec;
  const char* problem = !inside                                       ? "must be a path of the sweep's form"
                        : !fs::is_regular_file(fs::path(dir) / rel, ec) ? "names no file in the sweep directory"
                                                                        : nullptr;
  if (problem)
    throw InputError(fmt::format("{}/points.jsonl: point {} workload {}: /report {} (points/KEY/report.json), got {}",
                                 dir, row.at("point").get<uint64_t>(), row.at("workload").get<std::string>(), problem,
                                 config::describe(row.at("report"))));
}

}  // namespace

SweepSummary merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  if (dirs.empty()) throw InputError("--merge: give at least one sweep directory");
  std::optional<ShardMeta> first;
  std::map<std::pair<uint64_t, std::string>, std::pair<Row, std::string>> rows;  // -> (row, its directory)
  for (const auto& dir : dirs) {
    ShardMeta m = read_shard_meta(dir);
    if (first && m.sweep_id != first->sweep_id)
      throw InputError(fmt::format("--merge {}: holds sweep \"{}\" ({}), not the sweep of {} (\"{}\", {})", dir, m.name,
                                   m.sweep_id, dirs.front(), first->name, first->sweep_id));
    if (m.complete && !*m.complete)
      throw InputError(fmt::format("--merge {}: the sweep there is not complete ({}); run it again with --resume", dir,
                                   !m.interrupted_by.empty()
                                       ? fmt::format("interrupted by {}, {} rows missing", m.interrupted_by, m.missing_rows)
                                       : std::string("still running, or killed")));
    if (!first) first = std::move(m);
    // The shards of one sweep share its columns and workloads (its id is their hash): every
    // shard's rows are read against the first's, which the merged table is written with.
    const uint64_t points = first->total_rows / first->workloads.size();
    for (auto& row : read_rows_jsonl(dir + "/points.jsonl", row_keys(first->columns, first->model))) {
      const auto key = std::make_pair(row.at("point").get<uint64_t>(), row.at("workload").get<std::string>());
      if (key.first >= points ||
          std::find(first->workloads.begin(), first->workloads.end(), key.second) == first->workloads.end())
        throw InputError(fmt::format("{}/points.jsonl: point {} workload \"{}\" is not a row of sweep \"{}\" "
                                     "({} points of workloads {})",
                                     dir, key.first, key.second, first->name, points, config::join(first->workloads)));
      if (row.at("report").is_string()) check_report_path(row, dir);
      auto it = rows.find(key);
      if (it != rows.end()) {
        if (it->second.first != row)
          throw InputError(fmt::format("--merge: point {} workload {} differs between {} and {}", key.first,
                                       key.second, it->second.second, dir));
        continue;
      }
      rows.emplace(key, std::make_pair(std::move(row), dir));
    }
  }
  const uint64_t total = first->total_rows;
  const auto& workloads = first->workloads;
  if (rows.size() != total) {
    // Name the first missing row so the failed shard can be found (shard = row % N + 1).
    std::string missing;
    for (uint64_t r = 0; r < total && missing.empty(); ++r)
      if (!rows.count({r / workloads.size(), workloads[r % workloads.size()]}))
        missing = fmt::format("point {} workload {} (row {})", r / workloads.size(), workloads[r % workloads.size()], r);
    throw InputError(fmt::format("--merge: the directories hold {} of the {} rows of sweep \"{}\"; first missing: {}",
                                 rows.size(), total, first->name, missing));
  }

  std::error_code ec;
  fs::create_directories(fs::path(out_dir) / "points", ec);
  if (ec) throw InputError(fmt::format("--out {}: cannot create directory", out_dir));
  std::vector<Row> table;
  for (auto& [key, entry] : rows) {
    const Row& row = entry.first;
    if (row.at("report").is_string()) {
      // Copy the row's run next to the merged table, so its report path stays valid.
      const fs::path rel = fs::path(row.at("report").get<std::string>()).parent_path();
      const fs::path src = fs::path(entry.second) / rel, dst = fs::path(out_dir) / rel;
      if (!same_dir(src, dst) && !fs::exists(dst / "report.json")) {
        fs::create_directories(dst);
        // Hard links cost no space; across filesystems they fail and the files are copied.
        fs::copy(src, dst, fs::copy_options::recursive | fs::copy_options::overwrite_existing |
                               fs::copy_options::create_hard_links, ec);
        if (ec) {
          ec.clear();
          fs::copy(src, dst, fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
        }
        if (ec) throw InputError(fmt::format("--out {}: cannot copy {}: {}", out_dir, src.string(), ec.message()));
      }
    }
    table.push_back(row);
  }
  sort_rows(table, workloads);
  json meta = first->doc;
  meta["shard"] = json();
  meta.erase("interrupted_by");
  meta["complete"] = false;  // true once the tables are in place, as run_sweep does
  report::write_file_atomic(out_dir + "/sweep.json", meta.dump(2) + "\n");
  json final_meta = meta;
  final_meta["complete"] = true;
  final_meta["missing_rows"] = 0;
  write_tables(out_dir, first->columns, table, true, first->model, final_meta.dump(2) + "\n");

  SweepSummary s;
  s.rows = s.total_rows = total;
  s.reused = total;
  s.excluded_points = first->excluded_points;
  for (const auto& r : table)
    if (r.at("status") != "ok") ++s.failed;
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace tpusim::sweep
