#include "sim/spec/workload.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim {

using config::ObjectReader;
using config::json;

namespace {

constexpr uint64_t kMaxDim = 1ULL << 32;      // any single tensor dimension
constexpr uint64_t kMaxMacs = 1ULL << 62;     // a layer's MACs must fit a signed 64-bit counter

/// a*b, or InputError if it exceeds `limit` (keeps every counter far from overflow).
uint64_t checked_mul(uint64_t a, uint64_t b, uint64_t limit, const ObjectReader& r, const std::string& what) {
  if (a != 0 && b > limit / a) r.fail(what, fmt::format("makes the layer too large (over {} elements or MACs)", limit));
  return a * b;
}

/// Reads `key` as an integer or a [h, w] pair.
std::pair<uint64_t, uint64_t> read_pair(ObjectReader& r, const std::string& key, uint64_t min, uint64_t fallback) {
  if (!r.has(key)) {
    (void)r.u64(key, min, kMaxDim, fallback);
    return {fallback, fallback};
  }
  const json& v = r.raw(key);
  if (v.is_array()) {
    if (v.size() != 2) r.fail(key, "must be an integer or a [height, width] pair, got an array of " + std::to_string(v.size()));
    return {config::as_u64(v[0], r.file(), r.pointer_of(key) + "/0", min, kMaxDim),
            config::as_u64(v[1], r.file(), r.pointer_of(key) + "/1", min, kMaxDim)};
  }
  const uint64_t x = config::as_u64(v, r.file(), r.pointer_of(key), min, kMaxDim);
  return {x, x};
}

/// Kernel extent must fit the padded input: checks one spatial axis.
void check_window(const ObjectReader& r, const char* kernel_key, uint64_t kernel, uint64_t dilation, uint64_t in,
                  uint64_t pad, const char* in_key) {
  const uint64_t extent = dilation * (kernel - 1) + 1;
  if (extent > in + 2 * pad)
    r.fail(kernel_key, fmt::format("kernel extent {} is larger than the padded input {} ({} {} + 2 x padding {})",
                                   extent, in + 2 * pad, in_key, in, pad));
}

void read_conv(ObjectReader& r, Layer& l, uint64_t batch) {
  ConvParams& c = l.conv;
  c.batch = r.u64("batch", 1, kMaxDim, batch);
  c.in_h = r.u64("in_h", 1, kMaxDim);
  c.in_w = r.u64("in_w", 1, kMaxDim);
  c.in_c = r.u64("in_c", 1, kMaxDim);
  c.out_c = r.u64("out_c", 1, kMaxDim);
  c.kernel_h = r.u64("kernel_h", 1, kMaxDim);
  c.kernel_w = r.u64("kernel_w", 1, kMaxDim);
  std::tie(c.stride_h, c.stride_w) = read_pair(r, "stride", 1, 1);
  std::tie(c.pad_h, c.pad_w) = read_pair(r, "padding", 0, 0);
  std::tie(c.dilation_h, c.dilation_w) = read_pair(r, "dilation", 1, 1);
  c.groups = r.u64("groups", 1, kMaxDim, 1);
  if (c.in_c % c.groups != 0)
    r.fail("groups", fmt::format("in_c {} is not divisible by groups {}", c.in_c, c.groups));
  if (c.out_c % c.groups != 0)
    r.fail("groups", fmt::format("out_c {} is not divisible by groups {}", c.out_c, c.groups));
  check_window(r, "kernel_h", c.kernel_h, c.dilation_h, c.in_h, c.pad_h, "in_h");
  check_window(r, "kernel_w", c.kernel_w, c.dilation_w, c.in_w, c.pad_w, "in_w");
  // im2col: one GEMM per group; rows are output pixels, the reduction is the receptive field.
  l.gemm.m = checked_mul(c.batch, checked_mul(c.out_h(), c.out_w(), kMaxMacs, r, "in_h"), kMaxMacs, r, "batch");
  l.gemm.k = checked_mul(c.kernel_h * c.kernel_w, c.in_c / c.groups, kMaxMacs, r, "kernel_h");
  l.gemm.n = c.out_c / c.groups;
  l.gemm.count = c.groups;
}

void read_pool(ObjectReader& r, Layer& l, uint64_t batch) {
  ConvParams& c = l.conv;  // pooling reuses the conv geometry (in_c = out_c = channels)
  c.batch = r.u64("batch", 1, kMaxDim, batch);
  c.in_h = r.u64("in_h", 1, kMaxDim);
  c.in_w = r.u64("in_w", 1, kMaxDim);
  c.in_c = c.out_c = r.u64("channels", 1, kMaxDim);
  if (l.op == OpKind::global_avgpool) {
    c.kernel_h = c.in_h;
    c.kernel_w = c.in_w;
  } else {
    std::tie(c.kernel_h, c.kernel_w) = read_pair(r, "kernel", 1, 0);
    if (c.kernel_h == 0) r.fail("kernel", "is required but missing");
    std::tie(c.stride_h, c.stride_w) = read_pair(r, "stride", 1, 1);
    std::tie(c.pad_h, c.pad_w) = read_pair(r, "padding", 0, 0);
    check_window(r, "kernel", c.kernel_h, 1, c.in_h, c.pad_h, "in_h");
    check_window(r, "kernel", c.kernel_w, 1, c.in_w, c.pad_w, "in_w");
  }
  const uint64_t plane = checked_mul(c.in_h, c.in_w, kMaxMacs, r, "in_w");
  const uint64_t per_image_in = checked_mul(plane, c.in_c, kMaxMacs, r, "channels");
  l.vector.elements_in = checked_mul(c.batch, per_image_in, kMaxMacs, r, "batch");
  l.vector.elements_out = checked_mul(c.batch, c.out_h() * c.out_w() * c.in_c, kMaxMacs, r, "batch");
  // One compare or add per window element.
  l.vector.ops = checked_mul(l.vector.elements_out, c.kernel_h * c.kernel_w, kMaxMacs, r, "kernel");
}

void read_elementwise(ObjectReader& r, Layer& l, uint64_t batch) {
  const uint64_t b = r.u64("batch", 1, kMaxDim, batch);
  uint64_t per_sample;
  if (l.op == OpKind::softmax || l.op == OpKind::layernorm) {
    per_sample = checked_mul(r.u64("rows", 1, kMaxDim), r.u64("cols", 1, kMaxDim), kMaxMacs, r, "cols");
  } else {
    per_sample = r.u64("elements", 1, kMaxMacs);
  }
  const uint64_t e = checked_mul(b, per_sample, kMaxMacs / 8, r, "batch");
  // Lane-operations per element (estimates, documented in workloads/README.md):
  // relu 1 (max), add 1, gelu 8 (tanh approximation), softmax 4 (max, exp, sum, scale),
  // layernorm 5 (mean, variance, normalise, scale, shift).
  uint64_t ops_per = 1;
  switch (l.op) {
    case OpKind::gelu: ops_per = 8; break;
    case OpKind::softmax: ops_per = 4; break;
    case OpKind::layernorm: ops_per = 5; break;
    default: break;
  }
  l.vector.elements_in = l.op == OpKind::add ? 2 * e : e;
  l.vector.elements_out = e;
  l.vector.ops = e * ops_per;
}

bool valid_loop_order(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '>') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  if (parts.size() != 3) return false;
  for (const char* loop : {"row", "col", "stream"})
    if (std::count(parts.begin(), parts.end(), loop) != 1) return false;
  return true;
}

/// Optional weight_density, activation_density and sparsity {n, m} of a matrix layer.
void read_sparsity(ObjectReader& r, LayerSparsity& s) {
  if (r.has("sparsity")) {
    ObjectReader nm(r.raw("sparsity"), r.file(), r.pointer_of("sparsity"));
    s.m = static_cast<uint32_t>(nm.u64("m", 1, 64));
    s.n = static_cast<uint32_t>(nm.u64("n", 1, 64));
    if (s.n > s.m) nm.fail("n", fmt::format("must be at most m = {} (n nonzeros in every m weights), got {}", s.m, s.n));
    nm.finish();
  }
  const double nm_density = s.structured() ? double(s.n) / s.m : 1.0;
  s.weight_density = r.number("weight_density", 0.0, 1.0, nm_density);
  if (s.weight_density > nm_density + 1e-12)
    r.fail("weight_density", fmt::format("must be at most n/m = {} with sparsity {}:{}, got {}", nm_density, s.n, s.m,
                                         s.weight_density));
  s.activation_density = r.number("activation_density", 0.0, 1.0, 1.0);
}

Layer read_layer(ObjectReader r, uint64_t batch) {
  Layer l;
  l.name = r.string("name");
  if (l.name.empty()) r.fail("name", "must be a non-empty string");
  l.op = r.enumeration<OpKind>("op");
  switch (l.op) {
    case OpKind::gemm:
      l.gemm.m = r.u64("m", 1, kMaxDim);
      l.gemm.n = r.u64("n", 1, kMaxDim);
      l.gemm.k = r.u64("k", 1, kMaxDim);
      l.gemm.count = r.u64("count", 1, kMaxDim, 1);
      break;
    case OpKind::linear: {
      const uint64_t b = r.u64("batch", 1, kMaxDim, batch);
      l.gemm.m = checked_mul(b, r.u64("tokens", 1, kMaxDim, 1), kMaxMacs, r, "tokens");
      l.gemm.k = r.u64("in_features", 1, kMaxDim);
      l.gemm.n = r.u64("out_features", 1, kMaxDim);
      break;
    }
    case OpKind::conv2d: read_conv(r, l, batch); break;
    case OpKind::maxpool: case OpKind::avgpool: case OpKind::global_avgpool: read_pool(r, l, batch); break;
    default: read_elementwise(r, l, batch); break;
  }
  l.file = r.file();
  l.pointer = r.pointer();
  if (is_matrix_op(l.op) && r.has("mapping")) {
    ObjectReader m(r.raw("mapping"), r.file(), r.pointer_of("mapping"));
    l.pin.loop_order = m.string("loop_order", "");
    if (!l.pin.loop_order.empty() && !valid_loop_order(l.pin.loop_order))
      m.fail("loop_order", fmt::format("must name the loops row, col and stream once each, outermost first, "
                                       "joined by '>' (e.g. \"col>stream>row\"), got \"{}\"", l.pin.loop_order));
    l.pin.stream_tile = m.u64("stream_tile", 1, kMaxMacs, 0);
    m.finish();
  }
  if (is_matrix_op(l.op)) read_sparsity(r, l.sparsity);
  if (is_matrix_op(l.op)) {
    const GemmShape& g = l.gemm;
    const uint64_t mn = checked_mul(g.m, g.n, kMaxMacs, r, "op");
    checked_mul(checked_mul(mn, g.k, kMaxMacs, r, "op"), g.count, kMaxMacs, r, "op");
  }
  r.finish();
  return l;
}

}  // namespace

bool is_matrix_op(OpKind op) { return op == OpKind::gemm || op == OpKind::linear || op == OpKind::conv2d; }

uint64_t Workload::total_macs() const {
  uint64_t s = 0;
  for (const auto& l : layers)
    if (is_matrix_op(l.op)) s += l.gemm.macs();
  return s;
}

Workload parse_workload(const json& doc, const std::string& file) {
  ObjectReader r(doc, file, "");
  Workload w;
  w.file = file;
  w.name = r.string("name");
  w.source = r.string("source", "");
  (void)r.string("notes", "");
  w.batch = r.u64("batch", 1, kMaxDim, 1);
  const json& layers = r.raw("layers");
  if (!layers.is_array() || layers.empty())
    r.fail("layers", "must be a non-empty array of layers, got " + config::describe(layers));
  std::map<std::string, size_t> seen;  // layer name -> index: names key reports and comparisons
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string ptr = "/layers/" + std::to_string(i);
    w.layers.push_back(read_layer(ObjectReader(layers[i], file, ptr), w.batch));
    const auto [it, fresh] = seen.emplace(w.layers.back().name, i);
    if (!fresh)
      config::fail_at(file, ptr + "/name",
                      fmt::format("duplicate layer name \"{}\" (also /layers/{})", it->first, it->second));
  }
  r.finish();
  return w;
}

Workload load_workload_json(const std::string& path) { return parse_workload(config::load_json_file(path), path); }

}  // namespace tpusim
