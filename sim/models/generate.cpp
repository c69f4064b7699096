#include "sim/models/generate.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/models/layer_ops.h"
#include "sim/models/limits.h"
#include "sim/spec/json_reader.h"

namespace tpusim::models {

using namespace detail;

namespace {

uint64_t ceil_div_u(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/// One forward pass over `tokens` rows (batch x tokens per sequence).
struct Shape {
  uint64_t batch = 1;   ///< sequences
  uint64_t tokens = 1;  ///< query tokens per sequence in this pass
  uint64_t rows() const { return batch * tokens; }
};

std::string act_op(Activation a) { return a == Activation::relu ? "relu" : "gelu"; }

/// The MLP (dense or MoE) reading `in`; returns its output's name.
std::string mlp(const ModelConfig& m, const Shape& s, const std::string& in, std::vector<Op>& ops) {
  const uint64_t n = s.rows(), e = m.hidden;
  uint64_t count = 1, rows = n, f = m.ffn;
  OpRole role = OpRole::column_parallel, down_role = OpRole::row_parallel;
  if (m.moe()) {
    // Router, then top-k experts with balanced routing: the n x k token-expert pairs of the
    // expert group's chips (ep of them, each with its own n tokens) over min(experts, pairs)
    // active experts, ceil(pairs / active) tokens each; this chip runs its share of the active
    // experts (all of them without expert parallelism).
    ops.push_back(gemm("router", n, e, m.experts, 1, OpRole::replicated, {in}));
    ops.push_back(rowwise("router_softmax", "softmax", n, m.experts));
    const uint64_t pairs = n * m.expert_group * m.experts_per_token, active = std::min(m.experts, pairs);
    count = ceil_div_u(active, m.expert_group);
    rows = ceil_div_u(pairs, active);
    f = m.expert_ffn;
    role = down_role = OpRole::expert;
  }
  if (m.gated) {
    ops.push_back(gemm("gate", rows, e, f, count, role, {in}));
    ops.push_back(vec("act", act_op(m.activation), rows * f * count));
    ops.push_back(gemm("up", rows, e, f, count, role, {in}));
    // gate x up: one lane-operation per element reading two tensors, timed as a two-input add.
    ops.push_back(vec("gate_mul", "add", rows * f * count, {"act", "up"}));
  } else {
    ops.push_back(gemm("up", rows, e, f, count, role, {in}));
    ops.push_back(vec("act", act_op(m.activation), rows * f * count));
  }
  ops.push_back(gemm("down", rows, f, e, count, down_role));
  if (m.moe()) ops.push_back(vec("combine", "add", n * e, {"down", "router_softmax"}));
  return ops.back().name;
}

/// A layer without its attention core: norms, QKV and output projections, MLP, residuals. The
/// attention core (attention_core) runs in between through HBM: QKV's output (which carries the
/// new K and V appended to the cache) is stored, the output projection reads the context.
std::vector<Op> dense_part(const ModelConfig& m, const Shape& s) {
  const uint64_t n = s.rows(), e = m.hidden;
  std::vector<Op> ops;
  ops.push_back(rowwise("ln1", "layernorm", n, e, {kInput}));
  ops.push_back(gemm("qkv", n, e, m.qkv_cols(), 1, OpRole::column_parallel));
  ops.push_back(gemm("o_proj", n, m.attn_width(), e, 1, OpRole::row_parallel, {kInput}));
  if (m.parallel_block) {
    const std::string out = mlp(m, s, "ln1", ops);
    ops.push_back(vec("sum", "add", n * e, {"o_proj", out}));
    ops.push_back(vec("residual", "add", n * e, {"sum", kInput}));
  } else {
    ops.push_back(vec("residual1", "add", n * e, {"o_proj", kInput}));
    ops.push_back(rowwise("ln2", "layernorm", n, e));
    const std::string out = mlp(m, s, "ln2", ops);
    ops.push_back(vec("residual2", "add", n * e, {out, "residual1"}));
  }
  return ops;
}

/// Q K^T, softmax, P V for `keys` keys per query: each key/value head's group of heads/kv_heads
/// query heads shares one K and V (GQA; MQA with one group), so K and V are read once per group.
/// `fused`: the three as one flash-style kernel (the workload op `attention`).
std::vector<Op> attention_core(const ModelConfig& m, const Shape& s, uint64_t keys, bool fused) {
  const uint64_t group = m.heads / m.kv_heads, q_rows = group * s.tokens, count = s.batch * m.kv_heads;
  if (fused) return {fused_attention("attention", q_rows, m.head_dim, keys, count, {kInput, kInput, kInput})};
  return {matmul("scores", q_rows, m.head_dim, keys, count, {kInput, kInput}),
          rowwise("softmax", "softmax", s.batch * m.heads * s.tokens, keys),
          matmul("context", q_rows, keys, m.head_dim, count, {"softmax", kInput})};
}

std::vector<Op> embedding(const ModelConfig& m, const Shape& s) {
  // A row gather of the table: read and write rows x hidden elements (a copy on the vector unit).
  return {vec("embed", "scale", s.rows() * m.hidden, {kInput})};
}

/// Final norm and LM head over `rows` positions (the last token per sequence in inference).
std::vector<Op> lm_head(const ModelConfig& m, uint64_t rows, bool loss) {
  std::vector<Op> ops = {rowwise("ln_f", "layernorm", rows, m.hidden, {kInput}),
                         gemm("lm_head", rows, m.hidden, m.vocab, 1, OpRole::lm_head)};
  if (loss) ops.push_back(rowwise("loss_softmax", "softmax", rows, m.vocab));
  return ops;
}

Block make_block(const std::string& name, Phase phase, uint64_t repeat, const std::vector<Op>& ops, DataType w,
                 DataType a) {
  Block b;
  b.name = name;
  b.phase = phase;
  b.repeat = repeat;
  b.graph = graph_json(name, ops);
  b.weight_type = w;
  b.act_type = a;
  for (const Op& o : ops) b.roles.push_back(o.role);
  return b;
}

/// Keys of the causal mask's unmasked work for a prompt of t tokens: t (t + 1) / 2 per head.
double causal_pairs(uint64_t t) { return static_cast<double>(t) * static_cast<double>(t + 1) / 2.0; }

/// Keys each query works on in a prefill of t tokens (the hardware's choice, CausalWork).
uint64_t prefill_keys(const Scenario& s, uint64_t t) {
  return s.causal == CausalWork::halved ? ceil_div_u(t + 1, 2) : t;
}

/// MACs of one forward pass the model needs, excluding attention's scores and context.
double matmul_macs(const ModelConfig& m, uint64_t rows, uint64_t head_rows) {
  return static_cast<double>(rows) * static_cast<double>(m.layers) *
             static_cast<double>(m.attention_params_per_layer() + m.active_mlp_params_per_layer()) +
         static_cast<double>(head_rows) * static_cast<double>(m.vocab * m.hidden);
}

/// Attention MACs (Q K^T and P V) over `pairs` query-key pairs per head.
double attention_macs(const ModelConfig& m, uint64_t batch, double pairs) {
  return 2.0 * static_cast<double>(m.layers * batch * m.heads * m.head_dim) * pairs;
}

/// Query tokens a chip works on per sequence in a prefill or training pass of t tokens: its
/// share under sequence (context) parallelism, t / sp.
uint64_t chip_tokens(const Scenario& s, uint64_t t) { return t / s.parallelism.sp; }

void add_prefill(const ModelConfig& m, const Scenario& s, Generated& g) {
  const Shape shape{s.batch, chip_tokens(s, s.prompt)};
  const DataType w = s.types.weights, a = s.types.activations;
  g.blocks.push_back(make_block("prefill.embed", Phase::prefill, 1, embedding(m, shape), w, a));
  g.blocks.push_back(make_block("prefill.layer.dense", Phase::prefill, m.layers, dense_part(m, shape), w, a));
  g.blocks.push_back(make_block("prefill.layer.attention", Phase::prefill, m.layers,
                                attention_core(m, shape, prefill_keys(s, s.prompt), s.fused_attention), s.types.kv_cache, a));
  g.blocks.push_back(make_block("prefill.lm_head", Phase::prefill, 1, lm_head(m, s.batch, false), w, a));
  g.prefill_tokens = s.batch * s.prompt;
  g.prefill_model_macs = matmul_macs(m, g.prefill_tokens, s.batch) + attention_macs(m, s.batch, causal_pairs(s.prompt));
}

/// `steps` decode steps after `context` cached tokens: step i attends to context + i + 1 keys
/// (its own K and V appended first), read in blocks of kv_block_tokens. The dense part, the
/// embedding and the LM head are the same every step; the attention core has one block per
/// distinct padded length.
void add_decode(const ModelConfig& m, const Scenario& s, uint64_t context, Generated& g) {
  const Shape shape{s.batch, 1};
  const DataType w = s.types.weights, a = s.types.activations;
  const uint64_t steps = s.tokens;
  g.blocks.push_back(make_block("decode.embed", Phase::decode, steps, embedding(m, shape), w, a));
  g.blocks.push_back(make_block("decode.layer.dense", Phase::decode, steps * m.layers, dense_part(m, shape), w, a));
  std::map<uint64_t, uint64_t> steps_by_keys;
  double pairs = 0;
  for (uint64_t i = 0; i < steps; ++i) {
    const uint64_t keys = context + i + 1;
    pairs += static_cast<double>(keys);
    // Under sequence parallelism each chip holds and attends to its share of the cache.
    const uint64_t share = ceil_div_u(keys, s.parallelism.sp);
    ++steps_by_keys[ceil_div_u(share, s.kv_block_tokens) * s.kv_block_tokens];
  }
  for (const auto& [keys, n] : steps_by_keys)
    g.blocks.push_back(make_block(fmt::format("decode.layer.attention.kv{}", keys), Phase::decode, n * m.layers,
                                  attention_core(m, shape, keys, s.fused_attention), s.types.kv_cache, a));
  g.blocks.push_back(make_block("decode.lm_head", Phase::decode, steps, lm_head(m, s.batch, false), w, a));
  g.decode_steps = steps;
  g.generated_tokens = s.batch * steps;
  g.decode_model_macs = static_cast<double>(steps) * matmul_macs(m, s.batch, s.batch) + attention_macs(m, s.batch, pairs);
}

/// Adam over `params` parameters: read the master weight, both moments (optimizer type) and the
/// gradient; write the three and the working copy (weights' type); about 12 lane-operations per
/// parameter (the moments' updates 7, bias corrections, square root, divide and the step 5; an
/// estimate). Stated as counts of activation-type elements, the unit the vector op's bytes are
/// charged in.
Op adam(const Scenario& s, uint64_t params) {
  const uint64_t ob = bytes_for(s.types.optimizer, 1), gb = bytes_for(s.types.gradients, 1);
  const uint64_t wb = bytes_for(s.types.weights, 1), ab = bytes_for(s.types.activations, 1);
  return counts("adam", ceil_div_u(params * (3 * ob + gb), ab), ceil_div_u(params * (3 * ob + wb), ab), 12 * params,
                {kInput});
}

/// Forward, backward (activation and weight gradients) and the optimizer update of one step.
/// Recomputation reruns the attention core (selective) or the whole layer's forward (full)
/// before each layer's backward pass.
void add_train(const ModelConfig& m, const Scenario& s, Generated& g) {
  const Shape shape{s.batch, chip_tokens(s, s.prompt)};
  const DataType w = s.types.weights, a = s.types.activations;
  const uint64_t rows = shape.rows(), keys = prefill_keys(s, s.prompt);
  const uint64_t dense_runs = m.layers * (s.recompute == Recompute::full ? 2 : 1);
  const uint64_t attn_runs = m.layers * (s.recompute == Recompute::off ? 1 : 2);
  const std::vector<Op> dense = dense_part(m, shape), attn = attention_core(m, shape, keys, s.fused_attention);
  // The backward pass of the attention core is the unfused ops' (a fused backward kernel is not
  // modelled): with attention.fused only the forward pass and its recomputation run fused.
  const std::vector<Op> attn_backward = backward(attention_core(m, shape, keys, false));
  const std::vector<Op> emb = embedding(m, shape), head = lm_head(m, rows, true);
  g.blocks.push_back(make_block("train.embed", Phase::train, 1, emb, w, a));
  g.blocks.push_back(make_block("train.layer.dense", Phase::train, dense_runs, dense, w, a));
  g.blocks.push_back(make_block("train.layer.attention", Phase::train, attn_runs, attn, s.types.kv_cache, a));
  g.blocks.push_back(make_block("train.lm_head", Phase::train, 1, head, w, a));
  g.blocks.push_back(make_block("train.lm_head.backward", Phase::train, 1, backward(head), w, a));
  g.blocks.push_back(make_block("train.layer.attention.backward", Phase::train, m.layers, attn_backward,
                                s.types.kv_cache, a));
  g.blocks.push_back(make_block("train.layer.dense.backward", Phase::train, m.layers, backward(dense), w, a));
  g.blocks.push_back(make_block("train.embed.backward", Phase::train, 1, backward(emb), w, a));
  g.blocks.push_back(make_block("train.optimizer", Phase::train, 1, {adam(s, m.total_params())}, w, a));
  g.trained_tokens = rows;
  g.train_model_macs = 3.0 * (matmul_macs(m, rows, rows) + attention_macs(m, s.batch, causal_pairs(s.prompt)));
}

void check_lengths(const ModelConfig& m, const Scenario& s) {
  const uint64_t longest = s.kind == ScenarioKind::decode ? s.context + s.tokens : s.prompt + s.tokens;
  if (m.max_positions > 0 && longest > m.max_positions)
    config::fail_at(s.file, s.kind == ScenarioKind::decode       ? "/context"
                            : s.kind == ScenarioKind::train_step ? "/sequence"  // a training step's key
                                                                 : "/prompt",
                    fmt::format("{} tokens in all exceed the model's max_position_embeddings {} ({})", longest,
                                m.max_positions, m.file));
  const Parallelism& p = s.parallelism;
  if (p.ep > 1 && !m.moe())
    config::fail_at(s.file, "/parallelism/ep",
                    fmt::format("degree {}: expert parallelism splits a mixture of experts, and {} has none ({})", p.ep,
                                m.name, m.file));
  if (p.ep > 1 && m.experts % p.ep != 0)
    config::fail_at(s.file, "/parallelism/ep",
                    fmt::format("degree {} does not divide the model's {} experts ({})", p.ep, m.experts, m.file));
  if (p.sp > 1 && s.kind != ScenarioKind::decode && s.prompt % p.sp != 0)
    config::fail_at(s.file, "/parallelism/sp",
                    fmt::format("degree {} does not divide the {} tokens per sequence (each chip takes an equal share)",
                                p.sp, s.prompt));
  if (p.pp > m.layers)
    config::fail_at(s.file, "/parallelism/pp",
                    fmt::format("degree {}: more pipeline stages than the model's {} layers ({})", p.pp, m.layers, m.file));
  if (p.pp > 1 && p.fsdp)
    config::fail_at(s.file, "/parallelism/fsdp", "FSDP with pipeline stages (pp > 1) is not modelled");
  auto divides = [&](const char* key, uint64_t degree, uint64_t what, const char* name) {
    if (what % degree != 0)
      config::fail_at(s.file, std::string("/parallelism/") + key,
                      fmt::format("degree {} does not divide the {} ({})", degree, name, what));
  };
  divides("dp", p.dp, s.batch, "batch");
  divides("ep", p.dp * p.ep, s.batch, "batch (dp x ep: expert parallelism splits the batch too)");
  if (p.microbatches > 1 && (s.batch / (p.dp * p.ep)) % p.microbatches != 0)
    config::fail_at(s.file, "/parallelism/microbatches",
                    fmt::format("{} microbatches do not divide a chip's {} sequences (batch / (dp x ep))",
                                p.microbatches, s.batch / (p.dp * p.ep)));
}

/// One chip's share of the model under tensor parallelism (generate() documents the split).
/// Shares that do not divide evenly are rounded up: the busiest chip sets the time.
ModelConfig shard(const ModelConfig& m, uint64_t tp, uint64_t ep = 1, uint64_t pp = 1) {
  ModelConfig c = m;
  c.expert_group = ep;
  c.layers = ceil_div_u(m.layers, pp);  // a pipeline stage's layers (the busiest stage's)
  // Fewer K/V heads than chips (MQA, or GQA with kv_heads < tp): a chip's query heads belong to
  // one group, whose K/V head it computes and caches itself (replicated over tp / kv_heads chips).
  const bool replicate_kv = m.kv_heads < tp;
  c.qkv_cols_override = replicate_kv ? ceil_div_u(m.heads * m.head_dim, tp) + 2 * m.head_dim
                                     : ceil_div_u(m.qkv_cols(), tp);
  c.attn_width_override = ceil_div_u(m.attn_width(), tp);
  c.heads = ceil_div_u(m.heads, tp);
  c.kv_heads = replicate_kv ? 1 : ceil_div_u(m.kv_heads, tp);
  if (c.heads % c.kv_heads != 0) c.kv_heads = 1;
  c.ffn = ceil_div_u(m.ffn, tp);
  c.expert_ffn = ceil_div_u(m.expert_ffn, tp);
  c.vocab = ceil_div_u(m.vocab, tp);
  return c;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// FSDP (ZeRO-3) over dp, per copy of a block that uses weights (`chip`: one tp shard): the
/// layer's weights all-gathered before its forward pass (every copy, recomputation included)
/// and before its backward pass (unless full recomputation just gathered them), its gradients
/// reduce-scattered after the backward pass. XLA issues these asynchronously one layer ahead
/// (MaxText's --xla_enable_async_all_gather), so they overlap the block's compute.
void add_fsdp_comms(const ModelConfig& chip, const Scenario& s, Generated& g) {
  const uint64_t layer_params = chip.attention_params_per_layer() + chip.mlp_params_per_layer();
  const uint64_t head_params = chip.vocab * chip.hidden;
  for (Block& b : g.blocks) {
    const bool dense = b.name.find("layer.dense") != std::string::npos;
    const bool head = b.name.find("lm_head") != std::string::npos;
    if (!dense && !head) continue;
    const uint64_t params = dense ? layer_params : head_params;
    const bool backward = ends_with(b.name, ".backward");
    if (!backward || (dense && s.recompute != Recompute::full))
      b.comms.push_back({"all_gather", "dp", bytes_for(s.types.weights, params), true});
    if (backward) b.comms.push_back({"reduce_scatter", "dp", bytes_for(s.types.gradients, params), true});
  }
}

/// Megatron's collectives per copy of each block under tp (the layer's partial sums all-reduced:
/// after the output projection and after the MLP, or once for PaLM's parallel block; the
/// vocabulary-split embedding's rows; the LM head's logits gathered), and the gradients'
/// all-reduce over dp once per training step.
void add_comms(const ModelConfig& full, const Scenario& s, Generated& g) {
  const Parallelism& p = s.parallelism;
  const uint64_t ab = bytes_for(s.types.activations, 1), batch = s.batch / (p.dp * p.ep * p.microbatches);
  const ModelConfig chip = shard(full, p.tp, p.ep, p.pp);
  for (Block& b : g.blocks) {
    const uint64_t rows = batch * (b.phase == Phase::decode ? 1 : s.prompt / p.sp);
    // Sequence (context) parallelism: a chip's queries attend to every chip's keys. Prefill and
    // training gather the layer's K and V from the sp group (and reduce-scatter their gradients
    // backward); a decode step combines each chip's attention over its share of the cache (an
    // all-reduce of the partial outputs; the softmax statistics are negligible beside them).
    if (p.sp > 1 && b.name.find(".layer.attention") != std::string::npos) {
      const uint64_t kv = batch * s.prompt * 2 * chip.kv_heads * chip.head_dim * ab;
      if (b.phase == Phase::decode)
        b.comms.push_back({"all_reduce", "sp", batch * chip.heads * chip.head_dim * ab});
      else
        b.comms.push_back({ends_with(b.name, ".backward") ? "reduce_scatter" : "all_gather", "sp", kv});
    }
    const uint64_t layer_out = rows * full.hidden * ab;
    const bool dense = b.name.find("layer.dense") != std::string::npos;
    if (p.tp > 1 && dense)
      for (int i = 0; i < (full.parallel_block ? 1 : 2); ++i) b.comms.push_back({"all_reduce", "tp", layer_out});
    if (p.tp > 1 && b.name.find(".embed") != std::string::npos) b.comms.push_back({"all_reduce", "tp", layer_out});
    if (p.tp > 1 && ends_with(b.name, "lm_head")) {
      const uint64_t head_rows = b.phase == Phase::train ? rows : batch;
      b.comms.push_back({"all_gather", "tp", head_rows * full.vocab * ab});
    }
    if (p.tp > 1 && b.name == "train.lm_head.backward") b.comms.push_back({"all_reduce", "tp", layer_out});
    // Pipeline: a microbatch's activations (its gradients, backward) cross the pp - 1 stage
    // boundaries once per pass; they lie on the critical path once per embedding copy (the fill
    // and the drain of the pipeline), the steady state overlaps them with the stages' compute.
    if (p.pp > 1 && (ends_with(b.name, ".embed") || ends_with(b.name, ".embed.backward")))
      for (uint64_t i = 0; i + 1 < p.pp; ++i) b.comms.push_back({"send_recv", "pp", layer_out});
    // Expert parallelism: each MoE layer sends every token's k expert rows to the chips holding
    // those experts and brings the results back (two all-to-alls per pass, forward and backward).
    if (p.ep > 1 && dense)
      for (int i = 0; i < 2; ++i)
        b.comms.push_back({"all_to_all", "ep", rows * full.experts_per_token * full.hidden * ab});
    if (b.name == "train.optimizer" && !p.fsdp) {
      // Gradients: the experts' over the chips holding the same experts (dp), the rest over every
      // chip with the same tensor shard (dp x ep).
      const uint64_t expert_params = chip.moe() ? chip.layers * chip.experts_held() * chip.mlp_matrices() *
                                                      chip.hidden * chip.expert_ffn
                                                : 0;
      // Sequence parallelism: every chip of an sp group computed gradients on its tokens.
      const std::string sp = p.sp > 1 ? "+sp" : "";
      if (p.ep == 1 && p.dp * p.sp > 1)
        b.comms.push_back({"all_reduce", "dp" + sp, bytes_for(s.types.gradients, chip.total_params())});
      if (p.ep > 1) {
        b.comms.push_back({"all_reduce", "dp+ep" + sp, bytes_for(s.types.gradients, chip.total_params() - expert_params)});
        if (p.dp * p.sp > 1) b.comms.push_back({"all_reduce", "dp" + sp, bytes_for(s.types.gradients, expert_params)});
      }
    }
  }
  for (Block& b : g.blocks)
    for (Comm& c : b.comms) c.overlapped = p.overlap_collectives && c.group == "tp";
  if (p.fsdp && p.dp > 1) add_fsdp_comms(chip, s, g);
}

}  // namespace

Footprint footprint(const ModelConfig& m, const Scenario& s) {
  Footprint f;
  f.weights = bytes_for(s.types.weights, m.total_params());
  const uint64_t kv_tokens = s.kind == ScenarioKind::decode      ? s.context + s.tokens
                             : s.kind == ScenarioKind::train_step ? 0
                                                                  : s.prompt + s.tokens;
  const uint64_t sp = s.parallelism.sp;  // sequence parallelism: each chip its share of the tokens
  f.kv_cache = bytes_for(s.types.kv_cache, 2 * m.layers * m.kv_heads * m.head_dim * s.batch * ceil_div_u(kv_tokens, sp));
  // Activations live while one layer runs: its largest op's inputs and output.
  const uint64_t t = s.kind == ScenarioKind::decode ? 1 : s.prompt / sp;
  const Shape shape{s.batch, t};
  uint64_t live = 0;
  const uint64_t keys = s.kind == ScenarioKind::decode ? s.context + s.tokens : t + s.tokens;
  for (const auto& ops : {dense_part(m, shape), attention_core(m, shape, keys, s.fused_attention)})
    for (const Op& o : ops) live = std::max(live, o.in_elements() + o.out_elements());
  f.activations = bytes_for(s.types.activations, live);
  if (s.kind == ScenarioKind::train_step) {
    // Saved for the backward pass, per layer (Korthikanti et al. 2022, eq. 2-5, 16-bit values):
    // s b h (34 + 5 a s / h) / t bytes without recomputation, 34 s b h / t selective, 2 s b h / t
    // full, with tensor and sequence parallelism t (eq. 5; MaxText shards activations over its
    // tensor axis alike). `m` is one chip's shard: its heads are a / t already.
    const double sbh = static_cast<double>(s.prompt / sp * s.batch * m.hidden);
    const double t = static_cast<double>(s.parallelism.tp);
    const double per_layer = s.recompute == Recompute::full        ? 2 * sbh / t
                             : s.recompute == Recompute::selective ? 34 * sbh / t
                                                                   : sbh * (34.0 / t + 5.0 * m.heads * s.prompt / m.hidden);
    f.saved_activations = static_cast<uint64_t>(per_layer * m.layers * bytes_for(s.types.activations, 1) / 2.0);
    f.activations += f.saved_activations;
    f.gradients = bytes_for(s.types.gradients, m.total_params());
    const uint64_t master = s.types.optimizer != s.types.weights ? 1 : 0;
    f.optimizer = bytes_for(s.types.optimizer, (2 + master) * m.total_params());
  }
  return f;
}

namespace {

Generated generate_chip(const ModelConfig& m, const Scenario& s) {
  Generated g;
  switch (s.kind) {
    case ScenarioKind::prefill: add_prefill(m, s, g); break;
    case ScenarioKind::decode: add_decode(m, s, s.context, g); break;
    case ScenarioKind::request:
      add_prefill(m, s, g);
      add_decode(m, s, s.prompt, g);
      break;
    case ScenarioKind::train_step: add_train(m, s, g); break;
  }
  g.memory = footprint(m, s);
  return g;
}

/// FSDP: each chip keeps 1/dp of the weights, gradients and optimizer state, plus the gathered
/// weights of two layers (the one running and the next one's prefetch), and updates its share.
void shard_state(const ModelConfig& chip, const Scenario& s, Generated& g) {
  const uint64_t dp = s.parallelism.dp;
  Footprint& f = g.memory;
  const uint64_t gathered = 2 * bytes_for(s.types.weights, chip.attention_params_per_layer() + chip.mlp_params_per_layer());
  f.weights = ceil_div_u(f.weights, dp) + gathered;
  f.gradients = ceil_div_u(f.gradients, dp);
  f.optimizer = ceil_div_u(f.optimizer, dp);
  for (Block& b : g.blocks)
    if (b.name == "train.optimizer") {
      b.graph = graph_json(b.name, {adam(s, ceil_div_u(chip.total_params(), dp))});
    }
}

/// Pipeline parallelism (GPipe / 1F1B, the same bubble): the blocks are one microbatch's on one
/// stage (ceil(layers / pp) layers). A pass of m microbatches through pp stages takes
/// (m + pp - 1) stage times: every layer block's copies times m + pp - 1. The LM head runs on the
/// last stage once per microbatch, each on the critical path (m copies); the embedding on the
/// first, only its first microbatch on the critical path. Memory: the KV cache holds all m
/// microbatches' sequences; a training stage keeps the saved activations of min(m, pp)
/// microbatches in flight (1F1B).
void pipeline(const Scenario& s, Generated& g) {
  const uint64_t m = s.parallelism.microbatches, pp = s.parallelism.pp;
  for (Block& b : g.blocks) {
    if (b.name.find(".layer.") != std::string::npos) b.repeat *= m + pp - 1;
    else if (b.name.find(".lm_head") != std::string::npos) b.repeat *= m;
  }
  g.memory.kv_cache *= m;
  if (s.kind == ScenarioKind::train_step) g.memory.activations += (std::min(m, pp) - 1) * g.memory.saved_activations;
}

}  // namespace

Generated generate(const ModelConfig& m, const Scenario& s) {
  check_lengths(m, s);
  check_run_limits(m, s);
  const Parallelism& p = s.parallelism;
  if (p.chips() == 1) return generate_chip(m, s);
  Scenario chip = s;
  chip.batch = s.batch / (p.dp * p.ep * p.microbatches);  // ep splits the batch as dp does; pp pipelines microbatches
  Generated g = generate_chip(shard(m, p.tp, p.ep, p.pp), chip);
  if (p.fsdp) shard_state(shard(m, p.tp, p.ep), s, g);
  if (p.pp > 1) pipeline(s, g);
  add_comms(m, s, g);
  // Tokens and MFU's numerator count the whole system's work.
  Scenario one = s;
  one.parallelism = Parallelism{};
  const Generated whole = generate_chip(m, one);
  g.prefill_tokens = whole.prefill_tokens;
  g.generated_tokens = whole.generated_tokens;
  g.trained_tokens = whole.trained_tokens;
  g.prefill_model_macs = whole.prefill_model_macs;
  g.decode_model_macs = whole.decode_model_macs;
  g.train_model_macs = whole.train_model_macs;
  return g;
}

}  // namespace tpusim::models
