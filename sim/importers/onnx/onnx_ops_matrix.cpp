// Matrix ops of ONNX onto tpusim's conv2d, linear, gemm and matmul (README.md beside this file).
#include <algorithm>

#include <fmt/format.h>

#include "sim/importers/onnx/onnx_ops.h"

namespace tpusim::importers::onnx_import {

using nlohmann::json;

namespace {

uint64_t prod(const std::vector<int64_t>& d, size_t from = 0, size_t to = SIZE_MAX) {
  uint64_t p = 1;
  for (size_t i = from; i < std::min(to, d.size()); ++i) p *= static_cast<uint64_t>(d[i]);
  return p;
}

}  // namespace

std::vector<AxisWindow> windows(Lowering& L, size_t i, const std::vector<int64_t>& in, const std::vector<int64_t>& kernel,
                                const std::vector<int64_t>& out, bool ceil_mode) {
  const auto& n = L.model().node(i);
  const size_t s = kernel.size();
  const auto strides = attr_ints(n, "strides", std::vector<int64_t>(s, 1));
  const auto dilations = attr_ints(n, "dilations", std::vector<int64_t>(s, 1));
  const auto pads = attr_ints(n, "pads", std::vector<int64_t>(2 * s, 0));
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (strides.size() != s || dilations.size() != s || pads.size() != 2 * s)
    L.fail(i, fmt::format("strides, dilations and pads must have {} and {} values for a {}-D window", s, 2 * s, s));
  std::vector<AxisWindow> w(s);
  for (size_t a = 0; a < s; ++a) {
    AxisWindow& x = w[a];
    x.in = in[a];
    x.kernel = kernel[a];
    x.stride = strides[a];
    x.dilation = dilations[a];
    if (x.stride < 1 || x.dilation < 1 || x.kernel < 1) L.fail(i, "strides, dilations and kernel sizes must be >= 1");
    const int64_t extent = x.dilation * (x.kernel - 1) + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t o = (x.in + x.stride - 1) / x.stride;
      const int64_t total = std::max<int64_t>(0, (o - 1) * x.stride + extent - x.in);
      x.pad_begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      x.pad_end = total - x.pad_begin;
    } else if (auto_pad == "NOTSET") {
      x.pad_begin = pads[a];
      x.pad_end = pads[a + s];
    } else if (auto_pad != "VALID") {
      L.fail(i, fmt::format("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got \"{}\"", auto_pad));
    }
    if (x.pad_begin < 0 || x.pad_end < 0) L.fail(i, "pads must be >= 0");
    // ceil_mode (pooling) adds the windows that start inside the input but end past it: as much
    // more end padding as the output the model states needs.
    if (ceil_mode && a < out.size())
      x.pad_end += std::max<int64_t>(0, (out[a] - 1) * x.stride + extent - (x.in + x.pad_begin + x.pad_end));
    // tpusim's padding is symmetric: the excess of one side is an input row or column of zeros
    // (the layer reads a pre-padded input), which gives the same output size and the same MACs.
    x.pad = std::min(x.pad_begin, x.pad_end);
    x.in_padded = x.in + x.pad_begin + x.pad_end - 2 * x.pad;
    x.out = (x.in_padded + 2 * x.pad - extent) / x.stride + 1;
    if (x.in_padded + 2 * x.pad < extent) L.fail(i, "the window is larger than the padded input");
    if (a < out.size() && x.out != out[a])
      L.fail(i, fmt::format("output size {} on spatial axis {} disagrees with the inferred shape ({})", x.out, a, out[a]));
  }
  return w;
}

void lower_conv(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  if (n.input_size() < 2) L.fail(i, "Conv needs X and W");
  const auto& x = L.shape(i, n.input(0));
  const auto& w = L.shape(i, n.input(1));
  const auto& y = L.shape(i, n.output(0));
  if (x.size() < 3 || w.size() != x.size() || y.size() != x.size())
    L.fail(i, "X, W and Y must have the same rank, at least 3 (N, C, spatial...)");
  const int64_t group = attr_int(n, "group", 1);
  const size_t s = x.size() - 2;
  const std::vector<int64_t> in(x.begin() + 2, x.end()), kernel(w.begin() + 2, w.end()), out(y.begin() + 2, y.end());
  const auto win = windows(L, i, in, kernel, out, false);
  if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1])
    L.fail(i, fmt::format("group {} does not divide input channels {} and filters {} (W has {} channels per group)",
                          group, x[1], w[0], w[1]));
  if (s > 2) {  // 3-D and up: im2col GEMM per group (inputs counted as the im2col matrix)
    const uint64_t m = static_cast<uint64_t>(y[0]) * prod(y, 2), k = prod(w, 1);
    const std::string name = L.emit(i, {{"op", "gemm"}, {"m", m}, {"n", w[0] / group}, {"k", k}, {"count", group}},
                                    {n.input(0)});
    L.produce(i, name, true);
    return;
  }
  const AxisWindow h = s == 2 ? win[0] : AxisWindow{}, ww = win[s - 1];
  json layer = {{"op", "conv2d"}, {"batch", x[0]}, {"in_h", h.in_padded}, {"in_w", ww.in_padded}, {"in_c", x[1]},
                {"out_c", w[0]}, {"kernel_h", h.kernel}, {"kernel_w", ww.kernel}, {"stride", {h.stride, ww.stride}},
                {"padding", {h.pad, ww.pad}}, {"dilation", {h.dilation, ww.dilation}}, {"groups", group}};
  const std::string name = L.emit(i, layer, {n.input(0)});
  L.produce(i, name, true);
}

void lower_conv_transpose(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  if (n.input_size() < 2) L.fail(i, "ConvTranspose needs X and W");
  const auto& x = L.shape(i, n.input(0));
  const auto& w = L.shape(i, n.input(1));
  const uint64_t out_elems = L.elements(i, n.output(0));
  const int64_t group = attr_int(n, "group", 1);
  // The ranks first: the channel message reads x[1] and w[0] (fuzz_onnx, 2026-12-02: a rank-1 X
  // was a heap-buffer-overflow in the message of this very check).
  if (x.size() < 3 || w.size() != x.size())
    L.fail(i, fmt::format("X has rank {} and W rank {}; expected equal ranks of at least 3 (N x C x spatial)",
                          x.size(), w.size()));
  if (group < 1 || x[1] % group != 0 || w[0] != x[1])
    L.fail(i, fmt::format("X {} channels, W {} input channels, group {}: inconsistent", x[1], w[0], group));
  // Each input pixel times the filter: C[N*H*W, (M/g)*kh*kw] = X[N*H*W, C/g] x W[C/g, (M/g)*kh*kw]
  // per group; then the products scatter-add into the output (col2im), one add per product.
  const uint64_t m = static_cast<uint64_t>(x[0]) * prod(x, 2);
  const uint64_t kdim = static_cast<uint64_t>(x[1] / group), ndim = prod(w, 1);
  const std::string gemm = L.emit(i, {{"op", "gemm"}, {"m", m}, {"n", ndim}, {"k", kdim}, {"count", group}}, {n.input(0)});
  const uint64_t products = m * ndim * static_cast<uint64_t>(group);
  const std::string col2im = L.emit_reading(
      i, {{"op", "vector"}, {"elements_in", products}, {"elements_out", out_elems}, {"lane_ops", products}}, {gemm},
      "/col2im");
  L.produce(i, col2im, false);
}

/// C = A x B where exactly one operand is constant (weights) or both are activations.
void lower_product(Lowering& L, size_t i, const std::string& a, const std::string& b, std::vector<int64_t> as,
                   std::vector<int64_t> bs) {
  if (as.empty() || bs.empty()) L.fail(i, "MatMul operands must have at least one dimension");
  if (as.size() == 1) as.insert(as.begin(), 1);  // numpy: a vector is a 1 x K row ...
  if (bs.size() == 1) bs.push_back(1);           // ... or a K x 1 column
  const uint64_t M = static_cast<uint64_t>(as[as.size() - 2]), K = static_cast<uint64_t>(as.back());
  const uint64_t N = static_cast<uint64_t>(bs.back());
  if (static_cast<uint64_t>(bs[bs.size() - 2]) != K)
    L.fail(i, fmt::format("inner dimensions differ: A has K = {}, B has {}", K, bs[bs.size() - 2]));
  const uint64_t ba = prod(as, 0, as.size() - 2), bb = prod(bs, 0, bs.size() - 2);
  const bool a_act = !L.is_constant(a), b_act = !L.is_constant(b);
  const uint64_t batch = std::max(ba, bb);
  // Broadcast operands are shared by every instance: folded into the GEMM's rows (B shared) or
  // columns (A shared), so a weight matrix is loaded once, not once per instance.
  uint64_t m = M, nn = N, count = batch;
  if (bb == 1) {
    m = batch * M;
    count = 1;
  } else if (ba == 1) {
    nn = batch * N;
    count = 1;
  }
  std::string name;
  if (a_act && b_act) {
    name = L.emit(i, {{"op", "matmul"}, {"m", m}, {"n", nn}, {"k", K}, {"count", count}}, {a, b});
  } else if (a_act) {
    name = count == 1 ? L.emit(i, {{"op", "linear"}, {"in_features", K}, {"out_features", nn}, {"tokens", m}, {"batch", 1}}, {a})
                      : L.emit(i, {{"op", "gemm"}, {"m", m}, {"n", nn}, {"k", K}, {"count", count}}, {a});
  } else {
    // Constant A, activation B: C^T = B^T A^T streams B's columns against A as the weights.
    name = count == 1 ? L.emit(i, {{"op", "linear"}, {"in_features", K}, {"out_features", m}, {"tokens", nn}, {"batch", 1}}, {b})
                      : L.emit(i, {{"op", "gemm"}, {"m", nn}, {"n", m}, {"k", K}, {"count", count}}, {b});
  }
  L.produce(i, name, true);
}

void lower_matmul(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  // MatMulInteger and QLinearMatMul carry zero points and scales besides A and B.
  const bool qlinear = L.model().op_type(i) == "QLinearMatMul";
  const std::string a = n.input(0), b = n.input(qlinear ? 3 : 1);
  lower_product(L, i, a, b, L.shape(i, a), L.shape(i, b));
}

void lower_gemm(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  if (n.input_size() < 2) L.fail(i, "Gemm needs A and B");
  auto as = L.shape(i, n.input(0)), bs = L.shape(i, n.input(1));
  if (as.size() != 2 || bs.size() != 2) L.fail(i, "Gemm's A and B must be matrices");
  if (attr_int(n, "transA", 0)) std::swap(as[0], as[1]);
  if (attr_int(n, "transB", 0)) std::swap(bs[0], bs[1]);
  // C (the bias) initialises the accumulators: no cost of its own, as for Conv's B.
  lower_product(L, i, n.input(0), n.input(1), as, bs);
}

}  // namespace tpusim::importers::onnx_import
