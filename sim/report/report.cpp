#include "sim/report/report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/arch_loader.h"
#include "sim/energy/area.h"
#include "sim/energy/energy_model.h"

namespace tpusim::report {

using nlohmann::json;

namespace {

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

json breakdown_json(const CycleBreakdown& b) {
  json j = json::object();
  for (size_t i = 0; i < kCycleCategoryCount; ++i) j[to_string(static_cast<CycleCategory>(i))] = b.cycles[i];
  return j;
}

std::string gemm_shape(const json& layer) {
  if (!layer.contains("gemm")) return "-";
  const auto& g = layer["gemm"];
  std::string s = fmt::format("{}x{}x{}", g["m"].get<uint64_t>(), g["n"].get<uint64_t>(), g["k"].get<uint64_t>());
  if (g["count"].get<uint64_t>() > 1) s += fmt::format(" (x{})", g["count"].get<uint64_t>());
  return s;
}

/// Where a layer sits on the roofline: operational intensity in MACs per DRAM byte against the
/// ridge point (peak MAC/s over DRAM bytes/s), and the MAC rate it attained.
json roofline_json(const ArchConfig& arch, const LayerResult& r) {
  const double peak = static_cast<double>(arch.peak_macs_per_cycle()) * arch.clock_mhz * 1e6;
  const double bw = arch.bandwidth_bytes_per_s();
  const double bytes = static_cast<double>(r.dram_read_bytes + r.dram_write_bytes);
  const double seconds = static_cast<double>(r.cycles) / (arch.clock_mhz * 1e6);
  json j;
  // No DRAM traffic: infinitely intense; written as null (JSON has no infinity).
  j["operational_intensity_macs_per_byte"] = bytes > 0 ? json(double(r.macs) / bytes) : json(nullptr);
  j["attained_macs_per_s"] = seconds > 0 ? double(r.macs) / seconds : 0.0;
  j["roof_macs_per_s"] = bytes > 0 ? std::min(peak, double(r.macs) / bytes * bw) : peak;
  j["bound"] = (bytes == 0 || double(r.macs) / bytes >= peak / bw) ? "compute" : "memory";
  return j;
}

}  // namespace

json build_report(const mapper::MappedWorkload& mapped, const EnergyTable& energy, const RunResult& run) {
  const ArchConfig& arch = mapped.arch();
  const Workload& workload = mapped.workload();
  TPUSIM_ASSERT(run.layers.size() == mapped.size(), "a run has one result per mapped layer");
  json report;
  report["schema_version"] = kSchemaVersion;
  report["tool"] = {{"name", "tpusim"}, {"version", TPUSIM_VERSION}};
  report["arch"] = config::to_json(arch);
  report["workload"] = {{"name", workload.name}, {"batch", workload.batch}};
  report["energy_table"] = energy.name;

  const double pes = static_cast<double>(arch.array.rows) * arch.array.cols;
  const double pe_slots = arch.array.macs_per_pe_per_cycle;  // MAC slots per PE per cycle
  const double hz = arch.clock_mhz * 1e6;
  json layers = json::array();
  uint64_t cycles = 0, compute = 0, stall = 0, macs = 0, dram_rd = 0, dram_wr = 0;
  CycleBreakdown total_breakdown;
  std::map<std::string, double> total_energy;
  double executed_macs = 0, effective_macs = 0;
  for (size_t li = 0; li < run.layers.size(); ++li) {
    const auto& r = run.layers[li];
    const mapper::MappedLayer& m = mapped.layer(li);
    const Layer* layer = m.layer;
    TPUSIM_ASSERT(layer->name == r.name, "results are in the mapped workload's order: " + r.name);
    TPUSIM_ASSERT(r.breakdown.total() == r.cycles, "layer breakdown does not sum to its cycles: " + r.name);
    json l;
    l["name"] = r.name;
    l["op"] = to_string(r.op);
    if (is_matrix_op(r.op)) l["gemm"] = {{"m", r.gemm.m}, {"n", r.gemm.n}, {"k", r.gemm.k}, {"count", r.gemm.count}};
    l["cycles"] = r.cycles;
    l["compute_cycles"] = r.compute_cycles;
    l["stall_cycles"] = r.stall_cycles;
    l["macs"] = r.macs;
    l["vector_ops"] = r.vector_ops;
    l["folds"] = r.folds;
    // Utilization counts the MAC slots the PEs executed (N:M-skipped zeros are not executed;
    // a PE packing p narrow MACs has p slots per cycle), so it stays within 0..1.
    l["utilization"] = r.utilization_override ? *r.utilization_override
                                              : ratio(r.executed_macs, double(r.cycles) * pes * pe_slots);
    l["mapping_efficiency"] = r.mapping_efficiency;
    if (r.compute_utilization) l["compute_utilization"] = *r.compute_utilization;
    l["seconds"] = r.cycles / hz;
    l["dram_read_bytes"] = r.dram_read_bytes;
    l["dram_write_bytes"] = r.dram_write_bytes;
    l["sram_reads"] = r.sram_reads;
    l["sram_writes"] = r.sram_writes;
    l["cycle_breakdown"] = breakdown_json(r.breakdown);
    if (!r.mapping.empty()) l["mapping"] = r.mapping;
    if (r.macs > 0) l["roofline"] = roofline_json(arch, r);
    const auto e = layer_energy_pj(arch, energy, r);
    double e_sum = 0;
    for (const auto& [k, v] : e) {
      e_sum += v;
      total_energy[k] += v;
    }
    executed_macs += r.executed_macs;
    effective_macs += r.effective_macs;
    l["executed_macs"] = r.executed_macs;
    if (m.is_matrix() &&
        (layer->sparsity.structured() || layer->sparsity.weight_density < 1 || layer->sparsity.activation_density < 1)) {
      const mapper::EffectiveGemm& eg = m.effective;
      l["sparsity"] = {{"weight_density", layer->sparsity.weight_density},
                       {"activation_density", layer->sparsity.activation_density},
                       {"n", layer->sparsity.n},
                       {"m", layer->sparsity.m},
                       {"skips", eg.skips},
                       {"weight_bytes", eg.weight_bytes},
                       {"metadata_bytes", eg.metadata_bytes},
                       {"reason", eg.reason}};
    }
    l["effective_macs"] = r.effective_macs;
    l["energy_pj"] = e_sum;
    l["energy_breakdown_pj"] = e;
    l["pj_per_mac"] = ratio(e_sum, double(r.macs));
    l["energy_delay_product_j_s"] = e_sum * 1e-12 * (r.cycles / hz);
    layers.push_back(std::move(l));
    cycles += r.cycles;
    compute += r.compute_cycles;
    stall += r.stall_cycles;
    macs += r.macs;
    dram_rd += r.dram_read_bytes;
    dram_wr += r.dram_write_bytes;
    total_breakdown += r.breakdown;
  }
  double energy_pj = 0;
  for (const auto& [k, v] : total_energy) energy_pj += v;
  const double seconds = cycles / hz;
  json t;
  t["cycles"] = cycles;
  t["compute_cycles"] = compute;
  t["stall_cycles"] = stall;
  t["macs"] = macs;
  t["utilization"] = ratio(executed_macs, double(cycles) * pes * pe_slots);
  t["seconds"] = seconds;
  t["tops"] = ratio(2.0 * double(macs), seconds) / 1e12;
  t["dram_read_bytes"] = dram_rd;
  t["dram_write_bytes"] = dram_wr;
  t["cycle_breakdown"] = breakdown_json(total_breakdown);
  t["energy_pj"] = energy_pj;
  t["energy_breakdown_pj"] = total_energy;
  t["pj_per_mac"] = ratio(energy_pj, double(macs));
  t["tops_per_w"] = ratio(2.0 * double(macs), energy_pj * 1e-12) / 1e12;  // ops per joule / 1e12
  // Sparsity: macs are the dense layers' MACs; executed after N:M skipping; effective with both
  // operands nonzero (sim/mapper/sparsity.h). pj_per_mac and tops_per_w count dense MACs.
  t["executed_macs"] = executed_macs;
  t["effective_macs"] = effective_macs;
  t["energy_delay_product_j_s"] = energy_pj * 1e-12 * seconds;
  const auto area = area_mm2(arch, energy);
  double area_total = 0;
  for (const auto& [k, v] : area) area_total += v;
  t["area_mm2"] = area_total;
  t["area_breakdown_mm2"] = area;
  t["tops_per_mm2"] = ratio(t["tops"].get<double>(), area_total);
  t["peak_tops_per_mm2"] = ratio(2.0 * pes * arch.array.macs_per_pe_per_cycle * hz / 1e12, area_total);
  t["static_power_breakdown_mw"] = static_power_mw(arch, energy);
  report["totals"] = t;
  report["layers"] = layers;
  return report;
}

std::string layers_csv(const json& report) {
  std::string out = "name,op,m,n,k,count,cycles,compute_cycles,stall_cycles,macs,utilization,mapping_efficiency,"
                    "dram_read_bytes,dram_write_bytes,energy_pj";
  for (size_t i = 0; i < kCycleCategoryCount; ++i) out += std::string(",") + to_string(static_cast<CycleCategory>(i)) + "_cycles";
  out += "\n";
  for (const auto& l : report["layers"]) {
    const bool g = l.contains("gemm");
    // Layer names are written as given; quote them when they hold CSV metacharacters.
    std::string name = l["name"].get<std::string>();
    if (name.find_first_of(",\"\n") != std::string::npos) {
      std::string q = "\"";
      for (char c : name) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      name = q + "\"";
    }
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{:.9g},{:.9g},{},{},{:.9g}", name, l["op"].get<std::string>(),
                       g ? l["gemm"]["m"].get<uint64_t>() : 0, g ? l["gemm"]["n"].get<uint64_t>() : 0,
                       g ? l["gemm"]["k"].get<uint64_t>() : 0, g ? l["gemm"]["count"].get<uint64_t>() : 0,
                       l["cycles"].get<uint64_t>(), l["compute_cycles"].get<uint64_t>(),
                       l["stall_cycles"].get<uint64_t>(), l["macs"].get<uint64_t>(), l["utilization"].get<double>(),
                       l["mapping_efficiency"].get<double>(), l["dram_read_bytes"].get<uint64_t>(),
                       l["dram_write_bytes"].get<uint64_t>(), l["energy_pj"].get<double>());
    for (size_t i = 0; i < kCycleCategoryCount; ++i)
      out += "," + std::to_string(l["cycle_breakdown"][to_string(static_cast<CycleCategory>(i))].get<uint64_t>());
    out += "\n";
  }
  return out;
}

void print_summary(std::ostream& out, const json& report) {
  const auto& arch = report["arch"];
  out << fmt::format("tpusim {} | arch {} ({}x{} {}, {} MHz, {}) | workload {}\n",
                     report["tool"]["version"].get<std::string>(), arch["name"].get<std::string>(),
                     arch["array"]["rows"].get<uint64_t>(), arch["array"]["cols"].get<uint64_t>(),
                     arch["array"]["dataflow"].get<std::string>(), arch["clock_mhz"].get<double>(),
                     arch["timing"].get<std::string>(), report["workload"]["name"].get<std::string>());
  const std::string header = fmt::format("{:<24} {:<14} {:>24} {:>14} {:>7} {:>7} {:>12}\n", "layer", "op",
                                         "GEMM MxNxK", "cycles", "util%", "stall%", "energy uJ");
  out << header << std::string(header.size() - 1, '-') << "\n";
  for (const auto& l : report["layers"]) {
    const double cyc = double(l["cycles"].get<uint64_t>());
    out << fmt::format("{:<24} {:<14} {:>24} {:>14} {:>7.2f} {:>7.2f} {:>12.3f}\n", l["name"].get<std::string>(),
                       l["op"].get<std::string>(), gemm_shape(l), l["cycles"].get<uint64_t>(),
                       100.0 * l["utilization"].get<double>(),
                       cyc > 0 ? 100.0 * l["stall_cycles"].get<uint64_t>() / cyc : 0.0,
                       l["energy_pj"].get<double>() * 1e-6);
  }
  const auto& t = report["totals"];
  const double cyc = double(t["cycles"].get<uint64_t>());
  out << std::string(header.size() - 1, '-') << "\n";
  out << fmt::format("{:<24} {:<14} {:>24} {:>14} {:>7.2f} {:>7.2f} {:>12.3f}\n", "total",
                     fmt::format("{} layers", report["layers"].size()), fmt::format("{} MACs", t["macs"].get<uint64_t>()),
                     t["cycles"].get<uint64_t>(), 100.0 * t["utilization"].get<double>(),
                     cyc > 0 ? 100.0 * t["stall_cycles"].get<uint64_t>() / cyc : 0.0,
                     t["energy_pj"].get<double>() * 1e-6);
  out << fmt::format("time {:.6g} ms | {:.4g} TOPS | {:.4g} pJ/MAC | {:.4g} TOPS/W | DRAM read {} B, write {} B\n",
                     t["seconds"].get<double>() * 1e3, t["tops"].get<double>(), t["pj_per_mac"].get<double>(),
                     t["tops_per_w"].get<double>(), t["dram_read_bytes"].get<uint64_t>(),
                     t["dram_write_bytes"].get<uint64_t>());
  if (t.contains("area_mm2"))
    out << fmt::format("area {:.4g} mm^2 | {:.4g} TOPS/mm^2 | energy-delay {:.4g} J*s | MACs executed {:.4g}, effective {:.4g}\n",
                       t["area_mm2"].get<double>(), t["tops_per_mm2"].get<double>(),
                       t["energy_delay_product_j_s"].get<double>(), t["executed_macs"].get<double>(),
                       t["effective_macs"].get<double>());
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw InputError(fmt::format("{}: cannot write file", path));
    f << content;
    if (!f.flush()) throw InputError(fmt::format("{}: write failed", path));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace tpusim::report
