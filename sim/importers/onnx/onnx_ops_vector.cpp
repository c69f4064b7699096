// Vector-unit ops of ONNX: pooling, elementwise, normalisation, reductions and data movement
// (README.md beside this file gives every op's counts).
#include <algorithm>

#include <fmt/format.h>

#include "sim/importers/onnx/onnx_ops.h"

namespace tpusim::importers::onnx_import {

using nlohmann::json;

namespace {

/// A vector op stated by its counts: elements read, written, lane-operations.
std::string emit_counts(Lowering& L, size_t i, uint64_t in, uint64_t out, uint64_t ops,
                        const std::vector<std::string>& inputs) {
  const std::string name = L.emit(i, {{"op", "vector"}, {"elements_in", std::max<uint64_t>(in, 1)},
                                      {"elements_out", std::max<uint64_t>(out, 1)}, {"lane_ops", std::max<uint64_t>(ops, 1)}},
                                  inputs);
  L.produce(i, name, false);
  return name;
}

/// Elements of every input that is present (activations and constants alike: both are read).
uint64_t input_elements(Lowering& L, size_t i) {
  uint64_t e = 0;
  for (const auto& in : L.model().node(i).input())
    if (!in.empty()) e += L.elements(i, in);
  return e;
}

int64_t normalise_axis(Lowering& L, size_t i, int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= std::max<int64_t>(r, 1)) L.fail(i, fmt::format("axis {} is out of range for rank {}", axis, r));
  return axis < 0 ? axis + r : axis;
}

uint64_t prod(const std::vector<int64_t>& d, size_t from, size_t to) {
  uint64_t p = 1;
  for (size_t k = from; k < std::min(to, d.size()); ++k) p *= static_cast<uint64_t>(d[k]);
  return p;
}

}  // namespace

void lower_pool(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const std::string& op = L.model().op_type(i);
  const auto& x = L.shape(i, n.input(0));
  const auto& y = L.shape(i, n.output(0));
  if (x.size() < 3 || y.size() != x.size()) L.fail(i, "X and Y must have rank >= 3 (N, C, spatial...)");
  const auto kernel = attr_ints(n, "kernel_shape");
  const size_t s = x.size() - 2;
  if (kernel.size() != s) L.fail(i, fmt::format("kernel_shape must have {} values", s));
  const std::vector<int64_t> in(x.begin() + 2, x.end()), out(y.begin() + 2, y.end());
  const auto win = windows(L, i, in, kernel, out, attr_int(n, "ceil_mode", 0) != 0);
  const bool dilated = std::any_of(win.begin(), win.end(), [](const AxisWindow& w) { return w.dilation != 1; });
  const uint64_t taps = prod(kernel, 0, kernel.size());
  if (s > 2 || dilated || op == "LpPool") {
    // One compare or add per window element (LpPool: a power and an add), as tpusim's pooling.
    const uint64_t yo = L.elements(i, n.output(0));
    emit_counts(L, i, L.elements(i, n.input(0)), yo, yo * taps * (op == "LpPool" ? 2 : 1), {n.input(0)});
    return;
  }
  const AxisWindow h = s == 2 ? win[0] : AxisWindow{}, w = win[s - 1];
  const json layer = {{"op", op == "MaxPool" ? "maxpool" : "avgpool"}, {"batch", x[0]}, {"in_h", h.in_padded},
                      {"in_w", w.in_padded}, {"channels", x[1]}, {"kernel", {h.kernel, w.kernel}},
                      {"stride", {h.stride, w.stride}}, {"padding", {h.pad, w.pad}}};
  L.produce(i, L.emit(i, layer, {n.input(0)}), false);
}

void lower_global_pool(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const auto& x = L.shape(i, n.input(0));
  if (x.size() < 3) L.fail(i, "X must have rank >= 3 (N, C, spatial...)");
  const uint64_t plane = prod(x, 2, x.size());
  const bool avg = L.model().op_type(i) == "GlobalAveragePool";
  if (x.size() == 4) {
    json layer = avg ? json{{"op", "global_avgpool"}, {"batch", x[0]}, {"in_h", x[2]}, {"in_w", x[3]}, {"channels", x[1]}}
                     : json{{"op", "maxpool"}, {"batch", x[0]}, {"in_h", x[2]}, {"in_w", x[3]}, {"channels", x[1]},
                            {"kernel", {x[2], x[3]}}};
    L.produce(i, L.emit(i, layer, {n.input(0)}), false);
    return;
  }
  const uint64_t e = L.elements(i, n.input(0));
  emit_counts(L, i, e, e / plane, e, {n.input(0)});
}

void lower_unary(Lowering& L, size_t i, uint64_t per_element) {
  const auto& n = L.model().node(i);
  const std::string& op = L.model().op_type(i);
  const auto acts = L.activation_inputs(i);
  // Elementwise: an op ONNX's inference does not know (com.microsoft's Gelu) has its input's shape.
  const TensorInfo* out = L.model().tensor(n.output(0));
  const uint64_t e = out && out->shape_known ? L.elements(i, n.output(0)) : L.elements(i, acts[0]);
  if ((op == "Relu" || op == "Gelu") && L.elements(i, acts[0]) == e) {
    L.produce(i, L.emit(i, {{"op", op == "Relu" ? "relu" : "gelu"}, {"elements", e}, {"batch", 1}}, {acts[0]}), false);
    return;
  }
  emit_counts(L, i, input_elements(L, i), e, e * per_element, acts);
}

void lower_nary(Lowering& L, size_t i, uint64_t per_element) {
  const auto& n = L.model().node(i);
  const uint64_t e = L.elements(i, n.output(0));
  uint64_t operands = 0;
  for (const auto& in : n.input()) operands += in.empty() ? 0 : 1;
  // Combining k operands takes k - 1 operations per element (at least one).
  emit_counts(L, i, input_elements(L, i), e, e * per_element * std::max<uint64_t>(1, operands - 1), L.activation_inputs(i));
}

void lower_add(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const uint64_t e = L.elements(i, n.output(0));
  const auto acts = L.activation_inputs(i);
  bool full = true;  // tpusim's add reads operands of the output's size
  for (const auto& a : acts) full = full && L.elements(i, a) == e;
  if (acts.size() == 1 && full) {
    // A constant with at most one value per output channel after a matrix op that only this add
    // reads is that op's bias: the accumulators start from it, as for Conv's B and Gemm's C.
    const std::string into = L.foldable_into(acts[0]);
    const std::string& c = n.input(0) == acts[0] ? n.input(1) : n.input(0);
    const auto& y = L.shape(i, n.output(0));
    const int64_t widest = y.empty() ? 1 : *std::max_element(y.begin(), y.end());
    if (!into.empty() && L.elements(i, c) <= static_cast<uint64_t>(widest)) {
      L.fold(i, into, fmt::format("a bias add: \"{}\" starts its accumulators from the constant", into));
      return;
    }
  }
  if (full && !acts.empty() && acts.size() <= 2) {
    L.produce(i, L.emit(i, {{"op", "add"}, {"elements", e}, {"batch", 1}}, acts), false);
    return;
  }
  lower_nary(L, i, 1);
}

void lower_mul(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const uint64_t e = L.elements(i, n.output(0));
  const auto acts = L.activation_inputs(i);
  if (acts.size() == 1 && L.elements(i, acts[0]) == e) {  // times a constant: tpusim's scale
    L.produce(i, L.emit(i, {{"op", "scale"}, {"elements", e}, {"batch", 1}}, acts), false);
    return;
  }
  lower_nary(L, i, 1);
}

void lower_softmax(Lowering& L, size_t i, uint64_t per_element) {
  const auto& n = L.model().node(i);
  const auto& x = L.shape(i, n.input(0));
  const uint64_t e = L.elements(i, n.input(0));
  if (x.empty()) L.fail(i, "the input must have at least one dimension");
  // Opset 13 normalises along one axis (default -1); older opsets flatten from `axis` (default 1).
  const bool old = L.opset() < 13;
  const int64_t axis = normalise_axis(L, i, attr_int(n, "axis", old ? 1 : -1), x.size());
  const uint64_t cols = old ? prod(x, static_cast<size_t>(axis), x.size()) : static_cast<uint64_t>(x[static_cast<size_t>(axis)]);
  if (L.model().op_type(i) == "Softmax" && cols > 0) {
    // The rows are the other axes; tpusim's softmax works on the innermost one, which costs the same.
    L.produce(i, L.emit(i, {{"op", "softmax"}, {"rows", e / cols}, {"cols", cols}, {"batch", 1}}, {n.input(0)}), false);
    return;
  }
  emit_counts(L, i, e, e, e * per_element, {n.input(0)});
}

void lower_layernorm(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const auto& x = L.shape(i, n.input(0));
  if (x.empty()) L.fail(i, "the input must have at least one dimension");
  const int64_t axis = normalise_axis(L, i, attr_int(n, "axis", -1), x.size());
  const uint64_t cols = prod(x, static_cast<size_t>(axis), x.size()), e = L.elements(i, n.input(0));
  L.produce(i, L.emit(i, {{"op", "layernorm"}, {"rows", e / cols}, {"cols", cols}, {"batch", 1}}, {n.input(0)}), false);
}

void lower_instance_norm(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const auto& x = L.shape(i, n.input(0));
  if (x.size() < 3) L.fail(i, "the input must have rank >= 3 (N, C, spatial...)");
  // Each (image, channel) plane is normalised: layer norm's rows x cols.
  const uint64_t cols = prod(x, 2, x.size());
  L.produce(i, L.emit(i, {{"op", "layernorm"}, {"rows", x[0] * x[1]}, {"cols", cols}, {"batch", 1}}, {n.input(0)}), false);
}

void lower_batchnorm(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const bool training = attr_int(n, "training_mode", 0) != 0;
  const std::string into = L.foldable_into(n.input(0));
  if (!training && !into.empty()) {
    L.fold(i, into, fmt::format("inference batch norm folded into the weights and bias of \"{}\"", into));
    return;
  }
  // Inference batch norm on its own: y = x * a + b per channel, a multiply and an add.
  const uint64_t e = L.elements(i, n.output(0));
  emit_counts(L, i, L.elements(i, n.input(0)), e, 2 * e, {n.input(0)});
}

void lower_reduce(Lowering& L, size_t i, uint64_t per_input, uint64_t per_output) {
  const auto& n = L.model().node(i);
  const uint64_t in = L.elements(i, n.input(0)), out = L.elements(i, n.output(0));
  emit_counts(L, i, in, out, in * per_input + out * per_output, {n.input(0)});
}

void lower_copy(Lowering& L, size_t i, uint64_t per_element) {
  const auto& n = L.model().node(i);
  // Data movement reads the elements it keeps and writes them: one lane-operation each (a copy,
  // as tpusim's concat), more for interpolating resizes.
  uint64_t out = 0;
  for (const auto& o : n.output())
    if (!o.empty()) out += L.elements(i, o);
  emit_counts(L, i, out, out, out * per_element, L.activation_inputs(i));
}

void lower_concat(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const auto acts = L.activation_inputs(i);
  bool all_layers = acts.size() == static_cast<size_t>(n.input_size()) && acts.size() >= 2;
  // tpusim's concat sizes itself from its inputs' producers: usable when each input is exactly
  // a layer's whole output (not a view of part of one, not the workload input).
  for (const auto& a : acts) all_layers = all_layers && L.is_whole_layer_output(i, a);
  if (all_layers) {
    L.produce(i, L.emit(i, {{"op", "concat"}}, acts), false);
    return;
  }
  const uint64_t e = L.elements(i, n.output(0));
  emit_counts(L, i, e, e, e, acts);
}

void lower_split(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const uint64_t e = L.elements(i, n.input(0));
  emit_counts(L, i, e, e, e, {n.input(0)});
}

void lower_transpose(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const auto& x = L.shape(i, n.input(0));
  std::vector<int64_t> perm = attr_ints(n, "perm");
  if (perm.empty())
    for (size_t k = x.size(); k-- > 0;) perm.push_back(static_cast<int64_t>(k));
  if (perm.size() != x.size()) L.fail(i, fmt::format("perm has {} values for rank {}", perm.size(), x.size()));
  // Moving only axes of size 1 keeps every element where it was: a view.
  std::vector<int64_t> kept;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(x.size())) L.fail(i, fmt::format("perm value {} out of range", p));
    if (x[static_cast<size_t>(p)] != 1) kept.push_back(p);
  }
  if (std::is_sorted(kept.begin(), kept.end())) {
    L.alias(i, n.input(0), "a transpose that moves only axes of size 1: the same bytes");
    return;
  }
  lower_copy(L, i, 1);
}

void lower_gather(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const uint64_t out = L.elements(i, n.output(0));
  // Embedding lookup (or selection): reads the indices and the rows they pick, writes the rows.
  const uint64_t indices = n.input_size() > 1 ? L.elements(i, n.input(1)) : 0;
  emit_counts(L, i, out + indices, out, out, L.activation_inputs(i));
}

void lower_view(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const std::string& op = L.model().op_type(i);
  if (L.is_constant(n.input(0))) L.fail(i, "a view of a constant should have been folded");
  L.alias(i, n.input(0), fmt::format("{}: the same elements in the same row-major order", op));
}

void lower_resize(Lowering& L, size_t i) {
  const auto& n = L.model().node(i);
  const std::string mode = attr_string(n, "mode", "nearest");
  // Per output element: nearest copies one input; linear blends 2 per axis (4 taps in 2-D: 3
  // lerps of 2 ops, counted as 4); cubic 4 taps per axis (16 in 2-D).
  const uint64_t per = mode == "nearest" ? 1 : mode == "linear" || mode == "bilinear" ? 4 : 16;
  const uint64_t out = L.elements(i, n.output(0));
  emit_counts(L, i, L.elements(i, n.input(0)), out, out * per, {n.input(0)});
}

}  // namespace tpusim::importers::onnx_import
