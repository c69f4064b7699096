#pragma once
/// Model descriptions of decoder-only transformers: read from a Hugging Face `config.json` or
/// from the project's own model JSON (`"format": "tpusim-model"`), into one struct the graph
/// generator (sim/models/generate.h) reads. Pure C++; errors are InputError naming the file and
/// the JSON pointer (sim/models/README.md lists every field).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"
#include "sim/spec/types.h"

namespace tpusim::models {

/// The MLP's nonlinearity (SiLU for SwiGLU; GELU for GPT-2 and GeGLU; ReLU).
enum class Activation { gelu, silu, relu };
/// The normalization before attention and MLP (both run as the vector unit's `layernorm` op).
enum class Norm { layernorm, rmsnorm };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(Activation v) {
  switch (v) {
    case Activation::gelu: return "gelu";
    case Activation::silu: return "silu";
    case Activation::relu: return "relu";
  }
  return nullptr;
}
constexpr const char* name_of(Norm v) {
  switch (v) {
    case Norm::layernorm: return "layernorm";
    case Norm::rmsnorm: return "rmsnorm";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

struct ModelConfig {
  std::string name;
  std::string source;      ///< where the numbers come from
  std::string file;        ///< the file it was read from, for messages
  std::string model_type;  ///< HF's model_type, or "tpusim-model"
  uint64_t layers = 0;     ///< decoder layers
  uint64_t hidden = 0;     ///< d_model
  uint64_t heads = 0;      ///< query heads
  uint64_t kv_heads = 0;   ///< key/value heads: = heads (MHA), 1 (MQA), else grouped (GQA)
  uint64_t head_dim = 0;   ///< per head (HF head_dim when given, else hidden / heads)
  uint64_t ffn = 0;        ///< MLP inner size (dense models; per expert for MoE without a separate size)
  uint64_t vocab = 0;
  uint64_t max_positions = 0;  ///< 0 = not stated
  bool learned_positions = false;  ///< GPT-2: a position-embedding table of max_positions x hidden
  bool gated = false;      ///< gated MLP (SwiGLU/GeGLU): gate and up projections, then down
  Activation activation = Activation::gelu;
  Norm norm = Norm::layernorm;
  /// PaLM: attention and MLP read the same normalized input and their outputs add (one norm).
  bool parallel_block = false;
  bool tied_embeddings = false;  ///< the LM head reuses the embedding table (no extra weights)
  uint64_t experts = 0;            ///< MoE experts per layer (0 = dense)
  uint64_t experts_per_token = 0;  ///< top-k
  uint64_t expert_ffn = 0;         ///< each expert's MLP inner size
  DataType dtype = DataType::bf16; ///< the checkpoint's datatype (torch_dtype)
  /// One chip's share under tensor parallelism (sim/models/generate.h): the QKV projection's output
  /// columns and the attention output's width, when they are not whole heads (0 = derived).
  uint64_t qkv_cols_override = 0, attn_width_override = 0;
  /// One chip's share under expert parallelism: the chips a layer's experts are spread over (ep;
  /// each holds experts / ep of them); 1 = all experts on every chip.
  uint64_t expert_group = 1;

  uint64_t qkv_cols() const { return qkv_cols_override ? qkv_cols_override : (heads + 2 * kv_heads) * head_dim; }
  uint64_t attn_width() const { return attn_width_override ? attn_width_override : heads * head_dim; }

  bool moe() const { return experts > 0; }
  /// Experts whose weights one chip holds: experts / expert_group.
  uint64_t experts_held() const { return (experts + expert_group - 1) / expert_group; }
  /// Weight matrices of one MLP (gate, up, down or up, down).
  uint64_t mlp_matrices() const { return gated ? 3 : 2; }
  uint64_t attention_params_per_layer() const;
  /// One layer's MLP parameters: all experts' (and the router) for MoE.
  uint64_t mlp_params_per_layer() const;
  /// MLP parameters one token uses (top-k experts and the router for MoE).
  uint64_t active_mlp_params_per_layer() const;
  uint64_t embedding_params() const;  ///< token (and learned position) embeddings
  uint64_t lm_head_params() const;    ///< 0 when tied
  uint64_t norm_params() const;       ///< all norm scales (2 per layer, 1 with parallel blocks, + final)
  uint64_t total_params() const;
  /// Parameters whose matmuls one token's forward pass runs (no embedding lookup; top-k experts).
  uint64_t active_matmul_params() const;
};

/// Reads a Hugging Face config.json (model_type gpt2, llama, mistral, mixtral, qwen2, qwen2_moe)
/// or the project's own model JSON; InputError ("file: /pointer: message") on an unknown
/// model_type, a missing or bad field.
ModelConfig load_model_config(const std::string& path);
ModelConfig parse_model_config(const nlohmann::json& doc, const std::string& file);

}  // namespace tpusim::models
