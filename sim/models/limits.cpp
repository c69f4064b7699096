#include "sim/models/limits.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "sim/spec/json_reader.h"

namespace tpusim::models {

namespace {

using LD = long double;

enum class Field { layers, hidden, heads, kv_heads, head_dim, ffn, vocab, experts_per_token, expert_ffn };

/// The key a field has in the model's file: the project's format, GPT-2's or the LLaMA family's.
std::string pointer_of(const ModelConfig& m, Field f) {
  const bool own = m.model_type == "tpusim-model", gpt2 = m.model_type == "gpt2";
  switch (f) {
    case Field::layers: return own ? "/layers" : gpt2 ? "/n_layer" : "/num_hidden_layers";
    case Field::hidden: return own || !gpt2 ? "/hidden_size" : "/n_embd";
    case Field::heads: return own ? "/heads" : gpt2 ? "/n_head" : "/num_attention_heads";
    case Field::kv_heads: return own ? "/kv_heads" : gpt2 ? "/n_head" : "/num_key_value_heads";
    case Field::head_dim: return "/head_dim";
    case Field::ffn: return gpt2 ? "/n_inner" : "/intermediate_size";
    case Field::vocab: return "/vocab_size";
    case Field::experts_per_token: return own ? "/experts_per_token" : "/num_experts_per_tok";
    case Field::expert_ffn:
      return own ? "/expert_intermediate_size" : m.model_type == "qwen2_moe" ? "/moe_intermediate_size" : "/intermediate_size";
  }
  return "";
}

[[noreturn]] void fail_model(const ModelConfig& m, Field f, const std::string& message) {
  config::fail_at(m.file, pointer_of(m, f), message);
}

LD qkv_width(const ModelConfig& m) { return (LD(m.heads) + 2 * LD(m.kv_heads)) * LD(m.head_dim); }
LD attention_params(const ModelConfig& m) { return LD(m.hidden) * qkv_width(m) + LD(m.heads) * LD(m.head_dim) * LD(m.hidden); }
LD mlp_params(const ModelConfig& m) {
  if (!m.moe()) return LD(m.mlp_matrices()) * LD(m.hidden) * LD(m.ffn);
  return LD(m.experts) * LD(m.mlp_matrices()) * LD(m.hidden) * LD(m.expert_ffn) + LD(m.hidden) * LD(m.experts);
}

/// Tokens per sequence in the scenario's widest pass (its GEMMs' rows are batch x this).
uint64_t pass_tokens(const Scenario& s) { return s.kind == ScenarioKind::decode ? 1 : s.prompt; }

std::string pass_text(const Scenario& s) {
  return fmt::format("{}: batch {} x {} tokens", s.file, s.batch, pass_tokens(s));
}

}  // namespace

void check_model_limits(const ModelConfig& m) {
  if (qkv_width(m) > kMaxOpDim)
    fail_model(m, Field::head_dim,  // only a given head_dim can: derived, it makes 3 x hidden
               fmt::format("the QKV projection's width (heads + 2 x kv_heads) x head_dim = ({} + 2 x {}) x {} = {:.4g} "
                           "is more than the workload format's 2^32 per dimension",
                           m.heads, m.kv_heads, m.head_dim, static_cast<double>(qkv_width(m))));
  const LD attn = attention_params(m), mlp = mlp_params(m), per_layer = attn + mlp;
  if (per_layer > kMaxParams)
    fail_model(m, mlp >= attn ? (m.moe() ? Field::expert_ffn : Field::ffn) : Field::hidden,
               fmt::format("one layer would have {:.4g} parameters (attention {:.4g}, MLP {:.4g}), more than the "
                           "2^55 a model may have (the optimizer step's vector op over them must fit the workload "
                           "format, sim/models/README.md \"Limits\")",
                           static_cast<double>(per_layer), static_cast<double>(attn), static_cast<double>(mlp)));
  const LD embed = LD(m.vocab) * LD(m.hidden) * (m.tied_embeddings ? 1 : 2) +
                   (m.learned_positions ? LD(m.max_positions) * LD(m.hidden) : 0);
  const LD total = LD(m.layers) * per_layer + embed;
  if (total > kMaxParams)
    fail_model(m, LD(m.layers) * per_layer >= embed ? Field::layers : Field::vocab,
               fmt::format("the model would have {:.4g} parameters ({} layers of {:.4g}, embeddings {:.4g}), more "
                           "than the 2^55 a model may have (the optimizer step's vector op over them must fit the "
                           "workload format, sim/models/README.md \"Limits\")",
                           static_cast<double>(total), m.layers, static_cast<double>(per_layer),
                           static_cast<double>(embed)));
}

void check_scenario_limits(const Scenario& s) {
  const LD rows = LD(s.batch) * LD(pass_tokens(s));
  if (rows > kMaxOpDim)
    config::fail_at(s.file, "/batch",
                    fmt::format("batch {} x {} tokens = {:.4g} rows, more than the workload format's 2^32 per "
                                "dimension (a pass's rows are every GEMM's m)",
                                s.batch, pass_tokens(s), static_cast<double>(rows)));
}

void check_run_limits(const ModelConfig& m, const Scenario& s) {
  // The batch splits over dp x ep (expert parallelism splits it too), the widths over tp.
  const LD dp = LD(s.parallelism.dp) * LD(s.parallelism.ep), tp = LD(s.parallelism.tp);
  const LD rows = LD(s.batch) * LD(pass_tokens(s)) / dp, hidden = LD(m.hidden);
  // The projections' MACs on one chip (rows x hidden x its width / tp), largest first in the
  // order a pass runs them; the LM head works on every row in training, the last token otherwise.
  struct Gemm {
    const char* what;
    LD macs;
    Field field;
  };
  const LD head_rows = s.kind == ScenarioKind::train_step ? rows : LD(s.batch) / dp;
  const LD mlp_rows = m.moe() ? rows * LD(m.experts_per_token) : rows;
  const LD mlp_width = LD(m.moe() ? m.expert_ffn : m.ffn) / tp;
  for (const Gemm& g : {Gemm{"QKV projection", rows * hidden * qkv_width(m) / tp, Field::hidden},
                        Gemm{"MLP's up projection", mlp_rows * hidden * mlp_width, m.moe() ? Field::expert_ffn : Field::ffn},
                        Gemm{"LM head", head_rows * hidden * LD(m.vocab) / tp, Field::vocab}})
    if (g.macs > kMaxOpWork)
      fail_model(m, g.field,
                 fmt::format("with {}, the {} would be {:.4g} MACs on a chip, more than the workload format's 2^62 "
                             "for one layer",
                             pass_text(s), g.what, static_cast<double>(g.macs)));
  // The footprint's parts (generate's footprint(), whole model: sharding only divides them).
  const LD kv_tokens = s.kind == ScenarioKind::decode       ? LD(s.context) + LD(s.tokens)
                       : s.kind == ScenarioKind::train_step ? 0
                                                            : LD(s.prompt) + LD(s.tokens);
  const LD kv_bytes = 2 * LD(m.layers) * LD(m.kv_heads) * LD(m.head_dim) * LD(s.batch) * kv_tokens *
                      LD(bits_of(s.types.kv_cache)) / 8;
  if (kv_bytes > kMaxFootprintBytes)
    fail_model(m, Field::kv_heads,
               fmt::format("with {} ({} in the KV cache), the KV cache would be {:.4g} bytes, more than the 2^60 a "
                           "part of the footprint may count",
                           s.file, static_cast<double>(kv_tokens), static_cast<double>(kv_bytes)));
  // Training keeps s b h (34 / t + 5 a s / h) 16-bit values a layer without recomputation
  // (generate's footprint(), Korthikanti et al. 2022), the most of the three policies.
  const LD seq = LD(pass_tokens(s)), heads_chip = LD(m.heads) / tp;
  const LD act_bytes = rows * hidden * (34 / tp + 5 * heads_chip * seq / hidden) * LD(m.layers) *
                       LD(bits_of(s.types.activations)) / 16;
  if (s.kind == ScenarioKind::train_step && act_bytes > kMaxFootprintBytes)
    fail_model(m, Field::layers,
               fmt::format("with {}, the activations kept for the backward pass would be up to {:.4g} bytes, more "
                           "than the 2^60 a part of the footprint may count",
                           pass_text(s), static_cast<double>(act_bytes)));
  // The scenario's MACs on one chip, counted in 64-bit totals: every layer's projections (the
  // experts a token uses) and attention (each query against every key) for each pass: a prefill,
  // each decode step's batch rows, a training step's three passes.
  const LD active_mlp = m.moe() ? LD(m.experts_per_token) * LD(m.mlp_matrices()) * hidden * LD(m.expert_ffn) : mlp_params(m);
  auto pass_macs = [&](LD pass_rows, LD keys) {
    return pass_rows * LD(m.layers) * (attention_params(m) + active_mlp) / tp +
           2 * LD(m.layers) * pass_rows * LD(m.heads) * LD(m.head_dim) * keys / tp;
  };
  LD macs = 0;
  const LD batch = LD(s.batch) / dp;
  switch (s.kind) {
    case ScenarioKind::prefill: macs = pass_macs(rows, LD(s.prompt)); break;
    case ScenarioKind::decode: macs = LD(s.tokens) * pass_macs(batch, LD(s.context) + LD(s.tokens)); break;
    case ScenarioKind::request:
      macs = pass_macs(rows, LD(s.prompt)) + LD(s.tokens) * pass_macs(batch, LD(s.prompt) + LD(s.tokens));
      break;
    case ScenarioKind::train_step: macs = 3 * pass_macs(rows, LD(s.prompt)); break;
  }
  // The layer count is to blame when one layer would fit; else the wider of its two parts.
  const Field culprit = macs / LD(m.layers) <= kMaxOpWork ? Field::layers
                        : active_mlp >= attention_params(m) ? (m.moe() ? Field::expert_ffn : Field::ffn)
                                                            : Field::hidden;
  if (macs > kMaxOpWork)
    fail_model(m, culprit,
               fmt::format("with {}, the scenario would be about {:.4g} MACs on a chip, more than the 2^62 its "
                           "64-bit totals hold",
                           pass_text(s), static_cast<double>(macs)));
}

}  // namespace tpusim::models
