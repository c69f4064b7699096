// Load-time evaluation of shape computations: the small integer tensors exporters compute from
// Shape (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, Slice bounds from sizes, Expand
// shapes). ONNX's own data propagation covers only some of these ops; what it leaves unknown is
// evaluated here so that every activation's shape is static. Only integer and boolean results
// are computed; anything else stays unknown (the importer then says which shape it misses).
#include <algorithm>
#include <functional>

#include "sim/importers/onnx/onnx_model.h"

namespace tpusim::importers::onnx_import {

namespace {

using Dims = std::vector<int64_t>;

int64_t product(const Dims& d) {
  int64_t p = 1;
  for (int64_t x : d) p *= x;
  return p;
}

bool integer_output(const TensorInfo* out) {
  if (!out || out->elem_type == 0) return true;  // unknown: let the op decide
  switch (out->elem_type) {
    case onnx::TensorProto_DataType_FLOAT: case onnx::TensorProto_DataType_DOUBLE:
    case onnx::TensorProto_DataType_FLOAT16: case onnx::TensorProto_DataType_BFLOAT16:
    case onnx::TensorProto_DataType_STRING: case onnx::TensorProto_DataType_COMPLEX64:
    case onnx::TensorProto_DataType_COMPLEX128: return false;
    default: return true;
  }
}

/// Numpy broadcasting of two shapes (nullopt when they do not broadcast).
std::optional<Dims> broadcast(const Dims& a, const Dims& b) {
  const size_t r = std::max(a.size(), b.size());
  Dims out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t x = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t y = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (x != y && x != 1 && y != 1) return std::nullopt;
    out[i] = x == 1 ? y : x;
  }
  return out;
}

/// Index into `t` of the element at output coordinates `coord` (broadcast).
int64_t broadcast_at(const IntTensor& t, const Dims& out_dims, const Dims& coord) {
  int64_t idx = 0, stride = 1;
  for (size_t k = 0; k < t.dims.size(); ++k) {
    const size_t td = t.dims.size() - 1 - k, od = out_dims.size() - 1 - k;
    const int64_t c = t.dims[td] == 1 ? 0 : coord[od];
    idx += c * stride;
    stride *= t.dims[td];
  }
  return t.data[static_cast<size_t>(idx)];
}

/// Elementwise op over broadcast operands.
std::optional<IntTensor> elementwise(const std::vector<const IntTensor*>& in,
                                     const std::function<std::optional<int64_t>(const std::vector<int64_t>&)>& f) {
  Dims dims;
  for (const IntTensor* t : in) {
    auto b = broadcast(dims, t->dims);
    if (!b) return std::nullopt;
    dims = *b;
  }
  IntTensor out{dims, {}};
  const int64_t n = product(dims);
  Dims coord(dims.size(), 0);
  std::vector<int64_t> args(in.size());
  for (int64_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < in.size(); ++k) args[k] = broadcast_at(*in[k], dims, coord);
    const auto v = f(args);
    if (!v) return std::nullopt;
    out.data.push_back(*v);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++coord[d] < dims[d]) break;
      coord[d] = 0;
    }
  }
  return out;
}

std::optional<IntTensor> binary(const std::string& op, const IntTensor& a, const IntTensor& b) {
  static const char* const kOps[] = {"Add", "Sub", "Mul", "Div", "Mod", "Equal", "Less", "Greater", "LessOrEqual",
                                     "GreaterOrEqual", "Max", "Min", "And", "Or"};
  if (std::find(std::begin(kOps), std::end(kOps), op) == std::end(kOps)) return std::nullopt;
  return elementwise({&a, &b}, [&](const std::vector<int64_t>& v) -> std::optional<int64_t> {
    const int64_t x = v[0], y = v[1];
    if (op == "Add") return x + y;
    if (op == "Sub") return x - y;
    if (op == "Mul") return x * y;
    if (op == "Div") return y == 0 ? std::nullopt : std::optional<int64_t>(x / y);  // truncates, as ONNX runtimes do
    if (op == "Mod") return y == 0 ? std::nullopt : std::optional<int64_t>(x % y);
    if (op == "Equal") return int64_t{x == y};
    if (op == "Less") return int64_t{x < y};
    if (op == "Greater") return int64_t{x > y};
    if (op == "LessOrEqual") return int64_t{x <= y};
    if (op == "GreaterOrEqual") return int64_t{x >= y};
    if (op == "Max") return std::max(x, y);
    if (op == "Min") return std::min(x, y);
    if (op == "And") return int64_t{x && y};
    if (op == "Or") return int64_t{x || y};
    return std::nullopt;
  });
}

int64_t clamp_index(int64_t i, int64_t n) {
  if (i < 0) i += n;
  return std::clamp<int64_t>(i, 0, n);
}

/// Slice of a 1-D tensor (shape vectors): starts, ends, steps along axis 0.
std::optional<IntTensor> slice_1d(const IntTensor& d, int64_t start, int64_t end, int64_t step) {
  if (d.dims.size() != 1 || step == 0) return std::nullopt;
  const int64_t n = d.dims[0];
  IntTensor out{{0}, {}};
  if (step > 0) {
    for (int64_t i = clamp_index(start, n), e = clamp_index(end, n); i < e; i += step) out.data.push_back(d.data[i]);
  } else {
    int64_t i = start < 0 ? start + n : std::min(start, n - 1);
    int64_t e = end < 0 ? std::max<int64_t>(end + n, -1) : std::min(end, n);
    for (; i > e; i += step) out.data.push_back(d.data[i]);
  }
  out.dims[0] = static_cast<int64_t>(out.data.size());
  return out;
}

/// Gather along `axis` of small tensors.
std::optional<IntTensor> gather(const IntTensor& data, const IntTensor& idx, int64_t axis) {
  const int64_t r = static_cast<int64_t>(data.dims.size());
  if (r == 0) return std::nullopt;
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r) return std::nullopt;
  Dims out_dims(data.dims.begin(), data.dims.begin() + axis);
  out_dims.insert(out_dims.end(), idx.dims.begin(), idx.dims.end());
  out_dims.insert(out_dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  const int64_t outer = product(Dims(data.dims.begin(), data.dims.begin() + axis));
  const int64_t inner = product(Dims(data.dims.begin() + axis + 1, data.dims.end()));
  const int64_t n = data.dims[static_cast<size_t>(axis)];
  IntTensor out{out_dims, {}};
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j : idx.data) {
      const int64_t k = j < 0 ? j + n : j;
      if (k < 0 || k >= n) return std::nullopt;
      for (int64_t i = 0; i < inner; ++i) out.data.push_back(data.data[(o * n + k) * inner + i]);
    }
  return out;
}

const IntTensor* value_of(const std::vector<const TensorInfo*>& in, size_t k) {
  return k < in.size() && in[k] && in[k]->value ? &*in[k]->value : nullptr;
}

/// The same data with the output's inferred shape (Reshape, Squeeze, Unsqueeze, Flatten, Identity).
std::optional<IntTensor> reshaped(const IntTensor& v, const TensorInfo* out, const std::string& op) {
  if (op == "Identity") return v;
  if (!out || !out->shape_known || product(out->dims) != static_cast<int64_t>(v.data.size())) return std::nullopt;
  return IntTensor{out->dims, v.data};
}

std::optional<IntTensor> shape_of(const onnx::NodeProto& n, const TensorInfo* in) {
  if (!in || !in->shape_known) return std::nullopt;
  const int64_t r = static_cast<int64_t>(in->dims.size());
  const int64_t start = clamp_index(attr_int(n, "start", 0), r);
  const int64_t end = find_attr(n, "end") ? clamp_index(attr_int(n, "end", r), r) : r;
  IntTensor out{{std::max<int64_t>(0, end - start)}, {}};
  for (int64_t i = start; i < end; ++i) out.data.push_back(in->dims[static_cast<size_t>(i)]);
  return out;
}

std::optional<IntTensor> slice(const onnx::NodeProto& n, int64_t opset, const std::vector<const TensorInfo*>& in) {
  const IntTensor* d = value_of(in, 0);
  if (!d || d->dims.size() != 1) return std::nullopt;
  int64_t start, end, step = 1;
  if (opset < 10) {
    const auto s = attr_ints(n, "starts"), e = attr_ints(n, "ends");
    if (s.size() != 1 || e.size() != 1) return std::nullopt;
    start = s[0];
    end = e[0];
  } else {
    const IntTensor *s = value_of(in, 1), *e = value_of(in, 2), *st = value_of(in, 4);
    if (!s || !e || s->data.size() != 1 || e->data.size() != 1) return std::nullopt;
    if (in.size() > 4 && in[4] && (!st || st->data.size() != 1)) return std::nullopt;
    start = s->data[0];
    end = e->data[0];
    if (st) step = st->data[0];
  }
  return slice_1d(*d, start, end, step);
}

std::optional<IntTensor> concat(const onnx::NodeProto& n, const std::vector<const TensorInfo*>& in) {
  IntTensor out{{0}, {}};
  for (size_t k = 0; k < in.size(); ++k) {
    const IntTensor* v = value_of(in, k);
    if (!v || v->dims.size() != 1) return std::nullopt;
    out.data.insert(out.data.end(), v->data.begin(), v->data.end());
  }
  const int64_t axis = attr_int(n, "axis", 0);
  if (axis != 0 && axis != -1) return std::nullopt;
  out.dims[0] = static_cast<int64_t>(out.data.size());
  return out;
}

std::optional<IntTensor> constant_of_shape(const onnx::NodeProto& n, const std::vector<const TensorInfo*>& in) {
  const IntTensor* s = value_of(in, 0);
  if (!s) return std::nullopt;
  int64_t fill = 0;
  if (const auto* a = find_attr(n, "value")) {
    const auto v = decode_int_tensor(a->t(), 1);
    if (!v || v->data.size() != 1) return std::nullopt;  // a float fill: not a shape computation
    fill = v->data[0];
  }
  for (int64_t d : s->data)
    if (d < 0) return std::nullopt;
  if (product(s->data) > 4096) return std::nullopt;
  return IntTensor{s->data, std::vector<int64_t>(static_cast<size_t>(product(s->data)), fill)};
}

std::optional<IntTensor> range(const std::vector<const TensorInfo*>& in) {
  const IntTensor *a = value_of(in, 0), *b = value_of(in, 1), *c = value_of(in, 2);
  if (!a || !b || !c || a->data.size() != 1 || b->data.size() != 1 || c->data.size() != 1 || c->data[0] == 0)
    return std::nullopt;
  IntTensor out{{0}, {}};
  for (int64_t x = a->data[0]; c->data[0] > 0 ? x < b->data[0] : x > b->data[0]; x += c->data[0]) {
    out.data.push_back(x);
    if (out.data.size() > 4096) return std::nullopt;
  }
  out.dims[0] = static_cast<int64_t>(out.data.size());
  return out;
}

}  // namespace

std::optional<IntTensor> evaluate_node(const onnx::NodeProto& n, int64_t opset,
                                       const std::vector<const TensorInfo*>& in, const TensorInfo* out) {
  const std::string& op = n.op_type();
  if (op == "Shape") return shape_of(n, in.empty() ? nullptr : in[0]);
  if (op == "Size") {
    if (in.empty() || !in[0] || !in[0]->shape_known) return std::nullopt;
    return IntTensor{{}, {static_cast<int64_t>(in[0]->elements())}};
  }
  if (!integer_output(out)) return std::nullopt;
  const IntTensor* a = value_of(in, 0);
  if (op == "Identity" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze" || op == "Flatten")
    return a ? reshaped(*a, out, op) : std::nullopt;
  if (op == "Cast") return a && integer_output(out) ? std::optional<IntTensor>(*a) : std::nullopt;
  if (op == "Neg" || op == "Abs") {
    if (!a) return std::nullopt;
    IntTensor r = *a;
    for (int64_t& x : r.data) x = op == "Neg" ? -x : std::abs(x);
    return r;
  }
  if (op == "Not") {
    if (!a) return std::nullopt;
    IntTensor r = *a;
    for (int64_t& x : r.data) x = !x;
    return r;
  }
  if (op == "Gather") {
    const IntTensor* i = value_of(in, 1);
    return a && i ? gather(*a, *i, attr_int(n, "axis", 0)) : std::nullopt;
  }
  if (op == "Where") {
    const IntTensor *x = value_of(in, 1), *y = value_of(in, 2);
    if (!a || !x || !y) return std::nullopt;
    return elementwise({a, x, y}, [](const std::vector<int64_t>& v) { return std::optional<int64_t>(v[0] ? v[1] : v[2]); });
  }
  if (op == "Slice") return slice(n, opset, in);
  if (op == "Concat") return concat(n, in);
  if (op == "ConstantOfShape") return constant_of_shape(n, in);
  if (op == "Range") return range(in);
  if (op == "Expand") {
    const IntTensor* s = value_of(in, 1);
    if (!a || !s) return std::nullopt;
    IntTensor ones{s->data, std::vector<int64_t>(static_cast<size_t>(std::max<int64_t>(0, product(s->data))), 0)};
    if (product(s->data) > 4096) return std::nullopt;
    return elementwise({a, &ones}, [](const std::vector<int64_t>& v) { return std::optional<int64_t>(v[0]); });
  }
  if (in.size() == 2) {
    const IntTensor* b = value_of(in, 1);
    if (a && b) return binary(op, *a, *b);
  }
  return std::nullopt;
}

}  // namespace tpusim::importers::onnx_import
