#include "sim/sweep/spec.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::sweep {

namespace {

using config::describe;
using config::fail_at;
using config::ObjectReader;
using nlohmann::json;

constexpr size_t kMaxAxisSteps = 100000;  // a range longer than this is a typo, not a sweep

/// Resolves `path` against the directory of `spec_file` unless it is absolute.
std::string resolve(const std::string& path, const std::string& spec_file) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (std::filesystem::path(spec_file).parent_path() / p).lexically_normal().string();
}

std::string read_pointer(const json& v, const std::string& file, const std::string& pointer) {
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>()[0] != '/')
    fail_at(file, pointer, "must be a JSON pointer into the architecture config such as \"/array/rows\", got " +
                               describe(v));
  const std::string s = v.get<std::string>();
  try {
    (void)json::json_pointer(s);
  } catch (const json::exception&) {
    fail_at(file, pointer, fmt::format("invalid JSON pointer \"{}\"", s));
  }
  return s;
}

/// Rejects keys outside `allowed` before reading, so the message lists every allowed key
/// (ObjectReader::finish only knows the keys that were read).
void check_keys(const ObjectReader& r, const json& obj, std::vector<std::string> allowed) {
  std::sort(allowed.begin(), allowed.end());
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (!std::binary_search(allowed.begin(), allowed.end(), it.key()))
      r.fail(it.key(), "unknown key; allowed: " + config::join(allowed));
}

bool is_whole(double d) { return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15; }

/// A number from a range object, written back as an integer when it is whole.
double range_number(ObjectReader& r, const std::string& key) {
  const json& v = r.raw(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    r.fail(key, "must be a number, got " + describe(v));
  return v.get<double>();
}

json number_value(double d, bool integers) {
  if (integers) return json(static_cast<int64_t>(std::llround(d)));
  return json(d);
}

std::vector<json> read_range(ObjectReader r, const json& obj) {
  std::vector<json> out;
  check_keys(r, obj, obj.contains("powers_of_two") && obj.at("powers_of_two") == true ? std::vector<std::string>{"start", "stop", "powers_of_two"}
                                                       : std::vector<std::string>{"start", "stop", "step", "powers_of_two"});
  const double start = range_number(r, "start");
  const double stop = range_number(r, "stop");
  if (r.boolean("powers_of_two", false)) {
    for (const char* key : {"start", "stop"}) {
      const uint64_t v = config::as_u64(r.raw(key), r.file(), r.pointer_of(key), 1, 1ULL << 62);
      if ((v & (v - 1)) != 0) r.fail(key, fmt::format("must be a power of two, got {}", v));
    }
    if (stop < start) r.fail("stop", fmt::format("must be at least start ({}), got {}", start, stop));
    for (uint64_t v = static_cast<uint64_t>(start); v <= static_cast<uint64_t>(stop); v *= 2) out.push_back(v);
    r.finish();
    return out;
  }
  const json& step_v = r.raw("step");
  if (!step_v.is_number() || !(step_v.get<double>() > 0) || !std::isfinite(step_v.get<double>()))
    r.fail("step", "must be a positive number, got " + describe(step_v));
  const double step = step_v.get<double>();
  // Whole-number ranges are swept as integers, computed in doubles: beyond 2^53 a double skips
  // integers and the values would wrap when written back as 64-bit integers.
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (r.raw("start").is_number_integer() && step_v.is_number_integer())
    for (const char* key : {"start", "stop"})
      if (std::fabs(r.raw(key).get<double>()) > kExact)
        r.fail(key, fmt::format("must be within +-2^53 (9007199254740992) in a whole-number range, where every "
                                "integer is exact, got {}", r.raw(key).dump()));
  r.finish();
  if (stop < start) r.fail("stop", fmt::format("must be at least start ({}), got {}", start, stop));
  const double count = std::floor((stop - start) / step + 1e-9) + 1;
  if (count > kMaxAxisSteps)
    fail_at(r.file(), r.pointer(), fmt::format("gives {} values; at most {} are allowed", count, kMaxAxisSteps));
  const bool integers = is_whole(start) && is_whole(step);
  // start + i * step rather than accumulating: no drift over long float ranges.
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) out.push_back(number_value(start + i * step, integers));
  return out;
}

Axis read_axis(ObjectReader r, const json& obj) {
  check_keys(r, obj, {"path", "paths", "values", "range"});
  Axis a;
  a.pointer = r.pointer();
  if (r.has("path") == r.has("paths"))
    fail_at(r.file(), r.pointer(), "needs exactly one of \"path\" or \"paths\"");
  if (r.has("path")) {
    a.paths.push_back(read_pointer(r.raw("path"), r.file(), r.pointer_of("path")));
  } else {
    const json& ps = r.raw("paths");
    if (!ps.is_array() || ps.empty())
      r.fail("paths", "must be a non-empty array of JSON pointers, got " + describe(ps));
    for (size_t i = 0; i < ps.size(); ++i)
      a.paths.push_back(read_pointer(ps[i], r.file(), r.pointer_of("paths") + "/" + std::to_string(i)));
  }
  if (r.has("values") == r.has("range"))
    fail_at(r.file(), r.pointer(), "needs exactly one of \"values\" or \"range\"");
  std::vector<json> values;
  std::string values_ptr;
  if (r.has("values")) {
    const json& vs = r.raw("values");
    values_ptr = r.pointer_of("values");
    if (!vs.is_array() || vs.empty()) r.fail("values", "must be a non-empty array, got " + describe(vs));
    values.assign(vs.begin(), vs.end());
  } else {
    values = read_range(ObjectReader(r.raw("range"), r.file(), r.pointer_of("range")), r.raw("range"));
    values_ptr = r.pointer_of("range");
  }
  r.finish();
  for (size_t i = 0; i < values.size(); ++i) {
    const json& v = values[i];
    const std::string ptr = values_ptr + "/" + std::to_string(i);
    if (v.is_null()) fail_at(r.file(), ptr, "must be a config value, got null");
    if (a.paths.size() > 1 && v.is_array()) {
      // A linked axis: an array gives one value per path; anything else applies to every path.
      if (v.size() != a.paths.size())
        fail_at(r.file(), ptr, fmt::format("must hold one value per path ({}), got {}", a.paths.size(), v.size()));
      a.steps.emplace_back(v.begin(), v.end());
    } else {
      a.steps.emplace_back(a.paths.size(), v);
    }
  }
  return a;
}

Constraints read_constraints(ObjectReader r, const json& obj) {
  check_keys(r, obj, {"max_total_sram_bytes", "max_pes", "require"});
  Constraints c;
  if (r.has("max_total_sram_bytes")) c.max_total_sram_bytes = r.u64("max_total_sram_bytes", 1, 1ULL << 50);
  if (r.has("max_pes")) c.max_pes = r.u64("max_pes", 1, 1ULL << 32);
  if (r.has("require")) {
    const json& req = r.raw("require");
    if (!req.is_array()) r.fail("require", "must be an array of expressions, got " + describe(req));
    for (size_t i = 0; i < req.size(); ++i) {
      const std::string ptr = r.pointer_of("require") + "/" + std::to_string(i);
      if (!req[i].is_string()) fail_at(r.file(), ptr, "must be an expression string, got " + describe(req[i]));
      c.require.push_back(parse_comparison(req[i].get<std::string>(), r.file(), ptr));
    }
  }
  r.finish();
  return c;
}

}  // namespace

bool is_scenario_path(const std::string& path) { return path.rfind(kScenarioPrefix, 0) == 0; }

std::vector<std::string> SweepSpec::columns() const {
  std::vector<std::string> out;
  for (const auto& a : axes) out.insert(out.end(), a.paths.begin(), a.paths.end());
  return out;
}

SweepSpec load_sweep_spec(const std::string& path) { return parse_sweep_spec(config::load_json_file(path), path); }

SweepSpec parse_sweep_spec(const json& doc, const std::string& file) {
  ObjectReader r(doc, file, "");
  check_keys(r, doc, {"name", "description", "arch", "workloads", "model", "scenario", "axes", "combine", "constraints",
                      "timeout_s"});
  SweepSpec s;
  s.file = file;
  s.name = r.string("name");
  // The name becomes a directory name (results/run-sweep-<name>): keep it to safe characters.
  if (s.name.empty() || s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
                            std::string::npos || s.name[0] == '.')
    r.fail("name", "must be letters, digits, '_', '-' or '.' (not first), got " + describe(r.raw("name")));
  s.description = r.string("description", "");
  s.arch_path = resolve(r.string("arch"), file);
  if (r.has("model") || r.has("scenario")) {
    // A model sweep: one model and scenario instead of workloads (sim/sweep/README.md).
    if (r.has("workloads")) r.fail("workloads", "not with \"model\" and \"scenario\" (a model sweep runs the scenario)");
    s.model_path = resolve(r.string("model"), file);
    s.workload_paths = {resolve(r.string("scenario"), file)};
    s.workload_labels = {std::filesystem::path(s.workload_paths[0]).stem().string()};
  } else {
    const json& ws = r.raw("workloads");
    const std::string ptr = r.pointer_of("workloads");
    if (!ws.is_array() || ws.empty()) r.fail("workloads", "must be a non-empty array of file paths, got " + describe(ws));
    std::set<std::string> labels;
    for (size_t i = 0; i < ws.size(); ++i) {
      const std::string p = ptr + "/" + std::to_string(i);
      if (!ws[i].is_string() || ws[i].get<std::string>().empty())
        fail_at(file, p, "must be a file path, got " + describe(ws[i]));
      const std::string resolved = resolve(ws[i].get<std::string>(), file);
      const std::string label = std::filesystem::path(resolved).stem().string();
      // The label is the `workload` column: two files with one stem would be indistinguishable.
      if (!labels.insert(label).second)
        fail_at(file, p, fmt::format("another workload is also named \"{}\" (file stems must differ)", label));
      s.workload_paths.push_back(resolved);
      s.workload_labels.push_back(label);
    }
  }
  {
    const json& axes = r.raw("axes");
    if (!axes.is_array()) r.fail("axes", "must be an array of axes, got " + describe(axes));
    std::set<std::string> seen;
    for (size_t i = 0; i < axes.size(); ++i) {
      const std::string ptr = r.pointer_of("axes") + "/" + std::to_string(i);
      s.axes.push_back(read_axis(ObjectReader(axes[i], file, ptr), axes[i]));
      for (const auto& path : s.axes.back().paths)
        if (!seen.insert(path).second) fail_at(file, ptr, fmt::format("\"{}\" is swept by an earlier axis", path));
    }
  }
  s.combine = r.enumeration("combine", s.combine);
  if (s.combine == Combine::zip) {
    for (size_t i = 1; i < s.axes.size(); ++i)
      if (s.axes[i].steps.size() != s.axes[0].steps.size())
        fail_at(file, s.axes[i].pointer,
                fmt::format("combine \"zip\" needs every axis to have {} values (as {}), got {}",
                            s.axes[0].steps.size(), s.axes[0].pointer, s.axes[i].steps.size()));
  }
  for (const Axis& a : s.axes)
    for (size_t p = 0; p < a.paths.size(); ++p)
      if (is_scenario_path(a.paths[p]) && !s.is_model())
        fail_at(file, a.pointer + (a.paths.size() > 1 ? "/paths/" + std::to_string(p) : "/path"),
                fmt::format("\"{}\" sets the scenario: only in a sweep with \"model\" and \"scenario\"", a.paths[p]));
  if (r.has("constraints")) s.constraints = read_constraints(ObjectReader(r.raw("constraints"), file, "/constraints"), r.raw("constraints"));
  s.timeout_s = r.number("timeout_s", 0.0, 1e7, 0.0);
  r.finish();
  return s;
}

}  // namespace tpusim::sweep
