#pragma once
/// An ONNX model as the importer sees it: the parsed protobuf after shape inference, with every
/// tensor's element type and static shape, and the values of the small integer tensors that
/// shapes are computed from (Shape -> Gather -> Concat -> Reshape chains). Internal to
/// sim/importers/onnx: this header pulls the ONNX and protobuf headers, which only this folder's
/// sources include (onnx_import.h is the folder's public interface).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace tpusim::importers::onnx_import {

/// A small integer (or boolean) tensor's value: what shapes are computed from.
struct IntTensor {
  std::vector<int64_t> dims;
  std::vector<int64_t> data;  ///< row-major, size = product of dims (1 for a scalar)
};

/// What the model says about one tensor.
struct TensorInfo {
  bool is_tensor = true;        ///< false for sequences, maps, optionals
  int32_t elem_type = 0;        ///< onnx::TensorProto_DataType
  bool shape_known = false;     ///< every dim is a number
  std::vector<int64_t> dims;    ///< when shape_known
  std::string symbolic;         ///< a symbolic dim's name (or "?"), when the rank is known but a dim is not
  bool initializer = false;
  std::optional<IntTensor> value;  ///< evaluated at load time (small integer tensors only)
  uint64_t elements() const;
};

/// "float32", "int64", ... for an onnx::TensorProto_DataType; "undefined" for 0.
std::string dtype_name(int32_t elem_type);
/// Bytes per element of a type (0 when not fixed: strings, undefined).
uint64_t dtype_bytes(int32_t elem_type);

class OnnxModel {
 public:
  /// Parses the bytes of a .onnx file, runs ONNX shape inference with data propagation, and
  /// evaluates shape computations until no more shapes become known. InputError naming `path`.
  OnnxModel(const std::string& bytes, const std::string& path);

  const onnx::GraphProto& graph() const { return model_.graph(); }
  /// The original op type of node i (shape computations are replaced by constants while
  /// inferring; this keeps what the file said).
  const std::string& op_type(size_t i) const { return op_types_[i]; }
  const onnx::NodeProto& node(size_t i) const { return nodes_[i]; }
  size_t node_count() const { return nodes_.size(); }
  int64_t opset() const { return opset_; }
  std::string producer() const;
  /// Info of a tensor by name (nullptr when the model never declares or infers it).
  const TensorInfo* tensor(const std::string& name) const;
  /// The graph's inputs that are not initializers, in order.
  const std::vector<std::string>& inputs() const { return inputs_; }

 private:
  void infer_shapes(const std::string& path);
  void collect_tensors();
  /// Evaluates every node whose output is a small integer tensor computable from known values
  /// and static shapes; returns how many new values were found.
  size_t evaluate_constants();

  onnx::ModelProto model_;
  std::vector<onnx::NodeProto> nodes_;  ///< the nodes as the file has them
  std::vector<std::string> op_types_;
  std::vector<onnx::ValueInfoProto> file_value_info_;
  std::map<std::string, TensorInfo> tensors_;
  std::vector<std::string> inputs_;
  int64_t opset_ = 0;
};

/// Attribute helpers (absent: the fallback).
int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback);
std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name, std::vector<int64_t> fallback = {});
std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback);
float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback);
const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const std::string& name);

/// Decodes an integer or boolean TensorProto of at most `max_elements` elements.
std::optional<IntTensor> decode_int_tensor(const onnx::TensorProto& t, uint64_t max_elements);

/// Evaluates one shape-computation node from its inputs' values and shapes (nullopt when the op
/// is not one the evaluator knows or an input value is missing). onnx_const_eval.cpp.
std::optional<IntTensor> evaluate_node(const onnx::NodeProto& n, int64_t opset,
                                       const std::vector<const TensorInfo*>& inputs, const TensorInfo* output);

}  // namespace tpusim::importers::onnx_import
