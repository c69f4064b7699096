// report.json and the console summary of a model run (definitions: sim/llm/README.md).
#include <fmt/format.h>

#include "sim/llm/llm_run.h"
#include "sim/report/report.h"

namespace tpusim::llm {

namespace {

using nlohmann::json;
using models::Phase;

double model_macs(const models::Generated& g, Phase p) {
  return p == Phase::prefill ? g.prefill_model_macs : p == Phase::decode ? g.decode_model_macs : g.train_model_macs;
}

double phase_tokens(const models::Generated& g, Phase p) {
  return static_cast<double>(p == Phase::prefill ? g.prefill_tokens
                             : p == Phase::decode ? g.generated_tokens
                                                  : g.trained_tokens);
}

json split_json(const metrics::EnergySplit& e, double scale) {
  return {{"compute", e.compute_pj * scale}, {"memory", e.memory_pj * scale},
          {"interconnect", e.interconnect_pj * scale}, {"static", e.static_pj * scale}};
}

/// The whole system's energy over `tokens` (sim/llm/README.md "Energy"): its split in pJ, the
/// total, J per token and its split, tokens per J, and the power over the phase's time.
void add_energy(json& j, const PhaseTotals& t, double tokens) {
  const double joules = t.system_energy.total_pj() * 1e-12;
  j["system_energy_pj"] = t.system_energy.total_pj();
  j["energy_split_pj"] = split_json(t.system_energy, 1.0);
  if (tokens > 0) {
    j["energy_per_token_j"] = joules / tokens;
    j["energy_per_token_split_j"] = split_json(t.system_energy, 1e-12 / tokens);
  }
  if (joules > 0) j["tokens_per_j"] = tokens / joules;
  if (t.seconds > 0) j["average_power_w"] = joules / t.seconds;
}

/// MFU over the system (model MACs of every chip / every chip's peak); HFU of one chip (its
/// executed MACs / its peak): the chips of a tp x dp split do equal work.
json phase_json(const PhaseTotals& t, double model, double peak, double clock_hz, uint64_t chips) {
  const double denom = t.seconds * peak;
  const double system_denom = denom * static_cast<double>(chips);
  return {{"cycles", t.cycles},
          {"seconds", t.seconds},
          {"model_macs", model},
          {"executed_macs", t.macs},
          {"mfu", system_denom > 0 ? model / system_denom : 0.0},
          {"hfu", denom > 0 ? static_cast<double>(t.macs) / denom : 0.0},
          {"compute_s", static_cast<double>(t.compute_cycles) / clock_hz},
          {"memory_stall_s", static_cast<double>(t.stall_cycles) / clock_hz},
          {"communication_s", t.communication_s},
          {"hidden_communication_s", t.hidden_communication_s},
          {"dram_read_bytes", t.dram_read_bytes},
          {"dram_write_bytes", t.dram_write_bytes},
          {"energy_pj", t.energy_pj},
          {"energy_breakdown_pj", t.energy_breakdown_pj}};
}

json memory_json(const models::Footprint& f) {
  return {{"weights", f.weights},         {"kv_cache", f.kv_cache},   {"activations", f.activations},
          {"gradients", f.gradients},     {"optimizer", f.optimizer}, {"total", f.total()}};
}

/// The tokens a scenario is measured by: generated (decode, request), prompt (prefill), trained.
double scenario_tokens(const models::Generated& g) {
  if (g.generated_tokens > 0) return static_cast<double>(g.generated_tokens);
  if (g.trained_tokens > 0) return static_cast<double>(g.trained_tokens);
  return static_cast<double>(g.prefill_tokens);
}

json totals_json(const models::Scenario& s, const LlmResult& r) {
  const models::Generated& g = r.generated;
  const auto phase_s = [&](Phase p) { return r.phases.count(p) ? r.phases.at(p).seconds : 0.0; };
  const double model = g.prefill_model_macs + g.decode_model_macs + g.train_model_macs;
  json t = phase_json(r.total, model, r.peak_macs_per_s, r.clock_mhz * 1e6, r.chips);
  const double tokens = scenario_tokens(g);
  if (g.prefill_tokens > 0 && s.kind != models::ScenarioKind::train_step)
    t["time_to_first_token_s"] = phase_s(Phase::prefill);
  if (g.decode_steps > 0) t["time_per_output_token_s"] = phase_s(Phase::decode) / static_cast<double>(g.decode_steps);
  t["tokens"] = tokens;
  t["tokens_per_s"] = r.total.seconds > 0 ? tokens / r.total.seconds : 0.0;
  t["tokens_per_s_per_chip"] = r.total.seconds > 0 ? tokens / r.total.seconds / static_cast<double>(r.chips) : 0.0;
  t["chips"] = r.chips;
  if (!r.system_name.empty()) t["system"] = r.system_name;
  t["tp_axes"] = r.tp_axes;
  t["dp_axes"] = r.dp_axes;
  if (!r.ep_axes.empty()) t["ep_axes"] = r.ep_axes;
  if (!r.pp_axes.empty()) t["pp_axes"] = r.pp_axes;
  if (!r.sp_axes.empty()) t["sp_axes"] = r.sp_axes;
  t["memory_per_chip_bytes"] = memory_json(g.memory);
  t["hbm_capacity_bytes"] = r.hbm_capacity_bytes;
  t["fits"] = g.memory.total() <= r.hbm_capacity_bytes;
  add_energy(t, r.total, tokens);
  t["peak_macs_per_s"] = r.peak_macs_per_s;
  return t;
}

json model_json(const models::ModelConfig& m) {
  return {{"name", m.name},
          {"file", m.file},
          {"model_type", m.model_type},
          {"layers", m.layers},
          {"hidden_size", m.hidden},
          {"heads", m.heads},
          {"kv_heads", m.kv_heads},
          {"head_dim", m.head_dim},
          {"intermediate_size", m.ffn},
          {"vocab_size", m.vocab},
          {"experts", m.experts},
          {"experts_per_token", m.experts_per_token},
          {"params", m.total_params()},
          {"active_matmul_params", m.active_matmul_params()}};
}

json scenario_json(const models::Scenario& s) {
  return {{"name", s.name},
          {"file", s.file},
          {"kind", name_of(s.kind)},
          {"batch", s.batch},
          {"prompt", s.prompt},
          {"context", s.context},
          {"tokens", s.tokens},
          {"datatypes",
           {{"weights", name_of(s.types.weights)},
            {"kv_cache", name_of(s.types.kv_cache)},
            {"activations", name_of(s.types.activations)},
            {"gradients", name_of(s.types.gradients)},
            {"optimizer", name_of(s.types.optimizer)}}},
          {"attention", {{"causal", name_of(s.causal)}, {"kv_block_tokens", s.kv_block_tokens}, {"fused", s.fused_attention}}},
          {"recompute", name_of(s.recompute)},
          {"parallelism", {{"dp", s.parallelism.dp}, {"tp", s.parallelism.tp}, {"pp", s.parallelism.pp},
                           {"ep", s.parallelism.ep}, {"sp", s.parallelism.sp}, {"fsdp", s.parallelism.fsdp},
                           {"overlap_collectives", s.parallelism.overlap_collectives},
                           {"microbatches", s.parallelism.microbatches}}}};
}

}  // namespace

json llm_report_json(const models::ModelConfig& model, const models::Scenario& scenario, const LlmResult& r) {
  json blocks = json::array();
  for (const BlockResult& b : r.blocks) {
    json j = {{"name", b.name},         {"phase", name_of(b.phase)}, {"repeat", b.repeat},
              {"cycles", b.cycles},     {"seconds", b.seconds},      {"macs", b.macs},
              {"dram_read_bytes", b.dram_read_bytes}, {"dram_write_bytes", b.dram_write_bytes},
              {"energy_pj", b.energy_pj}, {"communication_s", b.communication_s},
              {"hidden_communication_s", b.hidden_communication_s}};
    if (!b.reused_from.empty()) j["reused_from"] = b.reused_from;
    if (b.interconnect_pj > 0) j["interconnect_pj"] = b.interconnect_pj;
    blocks.push_back(j);
  }
  json phases = json::object();
  for (const auto& [p, t] : r.phases) {
    json j = phase_json(t, model_macs(r.generated, p), r.peak_macs_per_s, r.clock_mhz * 1e6, r.chips);
    add_energy(j, t, phase_tokens(r.generated, p));
    phases[name_of(p)] = j;
  }
  return {{"schema_version", report::kSchemaVersion},
          {"kind", "model"},
          {"arch", {{"name", r.arch_name}, {"clock_mhz", r.clock_mhz}}},
          {"model", model_json(model)},
          {"scenario", scenario_json(scenario)},
          {"simulations", r.simulations},
          {"totals", totals_json(scenario, r)},
          {"phases", phases},
          {"blocks", blocks}};
}

void print_llm_summary(std::ostream& out, const json& rep) {
  out << fmt::format("{} on {}: {} ({} blocks, {} simulated)\n", rep["model"]["name"].get<std::string>(),
                     rep["arch"]["name"].get<std::string>(), rep["scenario"]["kind"].get<std::string>(),
                     rep["blocks"].size(), rep["simulations"].get<uint64_t>());
  out << fmt::format("{:<34} {:>10} {:>14} {:>12} {:>14}\n", "block", "repeat", "cycles/copy", "ms/copy", "DRAM MB/copy");
  for (const json& b : rep["blocks"])
    out << fmt::format("{:<34} {:>10} {:>14} {:>12.4f} {:>14.2f}\n", b["name"].get<std::string>(),
                       b["repeat"].get<uint64_t>(), b["cycles"].get<uint64_t>(), b["seconds"].get<double>() * 1e3,
                       (b["dram_read_bytes"].get<double>() + b["dram_write_bytes"].get<double>()) / 1e6);
  const json& t = rep["totals"];
  out << fmt::format("total {:.6g} s, MFU {:.1f} %, HFU {:.1f} %, {:.6g} tokens/s, {:.4g} J/token\n",
                     t["seconds"].get<double>(), 100 * t["mfu"].get<double>(), 100 * t["hfu"].get<double>(),
                     t["tokens_per_s"].get<double>(), t.value("energy_per_token_j", 0.0));
  if (t.contains("energy_per_token_split_j")) {
    const json& e = t["energy_per_token_split_j"];
    out << fmt::format("energy per token: compute {:.4g} J, memory {:.4g} J, interconnect {:.4g} J, static {:.4g} J\n",
                       e["compute"].get<double>(), e["memory"].get<double>(), e["interconnect"].get<double>(),
                       e["static"].get<double>());
  }
  if (t.contains("time_to_first_token_s"))
    out << fmt::format("time to first token {:.6g} s\n", t["time_to_first_token_s"].get<double>());
  if (t.contains("time_per_output_token_s"))
    out << fmt::format("time per output token {:.6g} s\n", t["time_per_output_token_s"].get<double>());
  const json& m = t["memory_per_chip_bytes"];
  out << fmt::format("memory per chip {:.4g} GB of {:.4g} GB (weights {:.4g}, KV cache {:.4g}, activations {:.4g}, "
                     "gradients {:.4g}, optimizer {:.4g})\n",
                     m["total"].get<double>() / 1e9, t["hbm_capacity_bytes"].get<double>() / 1e9,
                     m["weights"].get<double>() / 1e9, m["kv_cache"].get<double>() / 1e9,
                     m["activations"].get<double>() / 1e9, m["gradients"].get<double>() / 1e9,
                     m["optimizer"].get<double>() / 1e9);
}

}  // namespace tpusim::llm
