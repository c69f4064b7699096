// Model configs and scenarios (sim/models): the shipped configs load with the parameter counts
// their authors publish, bad configs fail with one line naming the file and pointer, and the
// generator's blocks have the shapes and counts derived by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/models/generate.h"
#include "sim/models/model_config.h"
#include "sim/models/scenario.h"

using namespace tpusim;
using namespace tpusim::models;
using nlohmann::json;

namespace {

std::string models_dir() { return std::string(TPUSIM_SOURCE_DIR) + "/workloads/models/"; }

std::string config_error(const json& doc) {
  try {
    parse_model_config(doc, "m.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string scenario_error(const json& doc) {
  try {
    parse_scenario(doc, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

json llama() {
  return {{"model_type", "llama"},          {"hidden_size", 4096},      {"num_hidden_layers", 32},
          {"num_attention_heads", 32},      {"num_key_value_heads", 8}, {"intermediate_size", 14336},
          {"vocab_size", 128256},           {"hidden_act", "silu"},     {"max_position_embeddings", 8192},
          {"rope_theta", 500000.0}};
}

json tiny() {
  return {{"format", "tpusim-model"}, {"name", "tiny"},          {"source", "test"},   {"layers", 2},
          {"hidden_size", 256},       {"heads", 4},              {"kv_heads", 2},      {"head_dim", 64},
          {"intermediate_size", 512}, {"vocab_size", 1024},      {"mlp", "gated"},     {"activation", "silu"}};
}

/// Within `rel` of a published figure.
bool near(double value, double published, double rel) { return std::abs(value - published) <= rel * published; }

}  // namespace

TEST_CASE("models: shipped configs give the published parameter counts", "[models]") {
  // Published totals: GPT-2 small 124M (Radford et al. 2019; tpusim ignores its 0.1M biases),
  // Llama 3 8B 8.03B and 70B 70.6B (Meta's model cards), Mixtral 8x7B 46.7B (Mistral AI,
  // "Mixtral of experts", 2024), PaLM 540.35B (Chowdhery et al. 2022, Table 1).
  CHECK(near(load_model_config(models_dir() + "gpt2.json").total_params(), 124.44e6, 0.002));
  CHECK(near(load_model_config(models_dir() + "llama3_8b.json").total_params(), 8.03e9, 0.002));
  CHECK(near(load_model_config(models_dir() + "llama3_70b.json").total_params(), 70.55e9, 0.002));
  const ModelConfig mixtral = load_model_config(models_dir() + "mixtral_8x7b.json");
  CHECK(near(mixtral.total_params(), 46.7e9, 0.002));
  // Mixtral's active parameters per token: 12.9B (Mistral AI) including embeddings;
  // active_matmul_params counts the LM head but not the embedding lookup (0.13B).
  CHECK(near(mixtral.active_matmul_params() + mixtral.vocab * mixtral.hidden, 12.9e9, 0.01));
  const ModelConfig palm = load_model_config(models_dir() + "palm_540b.json");
  CHECK(near(palm.total_params(), 540.35e9, 0.001));
  CHECK(palm.kv_heads == 1);
  CHECK(palm.parallel_block);
  // MaxText's models publish no parameter count; by hand from their configs (gated MLP, untied
  // embeddings, vocabulary 32000, head_dim 128, two RMSNorms per layer and a final one):
  // 22B: 48 x (6144 x 72 x 128 + 3072 x 6144 + 3 x 6144 x 24576) + 2 x 32000 x 6144 + 97 x 6144.
  CHECK(load_model_config(models_dir() + "maxtext_22b.json").total_params() ==
        48ull * (56623104 + 18874368 + 452984832) + 393216000 + 595968);
  // 16B: 32 x (4096 x 192 x 128 + 8192 x 4096 + 3 x 4096 x 28672) + 2 x 32000 x 4096 + 65 x 4096.
  CHECK(load_model_config(models_dir() + "maxtext_16b.json").total_params() ==
        32ull * (100663296 + 33554432 + 352321536) + 262144000 + 266240);
  // 32B: 32 x (8192 x 192 x 128 + 8192 x 8192 + 3 x 8192 x 28672) + 2 x 32000 x 8192 + 65 x 8192.
  CHECK(load_model_config(models_dir() + "maxtext_32b.json").total_params() ==
        32ull * (201326592 + 67108864 + 704643072) + 524288000 + 532480);
}

TEST_CASE("models: head_dim is used when given, never derived then", "[models]") {
  json doc = llama();
  doc["head_dim"] = 256;  // Gemma-style: heads x head_dim != hidden
  const ModelConfig m = parse_model_config(doc, "m.json");
  CHECK(m.head_dim == 256);
  CHECK(parse_model_config(llama(), "m.json").head_dim == 128);
  CHECK(m.kv_heads == 8);
  json mha = llama();
  mha.erase("num_key_value_heads");  // as in transformers: MHA when absent
  CHECK(parse_model_config(mha, "m.json").kv_heads == 32);
}

TEST_CASE("models: config errors name the file and the pointer", "[models][errors]") {
  json unknown = llama();
  unknown["model_type"] = "bloom";
  CHECK(config_error(unknown) ==
        "m.json: /model_type: unknown \"bloom\"; allowed: gpt2, llama, mistral, qwen2, mixtral, qwen2_moe");
  json missing = llama();
  missing.erase("hidden_size");
  CHECK(config_error(missing) == "m.json: /hidden_size: missing; the llama model needs it");
  json no_type = llama();
  no_type.erase("model_type");
  CHECK(config_error(no_type).rfind("m.json: /model_type: missing;", 0) == 0);
  json groups = llama();
  groups["num_key_value_heads"] = 5;
  CHECK(config_error(groups) == "m.json: /num_key_value_heads: 32 query heads are not divisible into 5 key/value groups");
  json mixtral = llama();
  mixtral["model_type"] = "mixtral";
  CHECK(config_error(mixtral) == "m.json: /num_local_experts: missing; the mixtral model needs it");
  json own = tiny();
  own["hiden_size"] = 3;
  CHECK(config_error(own).rfind("m.json: /hiden_size: unknown key", 0) == 0);
  json bad_format = tiny();
  bad_format["format"] = "other";
  CHECK(config_error(bad_format).rfind("m.json: /format: expected \"tpusim-model\"", 0) == 0);
}

TEST_CASE("models: scenario errors name the file and the pointer", "[models][errors]") {
  CHECK(scenario_error({{"name", "s"}, {"kind", "prefill"}}) == "s.json: /prompt: is required but missing");
  CHECK(scenario_error({{"name", "s"}, {"kind", "serve"}}).rfind("s.json: /kind: unknown \"serve\"; allowed: prefill, decode, request, train_step", 0) == 0);
  // A key of another kind is unknown here.
  CHECK(scenario_error({{"name", "s"}, {"kind", "decode"}, {"context", 8}, {"tokens", 1}, {"recompute", "full"}})
            .rfind("s.json: /recompute: unknown key", 0) == 0);
  CHECK(scenario_error({{"name", "s"}, {"kind", "prefill"}, {"prompt", 8}, {"datatypes", {{"kv", "int8"}}}})
            .rfind("s.json: /datatypes/kv: unknown key", 0) == 0);
  const ModelConfig m = parse_model_config(tiny(), "m.json");
  Scenario s = parse_scenario({{"name", "s"}, {"kind", "prefill"}, {"prompt", 5000}}, "s.json");
  ModelConfig limited = m;
  limited.max_positions = 4096;
  try {
    generate(limited, s);
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "s.json: /prompt: 5000 tokens in all exceed the model's max_position_embeddings 4096 (m.json)");
  }
  // A training step spells its length "sequence": the message names that key, not /prompt.
  const Scenario t = parse_scenario({{"name", "s"}, {"kind", "train_step"}, {"sequence", 5000}}, "s.json");
  try {
    generate(limited, t);
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == "s.json: /sequence: 5000 tokens in all exceed the model's max_position_embeddings 4096 (m.json)");
  }
}

TEST_CASE("models: decode blocks share the dense part and pad the KV cache to its block", "[models]") {
  const ModelConfig m = parse_model_config(tiny(), "m.json");
  const Scenario s = parse_scenario(
      {{"name", "s"}, {"kind", "decode"}, {"context", 100}, {"tokens", 60}, {"attention", {{"kv_block_tokens", 64}}}},
      "s.json");
  const Generated g = generate(m, s);
  // Steps attend to 101..160 keys: padded to 128 (steps 1..28, keys 101..128) and 192 (29..60).
  REQUIRE(g.blocks.size() == 5);
  CHECK(g.blocks[1].name == "decode.layer.dense");
  CHECK(g.blocks[1].repeat == 60 * 2);
  CHECK(g.blocks[2].name == "decode.layer.attention.kv128");
  CHECK(g.blocks[2].repeat == 28 * 2);
  CHECK(g.blocks[3].name == "decode.layer.attention.kv192");
  CHECK(g.blocks[3].repeat == 32 * 2);
  // The attention core reads the KV cache with its own datatype as the B operand.
  CHECK(g.blocks[2].weight_type == s.types.kv_cache);
  // GQA: 2 query heads per K/V head, so Q K^T has m = 2 rows per group, count = batch x kv_heads.
  const json& scores = g.blocks[2].graph["layers"][0];
  CHECK(scores["op"] == "matmul");
  CHECK(scores["m"] == 2);
  CHECK(scores["k"] == 64);
  CHECK(scores["n"] == 128);
  CHECK(scores["count"] == 2);
  CHECK(g.generated_tokens == 60);
  // KV cache: 2 (K, V) x 2 layers x 2 kv heads x 64 x 160 tokens x 2 bytes.
  CHECK(g.memory.kv_cache == 2 * 2 * 2 * 64 * 160 * 2);
  CHECK(g.memory.weights == m.total_params() * 2);
}

TEST_CASE("models: a training step's backward pass doubles the forward MACs", "[models]") {
  const ModelConfig m = parse_model_config(tiny(), "m.json");
  const Scenario s = parse_scenario({{"name", "s"}, {"kind", "train_step"}, {"batch", 2}, {"sequence", 64},
                                     {"recompute", "full"}},
                                    "s.json");
  const Generated g = generate(m, s);
  auto macs = [](const Block& b) {
    double sum = 0;
    for (const json& l : b.graph["layers"])
      if (l["op"] == "gemm" || l["op"] == "matmul")
        sum += l["m"].get<double>() * l["n"].get<double>() * l["k"].get<double>() * l.value("count", 1.0);
    return sum;
  };
  const Block* fwd = nullptr;
  const Block* bwd = nullptr;
  for (const Block& b : g.blocks) {
    if (b.name == "train.layer.dense") fwd = &b;
    if (b.name == "train.layer.dense.backward") bwd = &b;
  }
  REQUIRE(fwd != nullptr);
  REQUIRE(bwd != nullptr);
  CHECK(macs(*bwd) == 2 * macs(*fwd));
  CHECK(fwd->repeat == 2 * m.layers);  // full recomputation reruns the forward pass
  // Adam: fp32 master + 2 moments, bf16 gradients.
  CHECK(g.memory.optimizer == m.total_params() * 12);
  CHECK(g.memory.gradients == m.total_params() * 2);
}
