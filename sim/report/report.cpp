#include "sim/report/report.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/energy/area.h"
#include "sim/energy/energy_model.h"

namespace tpusim::report {

namespace {

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

/// The memory system's busy figures of a span from its counters (values in `infos`' order).
MemoryBusy memory_busy(const ArchConfig& arch, const std::vector<stats::CounterInfo>& infos,
                       const std::vector<uint64_t>& values, uint64_t span_cycles) {
  TPUSIM_ASSERT(values.size() == infos.size(), "counter values of another registry");
  const auto value = [&](const std::string& name) {
    for (size_t i = 0; i < infos.size(); ++i)
      if (infos[i].name == name) return values[i];
    throw InternalError("internal error: the registry has no counter " + name);
  };
  MemoryBusy b;
  b.dram_busy_cycles = metrics::dram_busy_cycles(arch, value("top.dram.bus_bytes"));
  b.dram_bus_utilization = metrics::busy_share(b.dram_busy_cycles, span_cycles);
  for (const auto& buf : arch.buffers)
    b.sram_port_utilization[buf.name] =
        metrics::busy_share(static_cast<double>(value("top." + buf.name + ".port_busy_cycles")), span_cycles);
  return b;
}

std::vector<size_t> listed_counters(const std::vector<stats::CounterInfo>& infos) {
  std::vector<size_t> listed;
  for (size_t i = 0; i < infos.size(); ++i) {
    bool cycle_class = false;
    for (size_t k = 0; k < kCycleClassCount; ++k) {
      const std::string suffix = "." + std::string(to_string(static_cast<CycleClass>(k))) + "_cycles";
      const std::string& n = infos[i].name;
      cycle_class |= n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
    if (!cycle_class) listed.push_back(i);
  }
  return listed;
}

/// A layer's counter values in the registry's order.
std::vector<uint64_t> counter_values(const LayerResult& r, const std::vector<stats::CounterInfo>& infos) {
  TPUSIM_ASSERT(r.counters.size() == infos.size(), "a layer carries every registry counter: " + r.name);
  std::vector<uint64_t> v;
  for (size_t i = 0; i < infos.size(); ++i) {
    TPUSIM_ASSERT(r.counters[i].first == infos[i].name, "layer counters are in registration order: " + r.name);
    v.push_back(r.counters[i].second);
  }
  return v;
}

LayerFigures layer_figures(const ArchConfig& arch, const EnergyTable& energy, const RunResult& run,
                           const LayerResult& r, const mapper::MappedLayer& m) {
  LayerFigures f;
  f.result = &r;
  f.mapped = &m;
  // Utilization counts the MAC slots the PEs executed (N:M-skipped zeros are not executed;
  // a PE packing p narrow MACs has p slots per cycle), so it stays within 0..1.
  f.utilization =
      r.utilization_override ? *r.utilization_override : metrics::utilization(arch, r.executed_macs, r.cycles);
  f.seconds = metrics::seconds(arch, r.cycles);
  if (r.macs > 0) f.roofline = metrics::roofline(arch, r.macs, r.dram_read_bytes + r.dram_write_bytes, r.cycles);
  if (!run.counters.empty()) f.busy = memory_busy(arch, run.counters, counter_values(r, run.counters), r.cycles);
  f.energy_breakdown_pj = layer_energy_pj(arch, energy, r);
  for (const auto& [k, v] : f.energy_breakdown_pj) f.energy_pj += v;
  f.pj_per_mac = ratio(f.energy_pj, double(r.macs));
  f.energy_delay_product_j_s = f.energy_pj * 1e-12 * f.seconds;
  return f;
}

/// The totals' derived figures, once the sums (or the makespan) are in.
void derive_totals(const ArchConfig& arch, const EnergyTable& energy, const RunResult& run, TotalFigures& t) {
  for (const auto& [k, v] : t.energy_breakdown_pj) t.energy_pj += v;
  t.peak = metrics::peak(arch);
  t.seconds = metrics::seconds(arch, t.cycles);
  t.utilization = metrics::utilization(arch, t.executed_macs, t.cycles);
  t.tops = metrics::tops(t.macs, t.seconds);
  t.pj_per_mac = ratio(t.energy_pj, double(t.macs));
  t.tops_per_w = ratio(2.0 * double(t.macs), t.energy_pj * 1e-12) / 1e12;  // ops per joule / 1e12
  t.energy_delay_product_j_s = t.energy_pj * 1e-12 * t.seconds;
  t.area_breakdown_mm2 = area_mm2(arch, energy);
  for (const auto& [k, v] : t.area_breakdown_mm2) t.area_mm2 += v;
  t.tops_per_mm2 = ratio(t.tops, t.area_mm2);
  t.peak_tops_per_mm2 = ratio(t.peak.tops, t.area_mm2);
  t.static_power_breakdown_mw = static_power_mw(arch, energy);
  t.average_power_w = ratio(t.energy_pj * 1e-12, t.seconds);
  if (arch.chip.power_max_w > 0) t.power_envelope = arch.chip;
  // Over the run's cycles: in graph mode the makespan, not the sum of the overlapping spans.
  if (!run.counters.empty()) t.busy = memory_busy(arch, run.counters, run.total_counters, t.cycles);
}

}  // namespace

Report make_report(const mapper::MappedWorkload& mapped, const EnergyTable& energy, const RunResult& run) {
  const ArchConfig& arch = mapped.arch();
  TPUSIM_ASSERT(run.layers.size() == mapped.size(), "a run has one result per mapped layer");
  Report rep;
  rep.mapped = &mapped;
  rep.energy = &energy;
  rep.run = &run;
  rep.listed_counters = listed_counters(run.counters);
  TotalFigures& t = rep.totals;
  for (size_t i = 0; i < run.layers.size(); ++i) {
    const LayerResult& r = run.layers[i];
    const mapper::MappedLayer& m = mapped.layer(i);
    TPUSIM_ASSERT(m.layer->name == r.name, "results are in the mapped workload's order: " + r.name);
    TPUSIM_ASSERT(r.breakdown.total() == r.cycles, "layer breakdown does not sum to its cycles: " + r.name);
    rep.layers.push_back(layer_figures(arch, energy, run, r, m));
    for (const auto& [k, v] : rep.layers.back().energy_breakdown_pj) t.energy_breakdown_pj[k] += v;
    t.cycles += r.cycles;
    t.compute_cycles += r.compute_cycles;
    t.stall_cycles += r.stall_cycles;
    t.macs += r.macs;
    t.dram_read_bytes += r.dram_read_bytes;
    t.dram_write_bytes += r.dram_write_bytes;
    t.breakdown += r.breakdown;
    t.executed_macs += r.executed_macs;
    t.effective_macs += r.effective_macs;
  }
  if (run.makespan_cycles) {
    // Ops overlapped: the run lasted its makespan, classed by the matrix unit; the static energy
    // is paid once over it (each op's own figure covers its span).
    t.cycles = *run.makespan_cycles;
    t.breakdown = *run.total_breakdown;
    t.stall_cycles = t.breakdown.stalls();
    t.compute_cycles = t.breakdown[CycleClass::useful_mac] + t.breakdown[CycleClass::unused_mac] +
                       t.breakdown[CycleClass::weight_shift] + t.breakdown[CycleClass::non_matrix];
    double static_mw = 0;
    for (const auto& [k, mw] : static_power_mw(arch, energy)) static_mw += mw;
    t.energy_breakdown_pj["static"] = static_mw * 1e-3 * (double(t.cycles) / (arch.clock_mhz * 1e6)) * 1e12;
  }
  derive_totals(arch, energy, run, t);
  return rep;
}

nlohmann::json build_report(const mapper::MappedWorkload& mapped, const EnergyTable& energy, const RunResult& run) {
  return report_json(make_report(mapped, energy, run));
}

void write_file_atomic(const std::string& path, const std::string& content) { tpusim::write_file_atomic(path, content); }

}  // namespace tpusim::report
