#include "sim/sweep/choose.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/energy/area.h"
#include "sim/energy/energy_table.h"
#include "sim/importers/formats.h"
#include "sim/report/report.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/system_spec.h"
#include "sim/sweep/child_output.h"
#include "sim/sweep/process_pool.h"

namespace tpusim::sweep {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

double num(const json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0; }
double share(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

/// Compute, memory and dependency shares of a workload run from its cycle classes
/// (sim/base/cycle_account.h); what is left is idle.
void workload_shares(const json& breakdown, ChooseRow& row) {
  double total = 0;
  for (const auto& [k, v] : breakdown.items()) total += v.get<double>();
  row.compute_share = share(num(breakdown, "useful_mac") + num(breakdown, "unused_mac") +
                                num(breakdown, "weight_shift") + num(breakdown, "non_matrix"), total);
  row.memory_share =
      share(num(breakdown, "weight_stall") + num(breakdown, "input_stall") + num(breakdown, "output_stall"), total);
  row.dependency_share = share(num(breakdown, "raw_stall"), total);
}

void set_bound(ChooseRow& row) {
  const std::pair<const char*, double> parts[] = {{"compute", row.compute_share},
                                                  {"memory", row.memory_share},
                                                  {"dependency", row.dependency_share},
                                                  {"interconnect", row.interconnect_share}};
  double best = -1;
  for (const auto& [name, s] : parts)
    if (s > best) {  // ties go to the earlier: compute first
      best = s;
      row.bound = name;
    }
}

std::string stem_of(const std::string& path) { return fs::path(path).stem().string(); }

/// The area the report states (sim/energy/area.h), or none for an FPGA design.
std::optional<double> area_of(const ArchConfig& arch) {
  if (arch.fpga) return std::nullopt;
  const EnergyTable table = load_energy_table(resolve_energy_table(arch.energy_table, arch.file));
  double a = 0;
  for (const auto& [k, v] : area_mm2(arch, table)) a += v;
  return a;
}

void check_limits(const ChooseOptions& o) {
  auto positive = [](const char* opt, const std::optional<double>& v) {
    if (v && !(std::isfinite(*v) && *v > 0))
      throw InputError(fmt::format("--{}: must be a positive number, got {}", opt, *v));
  };
  positive("max-latency-ms", o.max_latency_ms);
  positive("max-power-w", o.max_power_w);
  positive("max-area-mm2", o.max_area_mm2);
  positive("max-energy-mj", o.max_energy_mj);
  if (o.archs.empty()) throw InputError("--arch: give at least one architecture (repeat --arch or list them)");
  if (o.workload.empty() == o.model.empty())
    throw InputError("--workload / --model: give a workload, or a model with a scenario, not both");
  if (o.model.empty() != o.scenario.empty()) throw InputError("--model: needs --scenario (and --scenario --model)");
  if (o.jobs == 0) throw InputError("--jobs 0: must be at least 1");
}

void mark_violations(const ChooseOptions& o, ChooseRow& row) {
  if (row.status != "ok") return;
  if (o.max_latency_ms && row.latency_ms > *o.max_latency_ms) row.violates.push_back("latency");
  if (o.max_power_w && row.average_power_w > *o.max_power_w) row.violates.push_back("power");
  if (o.max_area_mm2 && row.area_mm2 && *row.area_mm2 > *o.max_area_mm2) row.violates.push_back("area");
  if (o.max_energy_mj && row.energy_per_inference_mj > *o.max_energy_mj) row.violates.push_back("energy");
}

std::vector<std::string> child_argv(const ChooseOptions& o, const std::string& arch, const fs::path& dir) {
  std::vector<std::string> argv = {o.executable, "run", "--arch", arch};
  if (!o.workload.empty())
    argv.insert(argv.end(), {"--workload", o.workload});
  else
    argv.insert(argv.end(), {"--model", o.model, "--scenario", o.scenario});
  argv.insert(argv.end(), {"--out", dir.string(), "-q"});
  return argv;
}

/// Runs the children, at most o.jobs at once, and fills each row from its report.
void run_children(const ChooseOptions& o, const std::vector<fs::path>& dirs, std::vector<ChooseRow>& rows) {
  ProcessPool pool(o.jobs);
  size_t next = 0;
  while (next < rows.size() || pool.running() > 0) {
    while (!pool.full() && next < rows.size()) {
      fs::create_directories(dirs[next]);
      for (const char* stale : {"report.json", "layers.csv"}) fs::remove(dirs[next] / stale);
      ProcessTask task;
      task.id = next;
      task.argv = child_argv(o, rows[next].arch_file, dirs[next]);
      task.stderr_path = (dirs[next] / "stderr.txt").string();
      task.timeout_s = o.timeout_s;
      pool.start(task);
      ++next;
    }
    const auto done = pool.wait_one();
    if (!done) continue;
    ChooseRow& row = rows[done->id];
    const fs::path& dir = dirs[done->id];
    const auto report = read_json_if_valid(dir / "report.json");
    if (done->exit_code == 0 && report) {
      ChooseRow r = row_from_report(*report);
      r.arch_file = row.arch_file;
      r.area_mm2 = row.area_mm2;
      r.report = (dir / "report.json").string();
      row = std::move(r);
      continue;
    }
    row.status = "failed";
    const std::string err = last_error_line((dir / "stderr.txt").string());
    row.error = done->timed_out ? fmt::format("timeout after {} s", o.timeout_s)
                : !err.empty()  ? err
                                : fmt::format("exit code {}", done->exit_code);
  }
}

std::string csv_number(double v) { return fmt::format("{}", v); }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

void write_outputs(const ChooseOptions& o, const ChooseResult& res) {
  std::string csv =
      "arch,name,status,latency_ms,throughput_per_s,throughput_unit,energy_per_inference_mj,tops_per_w,"
      "average_power_w,area_mm2,utilization,bound,compute_share,memory_share,dependency_share,interconnect_share,"
      "violates,error,report\n";
  json rows = json::array();
  for (const auto& r : res.rows) {
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(r.arch_file),
                       csv_field(r.name), r.status, csv_number(r.latency_ms), csv_number(r.throughput_per_s),
                       res.throughput_unit, csv_number(r.energy_per_inference_mj), csv_number(r.tops_per_w),
                       csv_number(r.average_power_w), r.area_mm2 ? csv_number(*r.area_mm2) : "",
                       csv_number(r.utilization), r.bound, csv_number(r.compute_share), csv_number(r.memory_share),
                       csv_number(r.dependency_share), csv_number(r.interconnect_share), join(r.violates, ";"),
                       csv_field(r.error), csv_field(r.report));
    json row = {{"arch", r.arch_file}, {"name", r.name}, {"status", r.status}, {"error", r.error},
                {"latency_ms", r.latency_ms}, {"throughput_per_s", r.throughput_per_s},
                {"energy_per_inference_mj", r.energy_per_inference_mj}, {"tops_per_w", r.tops_per_w},
                {"average_power_w", r.average_power_w}, {"utilization", r.utilization}, {"bound", r.bound},
                {"compute_share", r.compute_share}, {"memory_share", r.memory_share},
                {"dependency_share", r.dependency_share}, {"interconnect_share", r.interconnect_share},
                {"violates", r.violates}, {"report", r.report}};
    if (r.area_mm2) row["area_mm2"] = *r.area_mm2;  // left out for an FPGA design (no area)
    rows.push_back(std::move(row));
  }
  // Only the limits that were given.
  json limits = json::object();
  const std::pair<const char*, const std::optional<double>*> given[] = {{"max_latency_ms", &o.max_latency_ms},
                                                                        {"max_power_w", &o.max_power_w},
                                                                        {"max_area_mm2", &o.max_area_mm2},
                                                                        {"max_energy_mj", &o.max_energy_mj}};
  for (const auto& [key, v] : given)
    if (*v) limits[key] = **v;
  json meta = {{"workload", o.workload}, {"model", o.model}, {"scenario", o.scenario},
               {"throughput_unit", res.throughput_unit}, {"limits", limits}, {"rows", rows}};
  report::write_file_atomic((fs::path(o.out_dir) / "choose.csv").string(), csv);
  report::write_file_atomic((fs::path(o.out_dir) / "choose.json").string(), meta.dump(2) + "\n");
}

}  // namespace

ChooseRow row_from_report(const json& rep) {
  ChooseRow row;
  row.name = rep.at("arch").value("name", "");
  const json& t = rep.at("totals");
  const double seconds = num(t, "seconds");
  const double energy_j = num(t, "energy_pj") * 1e-12;
  if (rep.value("kind", "") == "model") {
    const std::string kind = rep.at("scenario").value("kind", "");
    const bool per_token = kind == "decode" || kind == "request";
    row.latency_ms = 1e3 * (per_token ? num(t, "time_per_output_token_s") : seconds);
    row.throughput_per_s = num(t, "tokens_per_s");
    // On a system, the whole system's energy (every chip, the links, waiting chips' static power):
    // the model's MACs are the whole model's.
    const double system_j = t.contains("system_energy_pj") ? num(t, "system_energy_pj") * 1e-12 : energy_j;
    row.energy_per_inference_mj = 1e3 * num(t, "energy_per_token_j");
    row.tops_per_w = share(2.0 * num(t, "model_macs"), system_j) / 1e12;
    row.average_power_w = share(system_j, seconds);
    row.utilization = num(t, "mfu");
    row.compute_share = share(num(t, "compute_s"), seconds);
    row.memory_share = share(num(t, "memory_stall_s"), seconds);
    row.interconnect_share = share(num(t, "communication_s"), seconds);
  } else {
    const double batch = std::max(1.0, rep.at("workload").value("batch", 1.0));
    row.latency_ms = 1e3 * seconds;
    row.throughput_per_s = share(batch, seconds);
    row.energy_per_inference_mj = 1e3 * energy_j / batch;
    row.tops_per_w = num(t, "tops_per_w");
    row.average_power_w = num(t, "average_power_w");
    row.utilization = num(t, "utilization");
    workload_shares(t.at("cycle_breakdown"), row);
  }
  set_bound(row);
  return row;
}

ChooseResult run_choose(const ChooseOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  check_limits(o);
  ChooseResult res;
  res.throughput_unit = o.workload.empty() ? "tokens/s" : "inferences/s";
  // Everything that can be checked here is, before any child runs: each architecture loads
  // (with its energy table) and the workload does.
  if (!o.workload.empty()) (void)importers::load_workload(o.workload);
  for (const std::string& path : {o.model, o.scenario})
    if (!path.empty() && !std::ifstream(path)) throw InputError(fmt::format("{}: cannot read file", path));
  std::vector<fs::path> dirs;
  for (size_t i = 0; i < o.archs.size(); ++i) {
    ChooseRow row;
    row.arch_file = o.archs[i];
    if (config::is_system_document(config::load_json_file(o.archs[i]))) {
      // A system of chips (an LLM run on it): its chip loads too; the area is every chip's.
      const config::SystemSpec sys = config::load_system_json(o.archs[i]);
      const ArchConfig chip = importers::load_arch(sys.chip_path);
      row.name = sys.name;
      if (const auto a = area_of(chip)) row.area_mm2 = *a * static_cast<double>(sys.chips);
    } else {
      const ArchConfig arch = importers::load_arch(o.archs[i]);
      row.name = arch.name;
      row.area_mm2 = area_of(arch);
    }
    res.rows.push_back(std::move(row));
    dirs.push_back(fs::path(o.out_dir) / "runs" / fmt::format("{}-{}", i, stem_of(o.archs[i])));
  }
  std::error_code ec;
  fs::create_directories(fs::path(o.out_dir) / "runs", ec);
  if (ec) throw InputError(fmt::format("--out {}: cannot create directory", o.out_dir));
  run_children(o, dirs, res.rows);
  for (auto& row : res.rows) mark_violations(o, row);
  write_outputs(o, res);
  res.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

std::string choose_markdown(const ChooseOptions& o, const ChooseResult& res) {
  std::string s = fmt::format(
      "| arch | latency ms | {} | energy/inference mJ | TOPS/W | power W | area mm^2 | utilization | bound "
      "(compute/memory/dependency/interconnect %) | violates |\n|---|---|---|---|---|---|---|---|---|---|\n",
      res.throughput_unit);
  for (const auto& r : res.rows) {
    if (r.status != "ok") {
      s += fmt::format("| {} | failed: {} | | | | | | | | |\n", stem_of(r.arch_file), r.error);
      continue;
    }
    s += fmt::format("| {} | {:.4g} | {:.4g} | {:.4g} | {:.3g} | {:.3g} | {} | {:.1f} % | {} ({:.0f}/{:.0f}/{:.0f}/{:.0f}) | {} |\n",
                     stem_of(r.arch_file), r.latency_ms, r.throughput_per_s, r.energy_per_inference_mj, r.tops_per_w,
                     r.average_power_w, r.area_mm2 ? fmt::format("{:.4g}", *r.area_mm2) : std::string("n/a (FPGA)"),
                     100 * r.utilization, r.bound, 100 * r.compute_share, 100 * r.memory_share,
                     100 * r.dependency_share, 100 * r.interconnect_share,
                     r.violates.empty() ? std::string("-") : "**" + join(r.violates, ", ") + "**");
  }
  std::string limits;
  if (o.max_latency_ms) limits += fmt::format(" latency <= {} ms", *o.max_latency_ms);
  if (o.max_power_w) limits += fmt::format(" power <= {} W", *o.max_power_w);
  if (o.max_area_mm2) limits += fmt::format(" area <= {} mm^2", *o.max_area_mm2);
  if (o.max_energy_mj) limits += fmt::format(" energy <= {} mJ per inference", *o.max_energy_mj);
  if (!limits.empty()) s += "\nConstraints:" + limits + "\n";
  return s;
}

}  // namespace tpusim::sweep
