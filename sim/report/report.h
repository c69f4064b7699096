#pragma once
/// Reports of a run: the typed figures derived once from the run's counters and the mapping
/// (make_report), and the writers that render them: report.json (schema version 1), layers.csv
/// and the console table. The writers only format; no writer reads another's output.
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/cycle_account.h"
#include "sim/energy/energy_table.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/metrics/metrics.h"
#include "sim/run/layer_result.h"

namespace tpusim::report {

constexpr int kSchemaVersion = 1;

using metrics::Roofline;

/// How busy the memory system was over a span (native timing): the DRAM data bus (counter
/// top.dram.bus_bytes at the configured bandwidth) and each buffer's ports
/// (top.<buffer>.port_busy_cycles), as cycles and as shares of the span.
struct MemoryBusy {
  double dram_busy_cycles = 0;
  double dram_bus_utilization = 0;                      ///< dram_busy_cycles / span cycles
  std::map<std::string, double> sram_port_utilization;  ///< by buffer: port_busy_cycles / span cycles
};

/// One layer: its counters (`result`), its mapping (`mapped`) and the figures derived from them.
struct LayerFigures {
  const LayerResult* result = nullptr;
  const mapper::MappedLayer* mapped = nullptr;
  double utilization = 0;  ///< executed MACs over the PEs' MAC slots in the layer's cycles, 0..1
  double seconds = 0;
  std::optional<Roofline> roofline;  ///< layers with MACs
  std::optional<MemoryBusy> busy;    ///< native timing: over the layer's span
  std::map<std::string, double> energy_breakdown_pj;
  double energy_pj = 0;
  double pj_per_mac = 0;
  double energy_delay_product_j_s = 0;
};

/// The whole run: sums over the layers (barrier mode: run back to back) or, in graph mode, the
/// makespan and its classes, and the figures derived from them.
struct TotalFigures {
  uint64_t cycles = 0, compute_cycles = 0, stall_cycles = 0, macs = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  CycleAccount breakdown;
  double executed_macs = 0, effective_macs = 0;
  double utilization = 0, seconds = 0, tops = 0;
  std::map<std::string, double> energy_breakdown_pj;
  double energy_pj = 0, pj_per_mac = 0, tops_per_w = 0, energy_delay_product_j_s = 0;
  std::map<std::string, double> area_breakdown_mm2;
  double area_mm2 = 0, tops_per_mm2 = 0, peak_tops_per_mm2 = 0;
  std::map<std::string, double> static_power_breakdown_mw;
  double average_power_w = 0;  ///< energy_pj over seconds (static power included)
  /// The chip's published envelope (/chip/power_*_w), when it has a maximum.
  std::optional<ChipConfig> power_envelope;
  metrics::Peak peak;
  /// Native timing: the run's counters (RunResult::total_counters) and the memory system's busy
  /// figures from them over the whole run (the makespan in graph mode).
  std::optional<MemoryBusy> busy;
};

/// Everything a writer needs. Refers to the mapping, energy table and run it was made from,
/// which must outlive it.
struct Report {
  const mapper::MappedWorkload* mapped = nullptr;
  const EnergyTable* energy = nullptr;
  const RunResult* run = nullptr;
  /// Indices into `run->counters` of the counters the report lists: every registry counter but
  /// the units' cycle classes (`top.<unit>.<class>_cycles`), which are `cycle_breakdown` (the
  /// matrix unit's in graph mode, the vector unit's for vector layers under the barrier); in
  /// graph mode the vector unit's class counters are not the ops' classes and not exact under
  /// the fast-forward, so repeating them would mislead.
  std::vector<size_t> listed_counters;
  std::vector<LayerFigures> layers;
  TotalFigures totals;
};

/// Derives every figure of a run (results in the mapped workload's order).
Report make_report(const mapper::MappedWorkload& mapped, const EnergyTable& energy, const RunResult& run);

/// report.json (see results/README.md).
nlohmann::json report_json(const Report& report);
/// report.json's /import: what an importer of a graph format made of each node (also the Python
/// API's load_workload, sim/python).
nlohmann::json import_json(const ImportRecord& record);
/// make_report, then report_json.
nlohmann::json build_report(const mapper::MappedWorkload& mapped, const EnergyTable& energy, const RunResult& run);

/// layers.csv: one row per layer.
std::string layers_csv(const Report& report);

/// The human summary: a per-layer table and totals.
void print_summary(std::ostream& out, const Report& report);

/// Writes `content` to `path` complete or not at all (tpusim::write_file_atomic, sim/base/file_io.h:
/// a temporary file beside it, fsync, rename; exit 2 naming the path when that fails).
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace tpusim::report
