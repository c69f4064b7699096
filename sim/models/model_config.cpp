#include "sim/models/model_config.h"

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/models/limits.h"
#include "sim/spec/json_reader.h"

namespace tpusim::models {

using config::fail_at;
using config::json;

uint64_t ModelConfig::attention_params_per_layer() const {
  // Q, K, V projections (hidden -> (heads + 2 kv_heads) x head_dim) and the output projection.
  return hidden * qkv_cols() + attn_width() * hidden;
}

uint64_t ModelConfig::mlp_params_per_layer() const {
  if (!moe()) return mlp_matrices() * hidden * ffn;
  // The experts this chip holds (all of them without expert parallelism), and the router.
  return experts_held() * mlp_matrices() * hidden * expert_ffn + hidden * experts;
}

uint64_t ModelConfig::active_mlp_params_per_layer() const {
  if (!moe()) return mlp_params_per_layer();
  return experts_per_token * mlp_matrices() * hidden * expert_ffn + hidden * experts;
}

uint64_t ModelConfig::embedding_params() const {
  return vocab * hidden + (learned_positions ? max_positions * hidden : 0);
}

uint64_t ModelConfig::lm_head_params() const { return tied_embeddings ? 0 : vocab * hidden; }

uint64_t ModelConfig::norm_params() const { return (layers * (parallel_block ? 1 : 2) + 1) * hidden; }

uint64_t ModelConfig::total_params() const {
  return layers * (attention_params_per_layer() + mlp_params_per_layer()) + embedding_params() + lm_head_params() +
         norm_params();
}

uint64_t ModelConfig::active_matmul_params() const {
  return layers * (attention_params_per_layer() + active_mlp_params_per_layer()) + vocab * hidden;
}

namespace {

constexpr uint64_t kMaxDim = 1ULL << 24;  // 16 M: far above any real model's width or depth

/// The config's model_type for a message: its text when it is a string, else empty (the key's own
/// check names a wrong type).
std::string hf_type_text(const json& doc) {
  const auto it = doc.find("model_type");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// An optional boolean of an HF config (absent or null: `fallback`).
bool hf_bool_or(const json& doc, const std::string& file, const std::string& key, bool fallback) {
  if (!doc.contains(key) || doc[key].is_null()) return fallback;
  if (!doc[key].is_boolean()) fail_at(file, "/" + key, "must be true or false, got " + config::describe(doc[key]));
  return doc[key].get<bool>();
}

/// An optional string of an HF config (absent or null: `fallback`).
std::string hf_string_or(const json& doc, const std::string& file, const std::string& key, const std::string& fallback) {
  if (!doc.contains(key) || doc[key].is_null()) return fallback;
  if (!doc[key].is_string()) fail_at(file, "/" + key, "must be a string, got " + config::describe(doc[key]));
  return doc[key].get<std::string>();
}

/// A required positive integer of an HF config (HF configs carry many keys tpusim does not use,
/// so unknown keys are ignored there; the project's own format is strict).
uint64_t hf_u64(const json& doc, const std::string& file, const std::string& key) {
  if (!doc.contains(key) || doc[key].is_null())
    fail_at(file, "/" + key, fmt::format("missing; the {} model needs it", hf_type_text(doc)));
  return config::as_u64(doc[key], file, "/" + key, 1, kMaxDim);
}

uint64_t hf_u64_or(const json& doc, const std::string& file, const std::string& key, uint64_t fallback) {
  if (!doc.contains(key) || doc[key].is_null()) return fallback;
  return config::as_u64(doc[key], file, "/" + key, 1, kMaxDim);
}

DataType hf_dtype(const json& doc, const std::string& file) {
  if (!doc.contains("torch_dtype") || doc["torch_dtype"].is_null()) return DataType::bf16;
  static const std::vector<std::string> names = {"bfloat16", "float16", "float32"};
  static const DataType types[] = {DataType::bf16, DataType::fp16, DataType::fp32};
  return types[config::as_choice(doc["torch_dtype"], file, "/torch_dtype", names)];
}

Activation hf_activation(const json& doc, const std::string& file, const std::string& key) {
  if (!doc.contains(key)) fail_at(file, "/" + key, "missing; the MLP's activation is needed");
  static const std::vector<std::string> names = {"gelu", "gelu_new", "gelu_pytorch_tanh", "silu", "swish", "relu"};
  static const Activation acts[] = {Activation::gelu, Activation::gelu, Activation::gelu,
                                    Activation::silu, Activation::silu, Activation::relu};
  return acts[config::as_choice(doc[key], file, "/" + key, names)];
}

/// GPT-2 spells its sizes n_embd, n_layer, n_head, n_inner (null: 4 x n_embd), n_positions.
ModelConfig read_gpt2(const json& doc, const std::string& file) {
  ModelConfig m;
  m.hidden = hf_u64(doc, file, "n_embd");
  m.layers = hf_u64(doc, file, "n_layer");
  m.heads = m.kv_heads = hf_u64(doc, file, "n_head");
  m.ffn = hf_u64_or(doc, file, "n_inner", 4 * m.hidden);
  m.vocab = hf_u64(doc, file, "vocab_size");
  m.max_positions = hf_u64(doc, file, "n_positions");
  m.learned_positions = true;
  m.activation = hf_activation(doc, file, "activation_function");
  m.tied_embeddings = hf_bool_or(doc, file, "tie_word_embeddings", true);
  return m;
}

/// LLaMA-family (llama, mistral, qwen2) and their MoE variants (mixtral, qwen2_moe): gated MLP,
/// RMSNorm, optional GQA (num_key_value_heads defaults to the head count, as in transformers).
ModelConfig read_llama_like(const json& doc, const std::string& file, const std::string& type) {
  ModelConfig m;
  m.hidden = hf_u64(doc, file, "hidden_size");
  m.layers = hf_u64(doc, file, "num_hidden_layers");
  m.heads = hf_u64(doc, file, "num_attention_heads");
  m.kv_heads = hf_u64_or(doc, file, "num_key_value_heads", m.heads);
  m.ffn = hf_u64(doc, file, "intermediate_size");
  m.vocab = hf_u64(doc, file, "vocab_size");
  m.max_positions = hf_u64_or(doc, file, "max_position_embeddings", 0);
  m.gated = true;
  m.norm = Norm::rmsnorm;
  m.activation = hf_activation(doc, file, "hidden_act");
  m.tied_embeddings = hf_bool_or(doc, file, "tie_word_embeddings", false);
  if (type == "mixtral") {
    m.experts = hf_u64(doc, file, "num_local_experts");
    m.experts_per_token = hf_u64(doc, file, "num_experts_per_tok");
    m.expert_ffn = m.ffn;
  } else if (type == "qwen2_moe") {
    m.experts = hf_u64(doc, file, "num_experts");
    m.experts_per_token = hf_u64(doc, file, "num_experts_per_tok");
    m.expert_ffn = hf_u64(doc, file, "moe_intermediate_size");
  }
  return m;
}

ModelConfig read_hf(const json& doc, const std::string& file) {
  if (!doc.contains("model_type"))
    fail_at(file, "/model_type", "missing; a Hugging Face config.json names its model_type (or write the "
                                 "project's own format: \"format\": \"tpusim-model\")");
  static const std::vector<std::string> types = {"gpt2", "llama", "mistral", "qwen2", "mixtral", "qwen2_moe"};
  const std::string type = types[config::as_choice(doc["model_type"], file, "/model_type", types)];
  ModelConfig m = type == "gpt2" ? read_gpt2(doc, file) : read_llama_like(doc, file, type);
  m.model_type = type;
  m.name = hf_string_or(doc, file, "_name_or_path", type);
  m.head_dim = hf_u64_or(doc, file, "head_dim", 0);
  if (m.head_dim == 0) {
    if (m.hidden % m.heads != 0)
      fail_at(file, "/num_attention_heads",
              fmt::format("hidden size {} is not divisible by {} heads; give head_dim", m.hidden, m.heads));
    m.head_dim = m.hidden / m.heads;
  }
  m.dtype = hf_dtype(doc, file);
  return m;
}

/// The project's own format: every field explicit, strict (unknown keys are errors).
ModelConfig read_own(const json& doc, const std::string& file) {
  config::ObjectReader r(doc, file, "");
  r.string("format");
  ModelConfig m;
  m.model_type = "tpusim-model";
  m.name = r.string("name");
  m.source = r.string("source");
  r.string("notes", "");
  m.layers = r.u64("layers", 1, kMaxDim);
  m.hidden = r.u64("hidden_size", 1, kMaxDim);
  m.heads = r.u64("heads", 1, kMaxDim);
  m.kv_heads = r.u64("kv_heads", 1, kMaxDim, m.heads);
  m.head_dim = r.u64("head_dim", 1, kMaxDim);
  m.ffn = r.u64("intermediate_size", 1, kMaxDim);
  m.vocab = r.u64("vocab_size", 1, kMaxDim);
  m.max_positions = r.u64("max_position_embeddings", 1, kMaxDim, 0);
  m.gated = r.choice("mlp", {"plain", "gated"}) == 1;
  m.activation = r.enumeration<Activation>("activation");
  m.norm = r.enumeration<Norm>("norm", Norm::layernorm);
  m.parallel_block = r.boolean("parallel_block", false);
  m.tied_embeddings = r.boolean("tied_embeddings", false);
  m.learned_positions = r.boolean("learned_positions", false);
  if (m.learned_positions && m.max_positions == 0)
    r.fail("learned_positions", "needs max_position_embeddings (the table's rows)");
  m.experts = r.u64("experts", 1, kMaxDim, 0);
  if (m.moe()) {
    m.experts_per_token = r.u64("experts_per_token", 1, m.experts);
    m.expert_ffn = r.u64("expert_intermediate_size", 1, kMaxDim, m.ffn);
  }
  m.dtype = r.enumeration<DataType>("dtype", DataType::bf16);
  r.finish();
  return m;
}

void check(const ModelConfig& m) {
  if (m.heads % m.kv_heads != 0)
    fail_at(m.file, m.model_type == "tpusim-model" ? "/kv_heads" : "/num_key_value_heads",
            fmt::format("{} query heads are not divisible into {} key/value groups", m.heads, m.kv_heads));
  if (m.moe() && (m.experts_per_token == 0 || m.experts_per_token > m.experts))
    fail_at(m.file, m.model_type == "tpusim-model" ? "/experts_per_token" : "/num_experts_per_tok",
            fmt::format("top-k must be in [1, {} experts], got {}", m.experts, m.experts_per_token));
}

}  // namespace

ModelConfig parse_model_config(const json& doc, const std::string& file) {
  if (!doc.is_object()) fail_at(file, "", "expected a JSON object (a model config), got " + config::describe(doc));
  ModelConfig m;
  if (doc.contains("format")) {
    if (doc["format"] != "tpusim-model")
      fail_at(file, "/format", "expected \"tpusim-model\" (or no format: a Hugging Face config.json), got " +
                                   config::describe(doc["format"]));
    m = read_own(doc, file);
  } else {
    m = read_hf(doc, file);
  }
  m.file = file;
  if (m.source.empty()) m.source = file;
  check(m);
  check_model_limits(m);
  return m;
}

ModelConfig load_model_config(const std::string& path) { return parse_model_config(config::load_json_file(path), path); }

}  // namespace tpusim::models
