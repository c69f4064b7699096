#pragma once
/// Scenarios: what a model is asked to do (prefill, decode, a whole request, a training step),
/// with the batch, lengths, each tensor kind's datatype, attention choices and the parallelism.
/// Read strictly from workloads/scenarios/*.json (sim/models/README.md lists every key).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_loader.h"
#include "sim/base/enum_names.h"
#include "sim/spec/types.h"

namespace tpusim::models {

enum class ScenarioKind { prefill, decode, request, train_step };
/// How much of the causal mask's masked work the hardware does: all of it (`full`: every query
/// against every key) or only the unmasked half (`halved`: a kernel that skips masked blocks).
enum class CausalWork { full, halved };
/// Activation recomputation in training (Korthikanti et al., 2022): none, the attention core
/// only (selective), or the whole layer's forward pass (full).
enum class Recompute { off, selective, full };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(ScenarioKind v) {
  switch (v) {
    case ScenarioKind::prefill: return "prefill";
    case ScenarioKind::decode: return "decode";
    case ScenarioKind::request: return "request";
    case ScenarioKind::train_step: return "train_step";
  }
  return nullptr;
}
constexpr const char* name_of(CausalWork v) {
  switch (v) {
    case CausalWork::full: return "full";
    case CausalWork::halved: return "halved";
  }
  return nullptr;
}
constexpr const char* name_of(Recompute v) {
  switch (v) {
    case Recompute::off: return "off";
    case Recompute::selective: return "selective";
    case Recompute::full: return "full";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// Datatypes of the tensor kinds (each its own; the KV cache is an activation tensor in HBM).
struct TensorTypes {
  DataType weights = DataType::bf16;
  DataType kv_cache = DataType::bf16;
  DataType activations = DataType::bf16;
  DataType gradients = DataType::bf16;
  DataType optimizer = DataType::fp32;  ///< Adam's moments and the master weights
};

/// Degrees of parallelism (issue 14's partition applies them; all 1 = one chip).
struct Parallelism {
  uint64_t dp = 1, tp = 1, pp = 1, ep = 1, sp = 1;
  /// Fully sharded data parallelism (ZeRO-3, MaxText's fsdp axis): weights, gradients and
  /// optimizer state are split over the dp chips; each layer's weights are all-gathered before
  /// use and its gradients reduce-scattered, both overlapping compute (sim/models/README.md).
  bool fsdp = false;
  /// Tensor-parallel collectives overlap the compute that depends on them (XLA's asynchronous
  /// collective fusion and collective matmul, Wang et al., ASPLOS 2023): only what exceeds the
  /// block's compute is exposed. false: each runs after its block (exposed).
  bool overlap_collectives = false;
  /// Pipeline parallelism: microbatches each chip's batch is cut into, in flight through the
  /// pp stages (GPipe / 1F1B; sim/models/README.md "Pipeline parallelism"). 1 without pp.
  uint64_t microbatches = 1;
  uint64_t chips() const { return dp * tp * pp * ep * sp; }
};

struct Scenario {
  std::string name;
  std::string file;
  ScenarioKind kind = ScenarioKind::prefill;
  uint64_t batch = 1;    ///< sequences processed together
  uint64_t prompt = 0;   ///< prefill / request: prompt tokens; train_step: sequence length
  uint64_t context = 0;  ///< decode: tokens already in the KV cache when the first step runs
  uint64_t tokens = 0;   ///< decode / request: tokens generated (decode steps)
  TensorTypes types;
  CausalWork causal = CausalWork::full;
  /// Decode attention reads the KV cache in blocks of this many tokens (a paged cache / the
  /// kernel's block): a step with L cached tokens does the work of ceil(L / b) x b. 1 = exact.
  uint64_t kv_block_tokens = 128;
  /// attention.fused: the attention core as one flash-style kernel (the workload op `attention`:
  /// scores and probabilities stay on chip; sim/mapper/attention.h) instead of three ops through HBM.
  bool fused_attention = false;
  Recompute recompute = Recompute::off;
  Parallelism parallelism;
  /// Fail when the per-chip footprint exceeds the chip's HBM (/dram/capacity_bytes); false: report it.
  bool require_fit = true;
};

Scenario load_scenario(const std::string& path);
/// The scenario file with `--scenario-set /json/pointer=value` overrides applied before the
/// strict parse (tpusim run --scenario-set, the sweep's /scenario/... axes); an error they
/// cause names the option.
Scenario load_scenario(const std::string& path, const std::vector<config::Override>& overrides);
Scenario parse_scenario(const nlohmann::json& doc, const std::string& file);

}  // namespace tpusim::models
