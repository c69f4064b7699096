#include "sim/models/scenario.h"

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/models/limits.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/json_reader.h"

namespace tpusim::models {

namespace {

constexpr uint64_t kMaxTokens = 1ULL << 24;  // 16 M tokens of context or batch

TensorTypes read_types(config::ObjectReader& parent) {
  TensorTypes t;
  if (!parent.has("datatypes")) return t;
  config::ObjectReader r(parent.raw("datatypes"), parent.file(), parent.pointer_of("datatypes"));
  t.weights = r.enumeration<DataType>("weights", t.weights);
  t.kv_cache = r.enumeration<DataType>("kv_cache", t.kv_cache);
  t.activations = r.enumeration<DataType>("activations", t.activations);
  t.gradients = r.enumeration<DataType>("gradients", t.gradients);
  t.optimizer = r.enumeration<DataType>("optimizer", t.optimizer);
  r.finish();
  return t;
}

Parallelism read_parallelism(config::ObjectReader& parent) {
  Parallelism p;
  if (!parent.has("parallelism")) return p;
  config::ObjectReader r(parent.raw("parallelism"), parent.file(), parent.pointer_of("parallelism"));
  p.dp = r.u64("dp", 1, 1 << 20, 1);
  p.tp = r.u64("tp", 1, 1 << 20, 1);
  p.pp = r.u64("pp", 1, 1 << 20, 1);
  p.ep = r.u64("ep", 1, 1 << 20, 1);
  p.sp = r.u64("sp", 1, 1 << 20, 1);
  p.fsdp = r.boolean("fsdp", false);
  p.overlap_collectives = r.boolean("overlap_collectives", false);
  p.microbatches = r.u64("microbatches", 1, 1 << 20, 1);
  if (p.microbatches > 1 && p.pp == 1)
    r.fail("microbatches", fmt::format("{} microbatches pipeline a batch through pp stages; pp is 1", p.microbatches));
  r.finish();
  return p;
}

void read_attention(config::ObjectReader& parent, Scenario& s) {
  if (!parent.has("attention")) return;
  config::ObjectReader r(parent.raw("attention"), parent.file(), parent.pointer_of("attention"));
  s.causal = r.enumeration<CausalWork>("causal", s.causal);
  s.kv_block_tokens = r.u64("kv_block_tokens", 1, kMaxTokens, s.kv_block_tokens);
  s.fused_attention = r.boolean("fused", false);
  r.finish();
}

}  // namespace

Scenario parse_scenario(const nlohmann::json& doc, const std::string& file) {
  config::ObjectReader r(doc, file, "");
  Scenario s;
  s.file = file;
  s.name = r.string("name");
  r.string("notes", "");
  s.kind = r.enumeration<ScenarioKind>("kind");
  s.batch = r.u64("batch", 1, kMaxTokens, 1);
  switch (s.kind) {
    case ScenarioKind::prefill:
      s.prompt = r.u64("prompt", 1, kMaxTokens);
      break;
    case ScenarioKind::decode:
      s.context = r.u64("context", 0, kMaxTokens);
      s.tokens = r.u64("tokens", 1, kMaxTokens);
      break;
    case ScenarioKind::request:
      s.prompt = r.u64("prompt", 1, kMaxTokens);
      s.tokens = r.u64("tokens", 1, kMaxTokens);
      break;
    case ScenarioKind::train_step:
      s.prompt = r.u64("sequence", 1, kMaxTokens);
      s.recompute = r.enumeration<Recompute>("recompute", s.recompute);
      break;
  }
  s.types = read_types(r);
  read_attention(r, s);
  s.parallelism = read_parallelism(r);
  s.require_fit = r.boolean("require_fit", true);
  r.finish();
  check_scenario_limits(s);
  return s;
}

Scenario load_scenario(const std::string& path) { return parse_scenario(config::load_json_file(path), path); }

Scenario load_scenario(const std::string& path, const std::vector<config::Override>& overrides) {
  nlohmann::json doc = config::load_json_file(path);
  try {
    config::apply_overrides(doc, overrides);
    try {
      return parse_scenario(doc, path);
    } catch (const InputError& e) {
      config::rethrow_with_override_context(e, overrides);
    }
  } catch (const InputError& e) {
    // The shared override code names `--set`; these are the scenario's.
    const std::string what = e.what(), set = "--set ";
    if (what.rfind(set, 0) == 0) throw InputError("--scenario-set " + what.substr(set.size()));
    throw;
  }
}

}  // namespace tpusim::models
