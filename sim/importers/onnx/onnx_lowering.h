#pragma once
/// Lowering of an ONNX graph onto tpusim's ops (internal to sim/importers/onnx). Each node becomes
/// layers of a tpusim workload document (the JSON form of workloads/README.md), which the strict
/// workload parser then reads, so an imported layer means exactly what the same JSON layer means.
/// The mapping of every op: README.md beside this file.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/importers/onnx/onnx_model.h"
#include "sim/spec/workload.h"

namespace tpusim::importers::onnx_import {

/// Nodes recognised together and costed as one layer.
struct FusedPattern {
  OpKind op = OpKind::gelu;      ///< gelu (Erf-based) or layernorm (the opset-14 decomposition)
  std::vector<size_t> members;   ///< node indices, in file order; the last is the anchor
  std::string input;             ///< the tensor the pattern reads
  uint64_t cols = 0;             ///< layernorm: elements normalised together
};

/// Erf-based GELU and decomposed layer normalisation. `constant` says whether a tensor is known at
/// load time; `consumers` counts the node inputs (and graph outputs) that read each tensor.
std::vector<FusedPattern> find_patterns(const OnnxModel& m, const std::set<std::string>& constant,
                                        const std::map<std::string, size_t>& consumers);

class Lowering {
 public:
  Lowering(const OnnxModel& m, const std::string& path, bool allow_unsupported);
  /// The workload document, the node records, and for each layer the node it came from.
  nlohmann::json document() const;
  const ImportRecord& record() const { return record_; }
  const std::vector<size_t>& layer_nodes() const { return layer_node_; }
  size_t layer_count() const { return layers_.size(); }

  // --- used by the op lowerings (onnx_ops_*.cpp) ---
  const OnnxModel& model() const { return m_; }
  int64_t opset() const { return m_.opset(); }
  [[noreturn]] void fail(size_t node, const std::string& message) const;
  bool is_constant(const std::string& tensor) const { return tensor.empty() || constant_.count(tensor) > 0; }
  /// The static shape of a tensor, or an error naming the node and what it misses.
  const std::vector<int64_t>& shape(size_t node, const std::string& tensor) const;
  uint64_t elements(size_t node, const std::string& tensor) const;
  /// The node's inputs that are activations (not constants), by name.
  std::vector<std::string> activation_inputs(size_t node) const;
  /// Appends a layer (its name and "inputs" filled in) costed for `node`; returns its name.
  std::string emit(size_t node, nlohmann::json layer, const std::vector<std::string>& input_tensors,
                   const std::string& suffix = "");
  /// The same, reading tpusim tensors (layer names) rather than the node's ONNX inputs.
  std::string emit_reading(size_t node, nlohmann::json layer, const std::vector<std::string>& sources,
                           const std::string& suffix = "");
  /// The node's outputs are the data of `layer`'s output.
  void produce(size_t node, const std::string& layer, bool matrix);
  /// The node's output 0 is a view of `tensor` (the same bytes).
  void alias(size_t node, const std::string& tensor, const std::string& reason);
  /// The matrix layer that produced `tensor`, if only this node reads it ("" otherwise): what a
  /// batch norm or bias add folds into.
  std::string foldable_into(const std::string& tensor) const;
  void fold(size_t node, const std::string& layer, const std::string& reason);
  /// Whether `tensor` is the whole output of one layer (what tpusim's concat can size itself from).
  bool is_whole_layer_output(size_t node, const std::string& tensor) const;

 private:
  void classify_constants();
  void lower(size_t node);
  void lower_pattern(const FusedPattern& p);
  bool lower_op(size_t node);  ///< false: not an op tpusim knows (onnx_ops.cpp)
  ImportedNode& node_record(size_t node) { return record_.nodes[node]; }
  std::string source_of(size_t node, const std::string& tensor) const;

  const OnnxModel& m_;
  std::string path_;
  bool allow_unsupported_;
  std::string input_name_;
  std::set<std::string> constant_;
  std::map<std::string, size_t> consumers_;
  std::map<std::string, std::string> source_;        ///< activation tensor -> tpusim tensor holding it
  std::map<std::string, uint64_t> layer_elements_;   ///< layer -> elements of the ONNX tensors it wrote
  std::map<std::string, std::string> matrix_out_;    ///< tensor -> the matrix layer that wrote it
  std::map<size_t, const FusedPattern*> pattern_of_;  ///< member node -> its pattern
  std::vector<FusedPattern> patterns_;
  std::vector<nlohmann::json> layers_;
  std::vector<size_t> layer_node_;
  std::set<std::string> names_;
  ImportRecord record_;
};

}  // namespace tpusim::importers::onnx_import
