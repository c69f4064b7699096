#include "sim/sweep/plan.h"

#include <map>
#include <optional>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/json_reader.h"
#include "sim/energy/energy_table.h"
#include "sim/importers/formats.h"
#include "sim/models/model_config.h"
#include "sim/models/scenario.h"
#include "sim/spec/system_spec.h"
#include "sim/sweep/constraints.h"

namespace tpusim::sweep {

namespace {

using nlohmann::json;

/// Axis step indices of combination `c` (product: the last axis varies fastest).
std::vector<size_t> steps_of(const SweepSpec& spec, uint64_t c) {
  std::vector<size_t> idx(spec.axes.size(), 0);
  if (spec.combine == Combine::zip) {
    for (auto& i : idx) i = static_cast<size_t>(c);
    return idx;
  }
  for (size_t a = spec.axes.size(); a-- > 0;) {
    const size_t n = spec.axes[a].steps.size();
    idx[a] = static_cast<size_t>(c % n);
    c /= n;
  }
  return idx;
}

uint64_t combination_count(const SweepSpec& spec, uint64_t max_points) {
  uint64_t n = 1;
  if (spec.combine == Combine::zip && !spec.axes.empty()) n = spec.axes[0].steps.size();
  // Checked after each factor: max_points <= 10^8 and an axis has at most 10^5 steps, so the
  // product never wraps 64 bits before it is refused.
  for (size_t i = 0; i < spec.axes.size() && spec.combine != Combine::zip; ++i) {
    n *= spec.axes[i].steps.size();
    if (n > max_points) break;
  }
  if (n > max_points)
    config::fail_at(spec.file, "/axes",
                    fmt::format("the axes give more than {} points, the limit (raise it with --max-points N, up to {})",
                                max_points, kMaxPointsCeiling));
  return n;
}

/// An axis path must name a key the config has (after defaults) or that the arch file sets.
void check_axis_paths(const SweepSpec& spec, const std::string& chip_path, const json& base_effective,
                      const json& base_doc) {
  for (const auto& axis : spec.axes)
    for (size_t p = 0; p < axis.paths.size(); ++p) {
      if (is_scenario_path(axis.paths[p])) continue;  // judged by the scenario's strict parse, per point
      const json::json_pointer jp(axis.paths[p]);
      if (!base_effective.contains(jp) && !base_doc.contains(jp))
        config::fail_at(spec.file, axis.pointer + (axis.paths.size() > 1 ? "/paths/" + std::to_string(p) : "/path"),
                        fmt::format("\"{}\" is not a key of the effective config of {}", axis.paths[p], chip_path));
    }
}

/// A model sweep's scenario axes, judged once before any point: each step of an axis (its paths'
/// values together) applied alone to the scenario file and strict-parsed as `run --scenario-set`
/// would. A pointer the scenario has no key for (a typo) or a value no scenario may take is then
/// one error naming the spec and the axis, not a failed row per point. Combinations of axes are
/// still judged per point (an invalid one is that row's error).
void check_scenario_axes(const SweepSpec& spec) {
  if (!spec.is_model()) return;
  const json base = config::load_json_file(spec.workload_paths[0]);
  for (const auto& axis : spec.axes)
    for (const auto& step : axis.steps) {
      json doc = base;
      std::string set;  // the step's scenario values, as the message shows them
      for (size_t p = 0; p < axis.paths.size(); ++p) {
        if (!is_scenario_path(axis.paths[p])) continue;
        const std::string pointer = axis.paths[p].substr(std::string(kScenarioPrefix).size() - 1);
        set += fmt::format("{}{}={}", set.empty() ? "" : ", ", axis.paths[p], step[p].dump());
        const std::string where = axis.pointer + (axis.paths.size() > 1 ? "/paths/" + std::to_string(p) : "/path");
        const std::string growth = config::pointer_growth_problem(doc, pointer);
        if (!growth.empty())
          config::fail_at(spec.file, where, fmt::format("\"{}\" in the scenario {}: {}", axis.paths[p],
                                                        spec.workload_paths[0], growth));
        try {
          doc[json::json_pointer(pointer)] = step[p];
        } catch (const json::exception&) {
          config::fail_at(spec.file, where, fmt::format("\"{}\" does not lead through objects in the scenario {}",
                                                        axis.paths[p], spec.workload_paths[0]));
        }
      }
      if (set.empty()) break;  // the axis sets the architecture only
      try {
        (void)models::parse_scenario(doc, spec.workload_paths[0]);
      } catch (const InputError& e) {
        config::fail_at(spec.file, axis.pointer + (axis.paths.size() > 1 ? "/paths" : "/path"),
                        fmt::format("{} does not make a valid scenario: {}", set, e.what()));
      }
    }
}

/// Parses one point's config and judges the constraints. Returns false when a constraint
/// leaves the point out; else sets `config_text`, what the point's key hashes: the effective
/// config and the energy table's text, or the invalid document and its error (then
/// `point.config_error` holds the error, and the row fails without running).
bool plan_point(const SweepSpec& spec, const std::string& chip_path, const json& base_doc, SweepPoint& point,
                std::map<std::string, std::string>& energy_text, std::string& config_text) {
  json doc = base_doc;
  std::optional<ArchConfig> arch;
  try {
    config::apply_overrides(doc, point.overrides);
    try {
      arch = config::parse_arch(doc, chip_path);
    } catch (const InputError& e) {
      config::rethrow_with_override_context(e, point.overrides);
    }
  } catch (const InputError& e) {
    point.config_error = e.what();  // constraints cannot be judged on an invalid config
  }
  std::string scenario_text;
  if (spec.is_model() && point.config_error.empty()) {
    // The scenario with the point's values, parsed as `tpusim run --scenario-set` would: an
    // invalid combination is the row's error.
    try {
      (void)models::load_scenario(spec.workload_paths[0], point.scenario_overrides);
      json sdoc = config::load_json_file(spec.workload_paths[0]);
      config::apply_overrides(sdoc, point.scenario_overrides);
      scenario_text = sdoc.dump();
    } catch (const InputError& e) {
      point.config_error = e.what();
    }
  }
  json effective;
  if (arch) {
    effective = config::to_json(*arch);
    // Outside the point's try: a constraint that cannot be evaluated (a key no config has, a
    // string compared with a number) is the spec's error, reported once, not once per row.
    if (!check_constraints(spec.constraints, effective, spec.file).empty()) return false;
  }
  try {
    if (!arch) throw InputError(point.config_error);
    try {
      config_text = effective.dump();
      const std::string energy_path = resolve_energy_table(arch->energy_table, arch->file);
      auto it = energy_text.find(energy_path);
      if (it == energy_text.end()) {
        std::string text;
        try {
          text = read_file(energy_path);
        } catch (const InputError&) {
          // The child run reports an unreadable table as the point's error.
        }
        it = energy_text.emplace(energy_path, text).first;
      }
      config_text += "\n" + it->second + "\n" + scenario_text;
    } catch (const InputError& e) {
      config::rethrow_with_override_context(e, point.overrides);
    }
  } catch (const InputError& e) {
    point.config_error = e.what();
    config_text = "invalid\n" + doc.dump() + "\n" + point.config_error;
  }
  return true;
}

}  // namespace

std::string hash_hex(const std::string& text) {
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
  for (unsigned char ch : text) {
    a = (a ^ ch) * 0x100000001b3ULL;
    b = (b ^ ch) * 0x100000001b3ULL;
    b ^= b >> 29;  // decorrelates the second lane from the first
  }
  return fmt::format("{:016x}{:016x}", a, b);
}

SweepPlan plan_sweep(const SweepSpec& spec, uint64_t max_points) {
  SweepPlan plan;
  plan.spec = spec;
  plan.columns = spec.columns();
  // The architecture in any format becomes the JSON document `tpusim run` builds from it
  // (sim/importers/formats.h), so overrides and keys work the same; the children get the file.
  // A model sweep may run on a system: its chip preset is what the arch axes set.
  std::string chip_path = spec.arch_path, system_text;
  if (spec.is_model() && config::is_system_document(config::load_json_file(spec.arch_path))) {
    const config::SystemSpec system = config::load_system_json(spec.arch_path);
    config::require_chip_file(system);
    chip_path = system.chip_path;
    system_text = read_file(spec.arch_path);
  }
  const json base_doc = importers::load_arch_document(chip_path);
  const json base_effective = config::to_json(config::parse_arch(base_doc, chip_path));
  check_axis_paths(spec, chip_path, base_effective, base_doc);

  // Workloads are judged before any point runs, by the loader `tpusim run` uses; their text
  // goes into the keys.
  std::vector<std::string> workload_text;
  if (spec.is_model()) {
    (void)models::load_model_config(spec.model_path);
    (void)models::load_scenario(spec.workload_paths[0]);
    check_scenario_axes(spec);
    // The point's scenario text goes into its config text (plan_point); here the model and system.
    workload_text.push_back(read_file(spec.model_path) + "\n" + system_text);
  } else {
    for (const auto& w : spec.workload_paths) {
      (void)importers::load_workload(w);
      workload_text.push_back(read_file(w));
    }
  }
  std::map<std::string, std::string> energy_text;  // by resolved path; "" when unreadable

  const uint64_t combinations = combination_count(spec, max_points);
  std::string id_text = fmt::format("{}\n", plan.columns.size());
  for (uint64_t c = 0; c < combinations; ++c) {
    SweepPoint point;
    const auto steps = steps_of(spec, c);
    for (size_t a = 0; a < spec.axes.size(); ++a)
      for (size_t p = 0; p < spec.axes[a].paths.size(); ++p) {
        const json& v = spec.axes[a].steps[steps[a]][p];
        point.values.push_back(v);
        config::Override o;
        const std::string& path = spec.axes[a].paths[p];
        const bool scenario = is_scenario_path(path);
        o.pointer = scenario ? path.substr(std::string(kScenarioPrefix).size() - 1) : path;
        o.value = v;
        o.text = o.pointer + "=" + v.dump();
        (scenario ? point.scenario_overrides : point.overrides).push_back(o);
      }
    std::string config_text;
    if (!plan_point(spec, chip_path, base_doc, point, energy_text, config_text)) {
      ++plan.excluded_points;
      continue;
    }
    point.index = plan.points.size();
    for (size_t w = 0; w < spec.workload_paths.size(); ++w) {
      SweepJob job;
      job.point = point.index;
      job.workload = w;
      job.row = point.index * spec.workload_paths.size() + w;
      job.key = hash_hex(fmt::format("tpusim-sweep-key 1\n{}\n{}\n{}", TPUSIM_VERSION, config_text, workload_text[w]));
      id_text += job.key + json(point.values).dump() + spec.workload_labels[w] + "\n";
      plan.jobs.push_back(job);
    }
    plan.points.push_back(std::move(point));
  }
  plan.sweep_id = hash_hex(id_text);
  return plan;
}

}  // namespace tpusim::sweep
