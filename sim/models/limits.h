#pragma once
/// Size limits of model runs (sim/models/README.md, "Limits"): a model and a scenario must give
/// blocks the workload format can hold (each dimension at most 2^32, a layer's MACs and elements
/// at most 2^62) and counts that stay far from 64-bit wrap-around, or they are refused with one
/// line naming the model (or scenario) file and the field that makes them too large, before any
/// block is generated. Pure arithmetic, in long double so nothing here can wrap.
#include "sim/models/model_config.h"
#include "sim/models/scenario.h"

namespace tpusim::models {

/// A dimension of a generated op (the workload format's limit per dimension).
constexpr long double kMaxOpDim = 4294967296.0L;  // 2^32
/// A generated layer's MACs or elements (the workload format's limit: a signed 64-bit counter).
constexpr long double kMaxOpWork = 4611686018427387904.0L;  // 2^62
/// A model's parameters: the optimizer step is one vector op over all of them that reads and
/// writes up to 16 one-byte elements a parameter (fp32 master copy and moments, fp32 gradients
/// or weights, in int4/int8 activation elements), and the format holds at most 2^59 output
/// elements per op, so 2^55 (3.6e16, 20000 times the largest published model, PaLM's 5.4e11).
constexpr long double kMaxParams = 36028797018963968.0L;  // 2^55
/// Each part of a chip's footprint (weights, KV cache, activations, gradients, optimizer state):
/// bytes are counted from bits in 64 bits (bytes_for), so at most 2^60 (an exabyte).
constexpr long double kMaxFootprintBytes = 1152921504606846976.0L;  // 2^60

/// The model alone: the QKV projection's width within 2^32 (a dimension), one layer's and the
/// whole model's parameters within kMaxParams. InputError naming the model file and field.
void check_model_limits(const ModelConfig& m);

/// The scenario alone: the rows of a pass (batch x tokens per sequence) within 2^32, since they
/// are every GEMM's m. InputError naming the scenario file and /batch.
void check_scenario_limits(const Scenario& s);

/// Both, per chip (batch / (dp x ep) sequences, the model's widths / tp): each projection's MACs
/// within 2^62, each part of the footprint within kMaxFootprintBytes, the scenario's MACs in all
/// within 2^62 (the per-chip totals are 64-bit sums). InputError naming the model file and the
/// field (with the scenario's numbers in the message).
void check_run_limits(const ModelConfig& m, const Scenario& s);

}  // namespace tpusim::models
