// report.json: the typed report rendered as JSON (schema version 1, results/README.md).
#include "sim/report/report.h"
#include "sim/mapper/attention.h"
#include "sim/mapper/embedding.h"
#include "sim/spec/fpga_resources.h"
#include "sim/spec/arch_loader.h"
#include "sim/run/scalesim_v2_layer.h"
#include "sim/mapper/unit_share.h"

namespace tpusim::report {

using nlohmann::json;

namespace {

json breakdown_json(const CycleAccount& b) {
  json j = json::object();
  for (size_t i = 0; i < kCycleClassCount; ++i) j[to_string(static_cast<CycleClass>(i))] = b.cycles[i];
  return j;
}

/// Values of the listed registry counters by name (`values` in the registry's order).
json counters_json(const Report& rep, const std::vector<uint64_t>& values) {
  json j = json::object();
  for (size_t i : rep.listed_counters) j[rep.run->counters[i].name] = values.at(i);
  return j;
}

void add_busy_json(json& j, const MemoryBusy& b) {
  j["dram_busy_cycles"] = b.dram_busy_cycles;
  j["dram_bus_utilization"] = b.dram_bus_utilization;
  j["sram_port_utilization"] = b.sram_port_utilization;
}

/// A layer's MACs by matrix unit (core-major, sim/mapper/unit_share.h) on a chip of several
/// units in native timing (zeros for an op that uses none); empty otherwise.
std::vector<uint64_t> layer_unit_macs(const ArchConfig& arch, const mapper::MappedLayer& m, bool planned) {
  if (!planned || arch.matrix_units() < 2) return {};
  if (!m.is_matrix() || m.gemm.gang.single()) return std::vector<uint64_t>(arch.matrix_units(), 0);
  return mapper::unit_macs(arch, m.gemm);
}

/// Each unit's MACs over its MAC slots in `cycles` (PEs per unit x MACs per PE per cycle), and
/// each core's over its units' slots: `unit_utilization`, `core_utilization`.
void add_unit_utilization_json(json& j, const ArchConfig& arch, const std::vector<uint64_t>& macs, uint64_t cycles) {
  if (macs.empty()) return;
  const double slots = double(cycles) * double(arch.pes_per_unit()) * arch.pe_macs_per_cycle();
  const uint64_t units = arch.core.matrix_units;
  json per_unit = json::array(), per_core = json::array();
  for (uint64_t c = 0; c < arch.chip.cores; ++c) {
    uint64_t core_macs = 0;
    for (uint64_t u = 0; u < units; ++u) {
      per_unit.push_back(slots > 0 ? double(macs[c * units + u]) / slots : 0.0);
      core_macs += macs[c * units + u];
    }
    per_core.push_back(slots > 0 ? double(core_macs) / (slots * double(units)) : 0.0);
  }
  j["unit_utilization"] = per_unit;
  j["core_utilization"] = per_core;
}

json roofline_json(const Roofline& f) {
  json j;
  // No DRAM traffic: infinitely intense. JSON has no infinity, and a null among numbers reads
  // as a missing measurement to every tool that loads the report, so the key is left out.
  if (f.operational_intensity_macs_per_byte)
    j["operational_intensity_macs_per_byte"] = *f.operational_intensity_macs_per_byte;
  j["attained_macs_per_s"] = f.attained_macs_per_s;
  j["roof_macs_per_s"] = f.roof_macs_per_s;
  j["bound"] = f.compute_bound ? "compute" : "memory";
  return j;
}

/// Where the layer's activations are (MappedWorkload's residency).
void add_residency_json(json& j, const mapper::LayerContext& c) {
  j["inputs_on_chip"] = c.inputs_on_chip;
  j["outputs_stay"] = c.outputs_stay;
}

/// The native mapper's choices for a matrix layer.
json plan_json(const mapper::GemmPlan& p) {
  json j = {{"tile_rows", p.tile_rows},
            {"tile_cols", p.tile_cols},
            {"tile_stream", p.tile_t},
            {"folds", {{"groups", p.gemm.count}, {"row", p.row_folds}, {"col", p.col_folds}, {"stream", p.t_chunks}}},
            {"loop_order", mapper::to_string(p.order)},
            {"inputs_kept", p.keep_a},
            {"weights_kept", p.keep_b},
            {"partial_sums", p.spill_partials ? "spilled to DRAM" : "on chip"},
            {"est_dram_bytes", p.est_dram_read_bytes + p.est_dram_write_bytes},
            {"est_dram_read_bytes", p.est_dram_read_bytes},
            {"est_dram_write_bytes", p.est_dram_write_bytes}};
  if (p.rs) {  // how a full pass places its PE sets (sim/mapper/rs_mapping.h)
    const mapper::RsMapping& m = *p.rs;
    j["row_stationary"] = {{"channels_per_pe", m.q},       {"filters_per_pe", m.p},
                           {"channel_sets", m.r},          {"filter_sets", m.t},
                           {"rows_per_set", m.e},          {"rows_per_column", m.n},
                           {"outputs_per_row", m.positions}};
  }
  add_residency_json(j, p.context);
  // How the chip's units share the folds (arch/chip/README.md): only on a chip of several units.
  if (!p.gang.single())
    j["units"] = {{"split", to_string(p.gang.split)},
                  {"units_per_core", p.gang.units},
                  {"cores", p.gang.cores},
                  {"cores_split", to_string(p.gang.core_split)}};
  return j;
}

/// The chip's serial costs around an op (sim/run/chip_costs.h).
json chip_costs_json(const ChipCosts& c) {
  return {{"kernel_cycles", c.kernel_cycles},
          {"convert_in_elements", c.convert_in_elements},
          {"convert_in_cycles", c.convert_in_cycles},
          {"writeback_elements", c.writeback_elements},
          {"writeback_cycles", c.writeback_cycles}};
}

/// The native mapper's chunking of a vector layer.
json vector_plan_json(const mapper::MappedLayer& m) {
  json j = {{"chunk_elements", m.vector.chunk_elements}, {"chunks", m.vector.chunks}};
  add_residency_json(j, m.context);
  return j;
}

/// The fused attention's blocks and the plans of its first unit's steps.
json attention_plan_json(const mapper::AttentionPlan& a) {
  const mapper::AttentionPlan::Tile& t = a.tile(0);
  json j = {{"q_block", a.q_block},
            {"blocks", a.blocks},
            {"tail_rows", a.tail_rows},
            {"kv_block", a.kv_block},
            {"kv_blocks", a.kv_blocks},
            {"kv_tail", a.kv_tail},
            {"instances", a.units()},
            {"score_tile_bytes", a.score_tile_bytes},
            {"scores", plan_json(t.scores_plan.gemm)},
            {"softmax", vector_plan_json(t.softmax_plan)},
            {"context", plan_json(t.context_plan.gemm)}};
  return j;
}

/// How SCALE-Sim ran a matrix layer: its GEMM (one copy), folds and percentages (the exact
/// doubles SCALE-Sim printed; COMPUTE_REPORT.csv prints them in its format).
void add_scalesim_json(json& j, const ScalesimMapping& s) {
  j[sim::kScalesimOverallUtilPct] = s.stats.overall_util_pct;
  j[sim::kScalesimMappingEfficiencyPct] = s.stats.mapping_efficiency_pct;
  j[sim::kScalesimComputeUtilPct] = s.stats.compute_util_pct;
  j["scalesim_gemm"] = {{"p", s.gemm.p}, {"k", s.gemm.k}, {"n", s.gemm.n}};
  j["scalesim_folds"] = {{"row_folds", s.stats.row_folds}, {"col_folds", s.stats.col_folds},
                         {"fold_cycles", s.stats.fold_cycles}, {"sr", s.stats.sr},
                         {"sc", s.stats.sc}, {"t", s.stats.t}};
}

/// The layer's `mapping`: the native plan, or a compatibility mode's notes and view.
json mapping_json(const LayerFigures& f, bool planned) {
  const LayerResult& r = *f.result;
  json j = json::object();
  if (planned && f.mapped->is_attention()) j = attention_plan_json(*f.mapped->attention);
  else if (planned) j = f.mapped->is_matrix() ? plan_json(f.mapped->gemm) : vector_plan_json(*f.mapped);
  for (const auto& [k, v] : r.notes) j[k] = v;
  if (r.scalesim) add_scalesim_json(j, *r.scalesim);
  return j;
}

json sparsity_json(const Layer& layer, const mapper::EffectiveGemm& eg) {
  json j = {{"weight_density", layer.sparsity.weight_density},
          {"activation_density", layer.sparsity.activation_density},
          {"n", layer.sparsity.n},
          {"m", layer.sparsity.m},
          {"skips", eg.skips},
          {"weight_bytes", eg.weight_bytes},
          {"metadata_bytes", eg.metadata_bytes},
          {"reason", eg.reason}};
  if (layer.sparsity.output_density < 1) j["output_density"] = layer.sparsity.output_density;
  return j;
}

/// An embedding_bag's tables and lookups (workloads/README.md, "Embedding lookups").
json embedding_json(const ArchConfig& arch, const Layer& layer) {
  const EmbeddingBag& e = layer.embedding;
  const uint64_t row_bytes = mapper::embedding_row_bytes(arch, layer);
  return {{"unit", mapper::runs_on_sparse_core(arch, layer) ? "sparse_core" : "vector"},
          {"tables", e.tables},
          {"rows", e.rows},
          {"dim", e.dim},
          {"lookups", e.lookups},
          {"pooling", to_string(e.pooling)},
          {"row_bytes", row_bytes},
          {"table_bytes", static_cast<uint64_t>(static_cast<unsigned __int128>(e.rows) * row_bytes)},
          {"gathered_rows", e.gathers()},
          {"gathered_bursts", mapper::gathered_bursts(0, e.gathers(), row_bytes, arch.dram.burst_bytes)}};
}

json layer_json(const Report& rep, const LayerFigures& f, bool planned) {
  const LayerResult& r = *f.result;
  const Layer& layer = *f.mapped->layer;
  json l;
  l["name"] = r.name;
  l["op"] = to_string(r.op);
  if (is_matrix_op(r.op)) l["gemm"] = {{"m", r.gemm.m}, {"n", r.gemm.n}, {"k", r.gemm.k}, {"count", r.gemm.count}};
  if (r.op == OpKind::attention)
    l["attention"] = {{"m", layer.gemm.m}, {"k", layer.gemm.k}, {"n", layer.gemm.n}, {"count", layer.gemm.count}};
  l["cycles"] = r.cycles;
  l["start_cycle"] = r.start_cycle;
  l["end_cycle"] = r.end_cycle;
  l["compute_cycles"] = r.compute_cycles;
  l["stall_cycles"] = r.stall_cycles;
  l["macs"] = r.macs;
  l["vector_ops"] = r.vector_ops;
  l["folds"] = r.folds;
  l["utilization"] = f.utilization;
  add_unit_utilization_json(l, rep.mapped->arch(), layer_unit_macs(rep.mapped->arch(), *f.mapped, planned), r.cycles);
  l["mapping_efficiency"] = r.mapping_efficiency;
  if (r.compute_utilization) l["compute_utilization"] = *r.compute_utilization;
  l["seconds"] = f.seconds;
  l["dram_read_bytes"] = r.dram_read_bytes;
  l["dram_write_bytes"] = r.dram_write_bytes;
  l["sram_reads"] = r.sram_reads;
  l["sram_writes"] = r.sram_writes;
  l["cycle_breakdown"] = breakdown_json(r.breakdown);
  if (r.chip) l["chip_costs"] = chip_costs_json(*r.chip);
  const json mapping = mapping_json(f, planned);
  if (!mapping.empty()) l["mapping"] = mapping;
  if (f.roofline) l["roofline"] = roofline_json(*f.roofline);
  if (f.busy) {
    std::vector<uint64_t> values;
    for (const auto& c : r.counters) values.push_back(c.second);
    l["counters"] = counters_json(rep, values);
    add_busy_json(l, *f.busy);
  }
  l["executed_macs"] = r.executed_macs;
  const LayerSparsity& s = layer.sparsity;
  if (f.mapped->is_matrix() && (s.structured() || s.weight_density < 1 || s.activation_density < 1 ||
                                  s.output_density < 1))
    l["sparsity"] = sparsity_json(layer, f.mapped->effective);
  if (layer.op == OpKind::embedding_bag) l["embedding"] = embedding_json(rep.mapped->arch(), layer);
  l["effective_macs"] = r.effective_macs;
  l["energy_pj"] = f.energy_pj;
  l["energy_breakdown_pj"] = f.energy_breakdown_pj;
  l["pj_per_mac"] = f.pj_per_mac;
  l["energy_delay_product_j_s"] = f.energy_delay_product_j_s;
  return l;
}

json totals_json(const Report& rep) {
  const TotalFigures& t = rep.totals;
  json j;
  j["peak_macs_per_s"] = t.peak.macs_per_s;
  j["peak_tops"] = t.peak.tops;
  j["ridge_macs_per_byte"] = t.peak.ridge_macs_per_byte;
  if (t.busy) {
    j["counters"] = counters_json(rep, rep.run->total_counters);
    add_busy_json(j, *t.busy);
  }
  j["cycles"] = t.cycles;
  j["compute_cycles"] = t.compute_cycles;
  j["stall_cycles"] = t.stall_cycles;
  j["macs"] = t.macs;
  j["utilization"] = t.utilization;
  {  // the units' MACs summed over the layers, over the run's cycles
    const ArchConfig& arch = rep.mapped->arch();
    std::vector<uint64_t> macs;
    for (const LayerFigures& f : rep.layers) {
      const std::vector<uint64_t> m = layer_unit_macs(arch, *f.mapped, rep.mapped->planned());
      if (macs.empty()) macs.assign(m.size(), 0);
      for (size_t i = 0; i < m.size(); ++i) macs[i] += m[i];
    }
    add_unit_utilization_json(j, arch, macs, t.cycles);
  }
  j["seconds"] = t.seconds;
  j["tops"] = t.tops;
  j["dram_read_bytes"] = t.dram_read_bytes;
  j["dram_write_bytes"] = t.dram_write_bytes;
  j["cycle_breakdown"] = breakdown_json(t.breakdown);
  j["energy_pj"] = t.energy_pj;
  j["energy_breakdown_pj"] = t.energy_breakdown_pj;
  j["pj_per_mac"] = t.pj_per_mac;
  j["tops_per_w"] = t.tops_per_w;
  // Sparsity: macs are the dense layers' MACs; executed after N:M skipping; effective with both
  // operands nonzero (sim/mapper/sparsity.h). pj_per_mac and tops_per_w count dense MACs.
  j["executed_macs"] = t.executed_macs;
  j["effective_macs"] = t.effective_macs;
  j["energy_delay_product_j_s"] = t.energy_delay_product_j_s;
  j["average_power_w"] = t.average_power_w;
  if (t.power_envelope)
    j["power_envelope_w"] = {{"min", t.power_envelope->power_min_w},
                             {"mean", t.power_envelope->power_mean_w},
                             {"max", t.power_envelope->power_max_w},
                             {"above_max", t.average_power_w > t.power_envelope->power_max_w}};
  j["area_mm2"] = t.area_mm2;
  j["area_breakdown_mm2"] = t.area_breakdown_mm2;
  j["tops_per_mm2"] = t.tops_per_mm2;
  j["peak_tops_per_mm2"] = t.peak_tops_per_mm2;
  j["static_power_breakdown_mw"] = t.static_power_breakdown_mw;
  return j;
}

/// An imported tensor; its shape, elements and bytes only when shape inference knew them (a
/// report holds no null: results/README.md, "import").
json tensor_json(const ImportedTensor& t) {
  json j = {{"name", t.name}, {"dtype", t.dtype}, {"shape_known", t.shape_known}};
  if (t.shape_known) {
    j["shape"] = t.shape;
    j["elements"] = t.elements;
    j["bytes"] = t.bytes;
  }
  return j;
}

}  // namespace

/// What an importer of a graph format made of each node (results/README.md, "import").
json import_json(const ImportRecord& r) {
  json counts = json::object();
  for (NodeTreatment t : enum_values<NodeTreatment>()) counts[to_string(t)] = r.count(t);
  json inputs = json::array(), nodes = json::array(), skipped = json::array();
  for (const auto& t : r.inputs) inputs.push_back(tensor_json(t));
  for (const auto& n : r.nodes) {
    json outputs = json::array();
    for (const auto& t : n.outputs) outputs.push_back(tensor_json(t));
    json j = {{"index", n.index}, {"name", n.name}, {"op_type", n.op_type}, {"treatment", to_string(n.treatment)},
              {"layers", n.layers}, {"reason", n.reason}, {"outputs", outputs}};
    if (n.treatment == NodeTreatment::skipped) skipped.push_back(j);
    nodes.push_back(std::move(j));
  }
  return {{"format", r.format}, {"producer", r.producer}, {"opset", r.opset}, {"inputs", inputs},
          {"counts", counts}, {"skipped", skipped}, {"nodes", nodes}};
}

json report_json(const Report& rep) {
  const mapper::MappedWorkload& mapped = *rep.mapped;
  json report;
  report["schema_version"] = kSchemaVersion;
  report["tool"] = {{"name", "tpusim"}, {"version", TPUSIM_VERSION}};
  report["arch"] = config::to_json(mapped.arch());
  report["workload"] = {{"name", mapped.workload().name}, {"batch", mapped.workload().batch}};
  report["energy_table"] = rep.energy->name;
  if (mapped.arch().fpga) report["fpga"] = fpga_resources_json(mapped.arch());
  json layers = json::array();
  for (const LayerFigures& f : rep.layers) layers.push_back(layer_json(rep, f, mapped.planned()));
  report["totals"] = totals_json(rep);
  if (!rep.run->counters.empty()) {
    json defs = json::object();
    for (size_t i : rep.listed_counters) {
      const stats::CounterInfo& c = rep.run->counters[i];
      defs[c.name] = {{"unit", stats::to_string(c.unit)}, {"description", c.description}};
    }
    report["counters"] = defs;
  }
  report["layers"] = layers;
  if (mapped.workload().import) report["import"] = import_json(*mapped.workload().import);
  return report;
}

}  // namespace tpusim::report
