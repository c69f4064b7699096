// Which ONNX op is lowered how: the one table (README.md beside this file documents it).
#include "sim/importers/onnx/onnx_ops.h"

#include <functional>
#include <map>

namespace tpusim::importers::onnx_import {

namespace {

using Lower = std::function<void(Lowering&, size_t)>;

Lower unary(uint64_t ops) {
  return [ops](Lowering& L, size_t i) { lower_unary(L, i, ops); };
}
Lower nary(uint64_t ops) {
  return [ops](Lowering& L, size_t i) { lower_nary(L, i, ops); };
}
Lower reduce(uint64_t per_in, uint64_t per_out) {
  return [per_in, per_out](Lowering& L, size_t i) { lower_reduce(L, i, per_in, per_out); };
}
Lower copy(uint64_t ops) {
  return [ops](Lowering& L, size_t i) { lower_copy(L, i, ops); };
}

/// Lane-operations per element are estimates in the spirit of tpusim's own ops (workloads/
/// README.md): one per arithmetic step, a transcendental (exp, tanh, erf, sqrt) counting as one
/// as softmax counts its exp.
const std::map<std::string, Lower>& table() {
  static const std::map<std::string, Lower> t = {
      // matrix unit
      {"Conv", lower_conv}, {"ConvInteger", lower_conv}, {"ConvTranspose", lower_conv_transpose},
      {"Gemm", lower_gemm}, {"MatMul", lower_matmul}, {"MatMulInteger", lower_matmul}, {"QLinearMatMul", lower_matmul},
      // pooling
      {"MaxPool", lower_pool}, {"AveragePool", lower_pool}, {"LpPool", lower_pool},
      {"GlobalAveragePool", lower_global_pool}, {"GlobalMaxPool", lower_global_pool},
      // activations: ops per element
      {"Relu", unary(1)}, {"Gelu", unary(8)}, {"Sigmoid", unary(3)}, {"Tanh", unary(1)}, {"Erf", unary(1)},
      {"Exp", unary(1)}, {"Log", unary(1)}, {"Sqrt", unary(1)}, {"Reciprocal", unary(1)}, {"Neg", unary(1)},
      {"Abs", unary(1)}, {"Floor", unary(1)}, {"Ceil", unary(1)}, {"Round", unary(1)}, {"Sign", unary(1)},
      {"Sin", unary(1)}, {"Cos", unary(1)}, {"Tan", unary(1)}, {"Asin", unary(1)}, {"Acos", unary(1)},
      {"Atan", unary(1)}, {"Sinh", unary(1)}, {"Cosh", unary(1)}, {"Asinh", unary(1)}, {"Acosh", unary(1)},
      {"Atanh", unary(1)}, {"Not", unary(1)}, {"IsNaN", unary(1)}, {"IsInf", unary(1)}, {"Cast", unary(1)},
      {"CastLike", unary(1)}, {"Clip", unary(2)}, {"LeakyRelu", unary(2)}, {"ThresholdedRelu", unary(2)},
      {"Elu", unary(3)}, {"Celu", unary(3)}, {"Selu", unary(4)}, {"HardSigmoid", unary(3)}, {"HardSwish", unary(4)},
      {"Softplus", unary(2)}, {"Softsign", unary(3)}, {"Shrink", unary(2)}, {"PRelu", unary(2)},
      {"BitShift", unary(1)}, {"CumSum", unary(1)}, {"Trilu", unary(1)},
      {"QuantizeLinear", unary(2)}, {"DequantizeLinear", unary(2)},  // a scale and a zero point
      // elementwise of several operands
      {"Add", lower_add}, {"Mul", lower_mul}, {"Sub", nary(1)}, {"Div", nary(1)}, {"Pow", nary(1)},
      {"Mod", nary(1)}, {"Max", nary(1)}, {"Min", nary(1)}, {"Sum", nary(1)}, {"Mean", nary(1)},
      {"And", nary(1)}, {"Or", nary(1)}, {"Xor", nary(1)}, {"Equal", nary(1)}, {"Less", nary(1)},
      {"Greater", nary(1)}, {"LessOrEqual", nary(1)}, {"GreaterOrEqual", nary(1)}, {"Where", nary(1)},
      {"BitwiseAnd", nary(1)}, {"BitwiseOr", nary(1)}, {"BitwiseXor", nary(1)},
      // row-wise
      {"Softmax", [](Lowering& L, size_t i) { lower_softmax(L, i, 4); }},
      {"LogSoftmax", [](Lowering& L, size_t i) { lower_softmax(L, i, 5); }},
      {"Hardmax", [](Lowering& L, size_t i) { lower_softmax(L, i, 2); }},
      {"LayerNormalization", lower_layernorm}, {"InstanceNormalization", lower_instance_norm},
      {"BatchNormalization", lower_batchnorm},
      // reductions: ops per input element, per output element
      {"ReduceMean", reduce(1, 1)}, {"ReduceSum", reduce(1, 0)}, {"ReduceMax", reduce(1, 0)},
      {"ReduceMin", reduce(1, 0)}, {"ReduceProd", reduce(1, 0)}, {"ReduceL1", reduce(2, 0)},
      {"ReduceL2", reduce(2, 1)}, {"ReduceSumSquare", reduce(2, 0)}, {"ReduceLogSum", reduce(1, 1)},
      {"ReduceLogSumExp", reduce(2, 1)}, {"ArgMax", reduce(1, 0)}, {"ArgMin", reduce(1, 0)},
      // data movement
      {"Concat", lower_concat}, {"Split", lower_split}, {"Slice", copy(1)}, {"Gather", lower_gather},
      {"GatherElements", lower_gather}, {"GatherND", lower_gather}, {"Transpose", lower_transpose},
      {"Expand", copy(1)}, {"Tile", copy(1)}, {"Pad", copy(1)}, {"DepthToSpace", copy(1)},
      {"SpaceToDepth", copy(1)}, {"Compress", copy(1)},
      // values made from a shape the graph computes: one write per output element
      {"ConstantOfShape", copy(1)}, {"Range", copy(1)}, {"EyeLike", copy(1)}, {"RandomUniformLike", copy(1)},
      {"RandomNormalLike", copy(1)}, {"Bernoulli", copy(1)}, {"Resize", lower_resize}, {"Upsample", lower_resize},
      // views
      {"Reshape", lower_view}, {"Flatten", lower_view}, {"Squeeze", lower_view}, {"Unsqueeze", lower_view},
      {"Identity", lower_view}, {"Dropout", lower_view},
  };
  return t;
}

}  // namespace

bool Lowering::lower_op(size_t i) {
  const auto& n = m_.node(i);
  // Other domains are unsupported, except Microsoft's Gelu, which exporters write for GELU.
  if (!n.domain().empty() && n.domain() != "ai.onnx" && !(n.domain() == "com.microsoft" && m_.op_type(i) == "Gelu"))
    return false;
  const auto it = table().find(m_.op_type(i));
  if (it == table().end()) return false;
  it->second(*this, i);
  return true;
}

}  // namespace tpusim::importers::onnx_import
