// layers.csv and the console summary, rendered from the typed report.
#include <fmt/format.h>

#include "sim/report/report.h"

namespace tpusim::report {

namespace {

std::string gemm_shape(const LayerResult& r) {
  if (!is_matrix_op(r.op)) return "-";
  std::string s = fmt::format("{}x{}x{}", r.gemm.m, r.gemm.n, r.gemm.k);
  if (r.gemm.count > 1) s += fmt::format(" (x{})", r.gemm.count);
  return s;
}

/// Layer names are written as given; quoted when they hold CSV metacharacters.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string q = "\"";
  for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

double stall_pct(uint64_t stall_cycles, uint64_t cycles) {
  return cycles > 0 ? 100.0 * stall_cycles / double(cycles) : 0.0;
}

}  // namespace

std::string layers_csv(const Report& rep) {
  std::string out = "name,op,m,n,k,count,cycles,compute_cycles,stall_cycles,macs,utilization,mapping_efficiency,"
                    "dram_read_bytes,dram_write_bytes,energy_pj";
  for (size_t i = 0; i < kCycleClassCount; ++i) out += std::string(",") + to_string(static_cast<CycleClass>(i)) + "_cycles";
  out += "\n";
  for (const LayerFigures& f : rep.layers) {
    const LayerResult& r = *f.result;
    const bool g = is_matrix_op(r.op);
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{:.9g},{:.9g},{},{},{:.9g}", csv_field(r.name), to_string(r.op),
                       g ? r.gemm.m : 0, g ? r.gemm.n : 0, g ? r.gemm.k : 0, g ? r.gemm.count : 0, r.cycles,
                       r.compute_cycles, r.stall_cycles, r.macs, f.utilization, r.mapping_efficiency, r.dram_read_bytes,
                       r.dram_write_bytes, f.energy_pj);
    for (size_t i = 0; i < kCycleClassCount; ++i) out += "," + std::to_string(r.breakdown.cycles[i]);
    out += "\n";
  }
  return out;
}

void print_summary(std::ostream& out, const Report& rep) {
  const ArchConfig& arch = rep.mapped->arch();
  out << fmt::format("tpusim {} | arch {} ({}x{} {}, {} MHz, {}) | workload {}\n", TPUSIM_VERSION, arch.name,
                     arch.array.rows, arch.array.cols, to_string(arch.array.dataflow), arch.clock_mhz,
                     to_string(arch.timing), rep.mapped->workload().name);
  const std::string header = fmt::format("{:<24} {:<14} {:>24} {:>14} {:>7} {:>7} {:>12}\n", "layer", "op",
                                         "GEMM MxNxK", "cycles", "util%", "stall%", "energy uJ");
  out << header << std::string(header.size() - 1, '-') << "\n";
  for (const LayerFigures& f : rep.layers) {
    const LayerResult& r = *f.result;
    out << fmt::format("{:<24} {:<14} {:>24} {:>14} {:>7.2f} {:>7.2f} {:>12.3f}\n", r.name, to_string(r.op),
                       gemm_shape(r), r.cycles, 100.0 * f.utilization, stall_pct(r.stall_cycles, r.cycles),
                       f.energy_pj * 1e-6);
  }
  const TotalFigures& t = rep.totals;
  out << std::string(header.size() - 1, '-') << "\n";
  out << fmt::format("{:<24} {:<14} {:>24} {:>14} {:>7.2f} {:>7.2f} {:>12.3f}\n", "total",
                     fmt::format("{} layers", rep.layers.size()), fmt::format("{} MACs", t.macs), t.cycles,
                     100.0 * t.utilization, stall_pct(t.stall_cycles, t.cycles), t.energy_pj * 1e-6);
  out << fmt::format("time {:.6g} ms | {:.4g} TOPS | {:.4g} pJ/MAC | {:.4g} TOPS/W | DRAM read {} B, write {} B\n",
                     t.seconds * 1e3, t.tops, t.pj_per_mac, t.tops_per_w, t.dram_read_bytes, t.dram_write_bytes);
  out << fmt::format("area {:.4g} mm^2 | {:.4g} TOPS/mm^2 | energy-delay {:.4g} J*s | MACs executed {:.4g}, effective {:.4g}\n",
                     t.area_mm2, t.tops_per_mm2, t.energy_delay_product_j_s, t.executed_macs, t.effective_macs);
}

}  // namespace tpusim::report
