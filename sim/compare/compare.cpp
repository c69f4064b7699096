#include "sim/compare/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/one_line.h"
#include "sim/spec/json_parse.h"

namespace tpusim::compare {

using nlohmann::json;

namespace {

constexpr size_t kMaxNamed = 5;  // names listed in a "missing rows" message before "..."

/// `"a", "b", "c" and 2 more`
std::string name_list(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < kMaxNamed; ++i) s += (i ? ", " : "") + fmt::format("\"{}\"", names[i]);
  if (names.size() > kMaxNamed) s += fmt::format(" and {} more", names.size() - kMaxNamed);
  return s;
}

/// Keys of `a` that `b` lacks, in `a`'s order.
std::vector<std::string> missing_keys(const Table& a, const Table& b) {
  std::vector<std::string> out;
  for (const auto& r : a.rows)
    if (b.find(r.key) == std::string::npos) out.push_back(r.key);
  return out;
}

void check_comparable(const Table& base, const Table& current) {
  if (base.kind != current.kind)
    throw InputError(fmt::format("cannot compare a {} ({}) with a {} ({})", to_string(base.kind), base.path,
                                 to_string(current.kind), current.path));
  if (base.identity != current.identity)
    throw InputError(fmt::format("workloads differ: {} has \"{}\", {} has \"{}\"", base.path, base.identity,
                                 current.path, current.identity));
  const auto missing = missing_keys(base, current), extra = missing_keys(current, base);
  if (missing.empty() && extra.empty()) return;
  std::string msg = fmt::format("{}s differ:", base.row_noun);
  if (!missing.empty()) msg += fmt::format(" missing from {}: {}", current.path, name_list(missing));
  if (!missing.empty() && !extra.empty()) msg += ";";
  if (!extra.empty()) msg += fmt::format(" not in {}: {}", base.path, name_list(extra));
  throw InputError(msg);
}

/// The metrics to compare: the defaults, plus every metric the tolerance file names.
std::vector<std::string> metrics_to_compare(const Table& base, const Table& current, const Tolerances& tol) {
  std::vector<std::string> metrics = kDefaultMetrics;
  for (const auto& [name, t] : tol.by_metric) {
    (void)t;
    const std::string metric = name.rfind("totals.", 0) == 0 ? name.substr(7) : name;
    bool known = false;
    for (const Table* table : {&base, &current})
      for (const auto& r : table->rows) known |= r.metrics.count(metric) > 0;
    if (!known)
      throw InputError(fmt::format("{}: /{}: no such metric in {} or {}", tol.path, name, base.path, current.path));
    if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) metrics.push_back(metric);
  }
  return metrics;
}

/// Size of a change as |ln(current / base)|, so that x6.5 and /6.5 rank alike (cycles that fall
/// by 85 % as utilization rises by 550 %); infinite from or to 0 or across a change of sign.
double magnitude(const Change& c) {
  const double b = c.base.number, cur = c.current.number;
  if (b == 0.0 || cur == 0.0 || (b < 0) != (cur < 0)) return std::numeric_limits<double>::infinity();
  return std::fabs(std::log(cur / b));
}

/// Position of a metric among the defaults (cycles first); others after them.
size_t metric_rank(const std::string& metric) {
  return std::find(kDefaultMetrics.begin(), kDefaultMetrics.end(), metric) - kDefaultMetrics.begin();
}

/// Ranks changes: beyond tolerance first, then text changes (a point's status first), then by
/// size; changes of the same size (within rounding) by metric, cycles first.
bool worse(const Change& a, const Change& b) {
  if (a.within_tolerance != b.within_tolerance) return !a.within_tolerance;
  if (a.is_label() != b.is_label()) return a.is_label();
  if ((a.metric == "status") != (b.metric == "status")) return a.metric == "status";  // why a point changed
  const double ma = magnitude(a), mb = magnitude(b);
  if (!(std::isinf(ma) && std::isinf(mb)) && std::fabs(ma - mb) > 1e-9 * std::max(ma, mb)) return ma > mb;
  if (metric_rank(a.metric) != metric_rank(b.metric)) return metric_rank(a.metric) < metric_rank(b.metric);
  const double da = std::fabs(a.delta()), db = std::fabs(b.delta());
  if (da != db) return da > db;
  if (a.row != b.row) return a.row < b.row;
  return a.metric < b.metric;
}

/// "/array/rows: 32 -> 64" for each differing leaf of two arch configs, at most a few.
std::vector<std::string> arch_differences(const std::string& base_json, const std::string& current_json) {
  if (base_json.empty() || current_json.empty() || base_json == current_json) return {};
  const json a = json::parse(base_json), b = json::parse(current_json);
  std::vector<std::string> out;
  constexpr size_t kMaxNotes = 8, kMaxValueChars = 60;
  auto shown = [](const json& doc, const json::json_pointer& p) {
    if (!doc.contains(p)) return std::string("(none)");
    std::string s = doc.at(p).dump();
    return s.size() <= kMaxValueChars ? s : s.substr(0, kMaxValueChars - 3) + "...";
  };
  const json patch = json::diff(a, b);
  for (const auto& op : patch) {
    if (out.size() == kMaxNotes) {
      out.push_back(fmt::format("{} more places", patch.size() - kMaxNotes));
      break;
    }
    const std::string ptr = op["path"].get<std::string>();
    const json::json_pointer p(ptr);
    out.push_back(fmt::format("{}: {} -> {}", ptr, shown(a, p), shown(b, p)));
  }
  return out;
}

}  // namespace

double Change::delta_rel() const {
  if (is_label()) return 0.0;
  const double d = delta();
  if (d == 0.0) return 0.0;
  if (base.number == 0.0) return d > 0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  return d / std::fabs(base.number);
}

size_t Result::beyond_tolerance() const {
  return std::count_if(changes.begin(), changes.end(), [](const Change& c) { return !c.within_tolerance; });
}

std::string Result::verdict() const {
  const size_t bad = beyond_tolerance();
  const size_t within = changes.size() - bad;
  const std::string what = fmt::format("{} values compared over {} {}", compared, rows, rows == 1 ? "row" : "rows");
  if (bad == 0) {
    if (changes.empty()) return fmt::format("PASS: {}, none changed", what);
    return fmt::format("PASS: {}, {} changed within tolerance", what, within);
  }
  const Change& w = changes.front();
  std::string worst;
  if (w.is_label()) worst = fmt::format("{} {} \"{}\" -> \"{}\"", w.row, w.metric, w.base_text, w.current_text);
  else if (std::isinf(w.delta_rel())) worst = fmt::format("{} {} {:+.6g} (from 0)", w.row, w.metric, w.delta());
  else worst = fmt::format("{} {} {:+.6g} ({:+.4g}%)", w.row, w.metric, w.delta(), 100.0 * w.delta_rel());
  return fmt::format("FAIL: {} of {} beyond tolerance, worst {}{}", bad, what, worst,
                     within ? fmt::format("; {} more changed within tolerance", within) : std::string());
}

static Tolerances load_tolerances_quoting(const std::string& path) {
  const std::string text = read_file(path);
  json j;
  try {
    j = config::parse_json_strict(text, path);  // bounded depth, numbers in range, no duplicate keys
  } catch (const json::parse_error& e) {
    const std::string what = e.what();  // without nlohmann's "[json.exception.parse_error.101] "
    throw InputError(fmt::format("{}: not a complete JSON document (truncated?): {}", path,
                                 what.substr(what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2)));
  }
  if (!j.is_object())
    throw InputError(fmt::format("{}: expected an object {{\"<metric>\": {{\"abs\": x, \"rel\": y}}}}, got {}", path,
                                 j.type_name()));
  Tolerances t;
  t.path = path;
  for (const auto& [metric, entry] : j.items()) {
    if (!entry.is_object())
      throw InputError(fmt::format("{}: /{}: expected an object {{\"abs\": x, \"rel\": y}}, got {}", path, metric,
                                   entry.type_name()));
    Tolerance tol;
    for (const auto& [key, v] : entry.items()) {
      if (key != "abs" && key != "rel")
        throw InputError(fmt::format("{}: /{}/{}: unknown key; allowed: abs, rel", path, metric, key));
      if (!v.is_number() || v.get<double>() < 0 || !std::isfinite(v.get<double>()))
        throw InputError(fmt::format("{}: /{}/{}: must be a non-negative number, got {}", path, metric, key, v.dump()));
      (key == "abs" ? tol.abs : tol.rel) = v.get<double>();
    }
    t.by_metric[metric] = tol;
  }
  return t;
}

Tolerance tolerance_for(const Options& options, const std::string& row_key, const std::string& metric, bool integral) {
  const auto& named = options.tolerances.by_metric;
  if (row_key == kTotalsKey) {
    const auto it = named.find("totals." + metric);
    if (it != named.end()) return it->second;
  }
  const auto it = named.find(metric);
  if (it != named.end()) return it->second;
  return Tolerance{0.0, integral ? options.rtol : std::max(options.rtol, kFloatRtol)};
}

static Result compare_tables_quoting(const Table& base, const Table& current, const Options& options) {
  check_comparable(base, current);
  Result result;
  result.base_path = base.path;
  result.current_path = current.path;
  result.kind = base.kind;
  result.identity = base.identity;
  result.rows = base.rows.size();
  for (const auto& d : arch_differences(base.arch_json, current.arch_json)) result.notes.push_back("arch differs at " + d);

  const auto metrics = metrics_to_compare(base, current, options.tolerances);
  for (const auto& b : base.rows) {
    const Row& c = current.rows[current.find(b.key)];
    for (const auto& metric : metrics) {
      const auto bi = b.metrics.find(metric), ci = c.metrics.find(metric);
      if (bi == b.metrics.end() && ci == c.metrics.end()) continue;  // e.g. a point that failed
      if (bi == b.metrics.end() || ci == c.metrics.end()) {
        // A sweep point that failed has no metrics (its status says why); a report written by
        // another version may lack a field. Either way the numbers changed: shown as "(none)".
        Change ch;
        ch.row = b.key;
        ch.metric = metric;
        ch.base_text = bi == b.metrics.end() ? "(none)" : fmt::format("{:.9g}", bi->second.number);
        ch.current_text = ci == c.metrics.end() ? "(none)" : fmt::format("{:.9g}", ci->second.number);
        ch.within_tolerance = false;
        ++result.compared;
        result.changes.push_back(ch);
        continue;
      }
      Change ch;
      ch.row = b.key;
      ch.metric = metric;
      ch.base = bi->second;
      ch.current = ci->second;
      ch.tolerance = tolerance_for(options, b.key, metric, bi->second.integral && ci->second.integral);
      ++result.compared;
      if (ch.delta() == 0.0) continue;
      const double allowed = std::max(ch.tolerance.abs, ch.tolerance.rel * std::fabs(ch.base.number));
      ch.within_tolerance = std::fabs(ch.delta()) <= allowed;
      result.changes.push_back(ch);
    }
    std::set<std::string> labels;
    for (const Row* r : {&b, &c})
      for (const auto& kv : r->labels) labels.insert(kv.first);
    for (const auto& label : labels) {
      const auto bi = b.labels.find(label), ci = c.labels.find(label);
      const std::string bt = bi == b.labels.end() ? "(none)" : bi->second.empty() ? "(empty)" : bi->second;
      const std::string ct = ci == c.labels.end() ? "(none)" : ci->second.empty() ? "(empty)" : ci->second;
      ++result.compared;
      if (bt == ct) continue;
      Change ch;
      ch.row = b.key;
      ch.metric = label;
      ch.base_text = bt;
      ch.current_text = ct;
      ch.within_tolerance = false;  // a point that now fails (or now runs) is always reported
      result.changes.push_back(ch);
    }
  }
  std::stable_sort(result.changes.begin(), result.changes.end(), worse);
  return result;
}

// The messages quote row keys, metric names and files' text, which may hold anything: each entry
// point's errors leave on one line, in valid UTF-8 (fuzz_compare: a row key with a newline).
Tolerances load_tolerances(const std::string& path) {
  return with_one_line_errors([&] { return load_tolerances_quoting(path); });
}
Result compare_tables(const Table& base, const Table& current, const Options& options) {
  return with_one_line_errors([&] { return compare_tables_quoting(base, current, options); });
}

}  // namespace tpusim::compare
