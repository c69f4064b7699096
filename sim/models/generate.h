#pragma once
/// Turns a model and a scenario into the graphs tpusim simulates: ordinary workloads of the
/// graph format (sim/spec/workload.h, workloads/README.md), each a *block* (a layer's dense part,
/// its attention core, the embedding, the LM head, the optimizer) with how many identical copies
/// of it the scenario runs. Identical blocks are generated once with their count, which is what
/// lets the runner simulate each distinct block once (sim/llm/). Pure C++: no simulation here.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/models/model_config.h"
#include "sim/models/scenario.h"

namespace tpusim::models {

/// Which part of the scenario a block's time counts towards.
enum class Phase { prefill, decode, train };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(Phase v) {
  switch (v) {
    case Phase::prefill: return "prefill";
    case Phase::decode: return "decode";
    case Phase::train: return "train";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// How a partitioner (issue 14) may split an op: see /work/coord/llm_api.md.
enum class OpRole { replicated, column_parallel, row_parallel, attention_heads, expert, lm_head };

/// A collective a block's every copy runs among the chips of one parallelism group (tp or dp),
/// timed by the system's interconnect (sim/llm).
struct Comm {
  std::string collective;  ///< "all_reduce", "all_gather", "reduce_scatter", "all_to_all" or "send_recv" (arch/interconnect spellings)
  std::string group;       ///< "tp", "sp", "ep", "dp", "pp", or several joined by '+' ("dp+ep": the chips of both)
  uint64_t bytes = 0;      ///< per participant, as arch/interconnect's CollectiveRequest counts them
  /// Runs beside the block's compute (FSDP's asynchronous weight gathers and gradient
  /// reduce-scatters): only what exceeds the block's time is exposed. false: after the compute.
  bool overlapped = false;
};

struct Block {
  std::string name;   ///< e.g. "decode.attention.kv2176"
  Phase phase = Phase::prefill;
  uint64_t repeat = 1;  ///< identical copies the scenario runs (layers x steps)
  /// The graph in the workload format (name, layers with inputs); parsed by the runner.
  nlohmann::json graph;
  /// Datatypes this block runs with (the chip's /datatypes/weight, /input and /output are set to
  /// them): B operands are `weight` (the KV cache's type for the attention core), activations `act`.
  DataType weight_type = DataType::bf16;
  DataType act_type = DataType::bf16;
  std::vector<OpRole> roles;  ///< per op of `graph`
  std::vector<Comm> comms;    ///< collectives after each copy (exposed: no overlap with compute)
};

/// Per-chip memory by kind, bytes (sim/models/README.md, "Memory").
struct Footprint {
  uint64_t weights = 0, kv_cache = 0, activations = 0, gradients = 0, optimizer = 0;
  /// Of `activations`: what a training step saves for the backward pass (one microbatch's).
  uint64_t saved_activations = 0;
  uint64_t total() const { return weights + kv_cache + activations + gradients + optimizer; }
};

struct Generated {
  std::vector<Block> blocks;
  Footprint memory;
  uint64_t prefill_tokens = 0;    ///< batch x prompt (prefill, request)
  uint64_t generated_tokens = 0;  ///< batch x decode steps (decode, request)
  uint64_t trained_tokens = 0;    ///< batch x sequence (train_step)
  uint64_t decode_steps = 0;
  /// MACs the model needs (the causal mask's unmasked work, no recomputation), per phase: the
  /// numerator of MFU (sim/models/README.md, "MFU and HFU").
  double prefill_model_macs = 0, decode_model_macs = 0, train_model_macs = 0;
};

/// Checks the scenario against the model (lengths within max_position_embeddings, parallelism
/// dividing what it splits) and generates one chip's blocks: with tensor parallelism tp each chip
/// holds heads / tp query heads, kv_heads / tp K/V heads (all of them when kv_heads < tp: MQA's
/// single K/V head is replicated), intermediate / tp MLP columns and vocab / tp LM-head columns,
/// with Megatron's all-reduces of the layer output; with data parallelism dp each chip runs
/// batch / dp sequences. MFU's model MACs are the whole model's. InputError naming the scenario.
Generated generate(const ModelConfig& model, const Scenario& scenario);

/// The footprint alone (also part of generate()).
Footprint footprint(const ModelConfig& model, const Scenario& scenario);

}  // namespace tpusim::models
