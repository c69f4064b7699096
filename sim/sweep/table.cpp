#include "sim/sweep/table.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/report/report.h"
#include "sim/spec/json_reader.h"

namespace tpusim::sweep {

namespace {

using nlohmann::json;

/// Pareto objectives: the column and +1 (minimized) or -1 (maximized).
const std::pair<const char*, double> kObjectives[] = {{"cycles", 1}, {"energy_pj", 1}, {"area_mm2", 1}};
const std::pair<const char*, double> kModelObjectives[] = {{"latency_s", 1}, {"tokens_per_s_per_chip", -1}};

/// A model report's latency: time per output token (decode, request), else time to first token
/// (prefill), else the scenario's seconds (a training step).
json model_latency(const json& t) {
  for (const char* k : {"time_per_output_token_s", "time_to_first_token_s", "seconds"})
    if (t.contains(k)) return t.at(k);
  return json();
}

std::string csv_field(const Row& v) {
  if (v.is_null()) return "";
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

json total_or_null(const json& totals, const char* key) {
  auto it = totals.find(key);
  return it == totals.end() ? json() : *it;
}

}  // namespace

json PointResult::to_json() const {
  if (!model.is_null()) return {{"status", status}, {"model", model}, {"retry", retry}};
  return {{"status", status},         {"cycles", cycles},         {"utilization", utilization},
          {"energy_pj", energy_pj},   {"tops_per_w", tops_per_w}, {"area_mm2", area_mm2},
          {"retry", retry}};
}

PointResult PointResult::from_json(const json& j) {
  PointResult r;
  r.status = j.at("status").get<std::string>();
  r.retry = j.at("retry").get<bool>();
  if (j.contains("model")) {
    r.model = nlohmann::ordered_json::object();
    for (const auto& c : metric_columns(true))
      if (c != "status" && c != "report") r.model[c] = j.at("model").at(c);
    return r;
  }
  r.cycles = j.at("cycles");
  r.utilization = j.at("utilization");
  r.energy_pj = j.at("energy_pj");
  r.tops_per_w = j.at("tops_per_w");
  r.area_mm2 = j.at("area_mm2");
  return r;
}

PointResult PointResult::from_report(const json& report) {
  const json& t = report.at("totals");
  PointResult r;
  if (report.value("kind", "") == "model") {
    r.model = nlohmann::ordered_json::object();
    r.model["latency_s"] = model_latency(t);
    for (const auto& c : metric_columns(true))
      if (c != "status" && c != "report" && c != "latency_s") r.model[c] = total_or_null(t, c.c_str());
    r.model["memory_per_chip_bytes"] = t.at("memory_per_chip_bytes").at("total");
    return r;
  }
  r.cycles = t.at("cycles");
  r.utilization = t.at("utilization");
  r.energy_pj = total_or_null(t, "energy_pj");
  r.tops_per_w = total_or_null(t, "tops_per_w");
  r.area_mm2 = total_or_null(t, "area_mm2");
  return r;
}

PointResult PointResult::failure(const std::string& status, bool retry, bool model) {
  PointResult r;
  r.status = status;
  r.retry = retry;
  if (model) {
    r.model = nlohmann::ordered_json::object();
    for (const auto& c : metric_columns(true))
      if (c != "status" && c != "report") r.model[c] = nullptr;
  }
  return r;
}

const std::vector<std::string>& metric_columns(bool model) {
  static const std::vector<std::string> cols = {"status",     "cycles",   "utilization", "energy_pj",
                                                "tops_per_w", "area_mm2", "report"};
  static const std::vector<std::string> model_cols = {
      "status", "latency_s", "time_to_first_token_s", "time_per_output_token_s", "tokens_per_s",
      "tokens_per_s_per_chip", "mfu", "energy_per_token_j", "memory_per_chip_bytes", "fits", "report"};
  return model ? model_cols : cols;
}

Row make_row(uint64_t point, const std::vector<std::string>& columns, const std::vector<json>& values,
             const std::string& workload, const PointResult& result, const std::string& report_path) {
  TPUSIM_ASSERT(columns.size() == values.size(), "one value per axis column");
  Row row;
  row["point"] = point;
  for (size_t i = 0; i < columns.size(); ++i) row[columns[i]] = values[i];
  row["workload"] = workload;
  row["status"] = result.status;
  if (!result.model.is_null()) {
    for (const auto& item : result.model.items()) row[item.key()] = item.value();
    row["report"] = result.status == "ok" ? json(report_path) : json();
    return row;
  }
  row["cycles"] = result.cycles;
  row["utilization"] = result.utilization;
  row["energy_pj"] = result.energy_pj;
  row["tops_per_w"] = result.tops_per_w;
  row["area_mm2"] = result.area_mm2;
  row["report"] = result.status == "ok" ? json(report_path) : json();
  return row;
}

std::vector<std::string> row_keys(const std::vector<std::string>& columns, bool model) {
  std::vector<std::string> all = {"point"};
  all.insert(all.end(), columns.begin(), columns.end());
  all.push_back("workload");
  all.insert(all.end(), metric_columns(model).begin(), metric_columns(model).end());
  return all;
}

std::string csv_header(const std::vector<std::string>& columns, bool model) {
  const std::vector<std::string> all = row_keys(columns, model);
  std::string out;
  for (size_t i = 0; i < all.size(); ++i) out += (i ? "," : "") + csv_field(Row(all[i]));
  return out + "\n";
}

std::string csv_line(const Row& row) {
  std::string out;
  bool first = true;
  for (const auto& item : row.items()) {
    out += (first ? "" : ",") + csv_field(item.value());
    first = false;
  }
  return out + "\n";
}

void sort_rows(std::vector<Row>& rows, const std::vector<std::string>& workloads) {
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < workloads.size(); ++i) order[workloads[i]] = i;
  auto key = [&](const Row& r) {
    auto it = order.find(r.at("workload").get<std::string>());
    return std::make_pair(r.at("point").get<uint64_t>(), it == order.end() ? workloads.size() : it->second);
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) { return key(a) < key(b); });
}

void write_tables(const std::string& dir, const std::vector<std::string>& columns, const std::vector<Row>& rows,
                  bool with_pareto, bool model, const std::string& meta_text) {
  std::string csv = csv_header(columns, model), jsonl;
  for (const auto& r : rows) {
    csv += csv_line(r);
    jsonl += r.dump() + "\n";
  }
  OutputFiles files;  // the tables and the record that describes them together, or none of them
  files.put("--out", dir + "/sweep.json", meta_text);
  files.put("--out", dir + "/points.csv", csv);
  files.put("--out", dir + "/points.jsonl", jsonl);
  if (with_pareto) {
    std::string pareto = csv_header(columns, model);
    for (const auto& r : pareto_front(rows)) pareto += csv_line(r);
    files.put("--out", dir + "/pareto.csv", pareto);
  }
  files.commit();
}

std::vector<Row> read_rows_jsonl(const std::string& path, const std::vector<std::string>& keys) {
  std::istringstream in(read_file(path));
  std::vector<Row> rows;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}", path, n);
    // The strict reader first: a duplicate key, nesting too deep to print, a number beyond a
    // double are input errors here (Row::parse would keep one duplicate, or fail internally).
    (void)config::parse_json_text(line, where);
    Row row = Row::parse(line);
    if (!row.is_object()) config::fail_at(where, "", "must be a sweep row (an object), got " + config::describe(row));
    // The CSV is written from each row's values in order, so a row holds exactly its sweep's
    // columns in the table's order: a hand-edited or foreign row would shift the columns.
    size_t i = 0;
    for (const auto& item : row.items()) {
      if (i == keys.size() || item.key() != keys[i])
        config::fail_at(where, "/" + config::pointer_escape(item.key()),
                        i == keys.size()
                            ? fmt::format("is not a column of its sweep (its sweep.json has {} columns)", keys.size())
                            : fmt::format("stands in column {}, where its sweep.json has \"{}\"", i + 1, keys[i]));
      ++i;
    }
    if (i != keys.size()) config::fail_at(where, "", fmt::format("lacks the column \"{}\" (and any after it)", keys[i]));
    if (!row.at("point").is_number_unsigned())
      config::fail_at(where, "/point", "must be a non-negative integer, got " + config::describe(row.at("point")));
    for (const char* key : {"workload", "status"})
      if (!row.at(key).is_string())
        config::fail_at(where, std::string("/") + key, "must be a string, got " + config::describe(row.at(key)));
    if (!row.at("report").is_string() && !row.at("report").is_null())
      config::fail_at(where, "/report", "must be a path or null, got " + config::describe(row.at("report")));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<Row> pareto_front(const std::vector<Row>& rows) {
  std::vector<const Row*> ok;
  for (const auto& r : rows)
    if (r.at("status") == "ok") ok.push_back(&r);
  std::vector<std::pair<const char*, double>> objectives;
  const bool model = !ok.empty() && ok.front()->contains("latency_s");
  for (const auto& o : model ? std::vector(std::begin(kModelObjectives), std::end(kModelObjectives))
                             : std::vector(std::begin(kObjectives), std::end(kObjectives)))
    if (!ok.empty() && std::all_of(ok.begin(), ok.end(), [&](const Row* r) { return r->at(o.first).is_number(); }))
      objectives.push_back(o);
  auto dominates = [&](const Row& a, const Row& b) {
    bool strictly = false;
    for (const auto& [o, sign] : objectives) {
      const double x = sign * a.at(o).get<double>(), y = sign * b.at(o).get<double>();
      if (x > y) return false;
      if (x < y) strictly = true;
    }
    return strictly;
  };
  std::vector<Row> front;
  for (const Row* r : ok) {
    bool dominated = false;
    for (const Row* other : ok)
      if (other != r && other->at("workload") == r->at("workload") && dominates(*other, *r)) {
        dominated = true;
        break;
      }
    if (!dominated) front.push_back(*r);
  }
  return front;
}

}  // namespace tpusim::sweep
