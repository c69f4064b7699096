#pragma once
/// The ops of one transformer layer as plain records (before they become workload JSON), and
/// the rules that derive a backward pass from a forward one. Internal to sim/models.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/models/generate.h"

namespace tpusim::models::detail {

/// One op of the workload format: a matrix op (gemm: B operand from memory as weights; matmul:
/// two activations) or a vector op (elements, or rows x cols for softmax/layernorm).
struct Op {
  std::string name;
  std::string kind;  ///< the workload format's "op"
  uint64_t m = 0, k = 0, n = 0, count = 1;
  uint64_t elements = 0, rows = 0, cols = 0;
  uint64_t count_in = 0, count_out = 0, lane_ops = 0;  ///< the `vector` op: work stated as counts
  std::vector<std::string> inputs;  ///< empty: the previous op's output
  OpRole role = OpRole::replicated;

  bool matrix() const { return kind == "gemm" || kind == "matmul"; }
  uint64_t macs() const { return matrix() ? m * k * n * count : 0; }
  /// Elements of its output tensor.
  uint64_t out_elements() const;
  /// Elements of its activation inputs (A of a matrix op; every vector input).
  uint64_t in_elements() const;
  nlohmann::json to_json() const;
};

Op gemm(const std::string& name, uint64_t m, uint64_t k, uint64_t n, uint64_t count, OpRole role,
        std::vector<std::string> inputs = {});
Op matmul(const std::string& name, uint64_t m, uint64_t k, uint64_t n, uint64_t count, std::vector<std::string> inputs,
          OpRole role = OpRole::attention_heads);
Op vec(const std::string& name, const std::string& kind, uint64_t elements, std::vector<std::string> inputs = {});
Op rowwise(const std::string& name, const std::string& kind, uint64_t rows, uint64_t cols,
           std::vector<std::string> inputs = {});

/// The fused attention op (`attention`): per group m query rows against n keys of head size k.
Op fused_attention(const std::string& name, uint64_t m, uint64_t k, uint64_t n, uint64_t count,
                   std::vector<std::string> inputs);

/// The `vector` op: elements read and written and lane-operations stated directly.
Op counts(const std::string& name, uint64_t elements_in, uint64_t elements_out, uint64_t lane_ops,
          std::vector<std::string> inputs = {});

/// The name every block's ops use for the block's input tensor (activations arriving from HBM).
inline const char* kInput = "x";

/// The backward pass of a forward op list: ops in reverse, each matrix op C = A x B giving
/// dA = dC x B^T (m x n x k) and dB = A^T x dC (k x m x n, two activations), each vector op its
/// own kind over the same size (the derivative's cost, documented in sim/models/README.md).
std::vector<Op> backward(const std::vector<Op>& forward);

/// The workload JSON of a block.
nlohmann::json graph_json(const std::string& name, const std::vector<Op>& ops);

}  // namespace tpusim::models::detail
