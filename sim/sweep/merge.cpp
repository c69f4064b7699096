#include <chrono>
#include <filesystem>
#include <map>

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

}  // namespace

SweepSummary merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir) {
  const auto t0 = std::chrono::steady_clock::now();
  if (dirs.empty()) throw InputError("--merge: give at least one sweep directory");
  json meta;
  std::map<std::pair<uint64_t, std::string>, std::pair<Row, std::string>> rows;  // -> (row, its directory)
  for (const auto& dir : dirs) {
    const json m = config::load_json_file(dir + "/sweep.json");
    if (meta.is_null()) {
      meta = m;
    } else if (m.value("sweep_id", "") != meta.value("sweep_id", "")) {
      throw InputError(fmt::format("--merge {}: holds sweep \"{}\" ({}), not the sweep of {} (\"{}\", {})", dir,
                                   m.value("name", "?"), m.value("sweep_id", "?"), dirs.front(),
                                   meta.value("name", "?"), meta.value("sweep_id", "?")));
    }
    // An old sweep.json has no "complete": those sweeps wrote their tables only at the end.
    if (m.contains("complete") && m.at("complete") != true)
      throw InputError(fmt::format("--merge {}: the sweep there is not complete ({}); run it again with --resume", dir,
                                   m.contains("interrupted_by")
                                       ? fmt::format("interrupted by {}, {} rows missing", m.value("interrupted_by", "?"),
                                                     m.value("missing_rows", uint64_t{0}))
                                       : std::string("still running, or killed")));
    for (auto& row : read_rows_jsonl(dir + "/points.jsonl")) {
      const auto key = std::make_pair(row.at("point").get<uint64_t>(), row.at("workload").get<std::string>());
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
  const uint64_t total = meta.at("total_rows").get<uint64_t>();
  if (rows.size() != total) {
    // Name the first missing row so the failed shard can be found (shard = row % N + 1).
    const auto workloads = meta.at("workloads").get<std::vector<std::string>>();
    std::string first;
    for (uint64_t r = 0; r < total && first.empty(); ++r)
      if (!rows.count({r / workloads.size(), workloads[r % workloads.size()]}))
        first = fmt::format("point {} workload {} (row {})", r / workloads.size(), workloads[r % workloads.size()], r);
    throw InputError(fmt::format("--merge: the directories hold {} of the {} rows of sweep \"{}\"; first missing: {}",
                                 rows.size(), total, meta.value("name", "?"), first));
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
  sort_rows(table, meta.at("workloads").get<std::vector<std::string>>());
  meta["shard"] = json();
  meta.erase("interrupted_by");
  meta["complete"] = false;  // true once the tables are in place, as run_sweep does
  report::write_file_atomic(out_dir + "/sweep.json", meta.dump(2) + "\n");
  json final_meta = meta;
  final_meta["complete"] = true;
  final_meta["missing_rows"] = 0;
  write_tables(out_dir, meta.at("columns").get<std::vector<std::string>>(), table, true, meta.contains("model"),
               final_meta.dump(2) + "\n");

  SweepSummary s;
  s.rows = s.total_rows = total;
  s.reused = total;
  s.excluded_points = meta.value("excluded_points", uint64_t{0});
  for (const auto& r : table)
    if (r.at("status") != "ok") ++s.failed;
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace tpusim::sweep
