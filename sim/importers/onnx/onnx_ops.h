#pragma once
/// The op lowerings (internal to sim/importers/onnx): one function per family of ONNX ops, each
/// emitting the node's layers through the Lowering. The table of which op goes where is
/// onnx_ops.cpp; the costs are documented in README.md beside this file.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/importers/onnx/onnx_lowering.h"

namespace tpusim::importers::onnx_import {

/// One spatial axis of a conv or pooling window, with ONNX's pads (or auto_pad) resolved.
struct AxisWindow {
  int64_t in = 1, kernel = 1, stride = 1, dilation = 1;
  int64_t pad_begin = 0, pad_end = 0;
  int64_t pad = 0;        ///< the symmetric padding tpusim uses: min(begin, end)
  int64_t in_padded = 1;  ///< the input with the excess of one side's padding added
  int64_t out = 1;
};
/// Resolves the window of each spatial axis (strides, dilations, pads, auto_pad, ceil_mode) and
/// checks the output size against the inferred one.
std::vector<AxisWindow> windows(Lowering& L, size_t node, const std::vector<int64_t>& in,
                                const std::vector<int64_t>& kernel, const std::vector<int64_t>& out, bool ceil_mode);

// onnx_ops_matrix.cpp
void lower_conv(Lowering& L, size_t node);
void lower_conv_transpose(Lowering& L, size_t node);
void lower_gemm(Lowering& L, size_t node);
void lower_matmul(Lowering& L, size_t node);

// onnx_ops_vector.cpp
void lower_pool(Lowering& L, size_t node);
void lower_global_pool(Lowering& L, size_t node);
void lower_unary(Lowering& L, size_t node, uint64_t lane_ops_per_element);
void lower_nary(Lowering& L, size_t node, uint64_t lane_ops_per_element);
void lower_add(Lowering& L, size_t node);
void lower_mul(Lowering& L, size_t node);
void lower_softmax(Lowering& L, size_t node, uint64_t lane_ops_per_element);
void lower_layernorm(Lowering& L, size_t node);
void lower_instance_norm(Lowering& L, size_t node);
void lower_batchnorm(Lowering& L, size_t node);
void lower_reduce(Lowering& L, size_t node, uint64_t per_input, uint64_t per_output);
void lower_copy(Lowering& L, size_t node, uint64_t lane_ops_per_element);
void lower_concat(Lowering& L, size_t node);
void lower_split(Lowering& L, size_t node);
void lower_transpose(Lowering& L, size_t node);
void lower_gather(Lowering& L, size_t node);
void lower_view(Lowering& L, size_t node);
void lower_resize(Lowering& L, size_t node);

}  // namespace tpusim::importers::onnx_import
