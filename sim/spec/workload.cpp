#include "sim/spec/workload.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/system_workload.h"

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

/// Kernel extent must fit the padded input, and the padding is at most the larger of the input
/// and the window's extent: checks one spatial axis. The output is then at most three times the
/// larger of the two (1e6 of padding on a 7x7 input asked for 4e12 output pixels and never
/// answered); PyTorch's and ONNX's "same" padding is at most the extent minus one.
void check_window(const ObjectReader& r, const char* kernel_key, uint64_t kernel, uint64_t dilation, uint64_t in,
                  uint64_t pad, const char* in_key) {
  const uint64_t extent = dilation * (kernel - 1) + 1;
  if (pad > std::max(in, extent))
    r.fail("padding", fmt::format("{} is more than the larger of {} {} and the {} window's extent {}; such padding "
                                  "only adds outputs that see zeros",
                                  pad, in_key, in, kernel_key, extent));
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
  // kernel_h x kernel_w can reach 2^64 (each up to 2^32 on an input as large): checked, as a
  // wrapped product of 0 made k = 0 and a later division by it SIGFPE (issue 16).
  l.gemm.k = checked_mul(checked_mul(c.kernel_h, c.kernel_w, kMaxMacs, r, "kernel_w"), c.in_c / c.groups, kMaxMacs, r,
                         "kernel_h");
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
  // Every product checked: the output plane grows with the padding (each side up to 2^32), and the
  // window with the kernel; unchecked, they wrapped into small plausible counts.
  const uint64_t out_plane = checked_mul(c.out_h(), c.out_w(), kMaxMacs, r, "padding");
  l.vector.elements_out =
      checked_mul(c.batch, checked_mul(out_plane, c.in_c, kMaxMacs, r, "channels"), kMaxMacs, r, "batch");
  // One compare or add per window element.
  l.vector.ops = checked_mul(l.vector.elements_out, checked_mul(c.kernel_h, c.kernel_w, kMaxMacs, r, "kernel"),
                             kMaxMacs, r, "kernel");
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
  // relu 1 (max), add 1, scale 1 (a multiply), gelu 8 (tanh approximation), softmax 4 (max, exp,
  // sum, scale), layernorm 5 (mean, variance, normalise, scale, shift).
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

void read_embedding(ObjectReader& r, Layer& l, uint64_t batch) {
  EmbeddingBag& e = l.embedding;
  e.batch = r.u64("batch", 1, kMaxDim, batch);
  e.tables = r.u64("tables", 1, kMaxDim, 1);
  // rows: of every table (an integer) or of each (an array, one per table).
  if (r.has("rows") && r.raw("rows").is_array()) {
    const json& rows = r.raw("rows");
    if (rows.size() != e.tables)
      r.fail("rows", fmt::format("must list one row count per table ({} tables), got {}", e.tables, rows.size()));
    e.rows = 0;
    for (size_t t = 0; t < rows.size(); ++t) {
      e.rows += config::as_u64(rows[t], r.file(), r.pointer_of("rows") + "/" + std::to_string(t), 1, kMaxMacs);
      if (e.rows > kMaxMacs) r.fail("rows", fmt::format("add up to more than {} rows", kMaxMacs));
    }
  } else {
    e.rows = checked_mul(r.u64("rows", 1, kMaxMacs), e.tables, kMaxMacs, r, "rows");
  }
  e.dim = r.u64("dim", 1, kMaxDim);
  e.lookups = r.u64("lookups", 1, kMaxDim, 1);
  e.pooling = r.enumeration<Pooling>("pooling", Pooling::sum);
  e.index_bytes = r.u64("index_bytes", 4, 8, 4);
  if (e.index_bytes != 4 && e.index_bytes != 8)
    r.fail("index_bytes", fmt::format("must be 4 (int32) or 8 (int64), got {}", e.index_bytes));
  checked_mul(e.rows, e.dim, kMaxMacs / 8, r, "rows");  // the tables' elements (and bytes) fit
  const uint64_t bags = checked_mul(e.batch, e.tables, kMaxMacs, r, "tables");
  const uint64_t gathers = checked_mul(bags, e.lookups, kMaxMacs, r, "lookups");
  // The op's input tensor is its indices; it reads `dim` elements per index and writes one row per
  // bag. Pooling: one lane-operation per gathered element (accumulate or compare); mean adds a
  // scale per output element.
  l.vector.elements_in = gathers;
  l.vector.elements_out = checked_mul(bags, e.dim, kMaxMacs / 8, r, "dim");
  l.vector.ops = checked_mul(gathers, e.dim, kMaxMacs / 2, r, "dim") +
                 (e.pooling == Pooling::mean ? l.vector.elements_out : 0);
}

/// The fused attention op: m query rows per group, k head size, n keys, count groups, and the
/// softmax over the m x n scores of each group as its vector work (4 lane-operations per score,
/// the softmax op's estimate).
void read_attention(ObjectReader& r, Layer& l) {
  l.gemm.m = r.u64("m", 1, kMaxDim);
  l.gemm.k = r.u64("k", 1, kMaxDim);
  l.gemm.n = r.u64("n", 1, kMaxDim);
  l.gemm.count = r.u64("count", 1, kMaxDim, 1);
  l.attention.q_block = r.u64("q_block", 1, kMaxDim, 0);
  if (l.attention.q_block > l.gemm.m)
    r.fail("q_block", fmt::format("must be at most m = {} (query rows per group), got {}", l.gemm.m, l.attention.q_block));
  l.attention.kv_block = r.u64("kv_block", 1, kMaxDim, 0);
  if (l.attention.kv_block > l.gemm.n)
    r.fail("kv_block", fmt::format("must be at most n = {} (keys), got {}", l.gemm.n, l.attention.kv_block));
  const uint64_t scores = checked_mul(checked_mul(l.gemm.m, l.gemm.n, kMaxMacs, r, "n"), l.gemm.count, kMaxMacs / 8, r,
                                      "count");
  // Both matmuls: 2 x m x n x k x count MACs.
  checked_mul(scores, l.gemm.k, kMaxMacs / 2, r, "k");
  l.vector.elements_in = scores;
  l.vector.elements_out = scores;
  l.vector.ops = 4 * scores;
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
  s.output_density = r.number("output_density", 0.0, 1.0, 1.0);
}

Layer read_layer(ObjectReader r, uint64_t batch) {
  Layer l;
  l.name = r.string("name");
  if (l.name.empty()) r.fail("name", "must be a non-empty string");
  if (r.has("op") && r.raw("op").is_string() && is_collective_name(r.raw("op").get<std::string>()))
    r.fail("op", fmt::format("{} is a collective: run the workload on a system (--arch configs/systems/...)",
                             r.raw("op").get<std::string>()));
  l.op = r.enumeration<OpKind>("op");
  switch (l.op) {
    case OpKind::gemm:
    case OpKind::matmul:
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
    case OpKind::concat: break;  // sized by its inputs (resolve_graph)
    case OpKind::vector:
      // Work stated as counts, as importers lower ops the other kinds do not describe.
      l.vector.elements_in = r.u64("elements_in", 1, kMaxMacs);
      l.vector.elements_out = r.u64("elements_out", 1, kMaxMacs / 8);
      l.vector.ops = r.u64("lane_ops", 1, kMaxMacs);
      break;
    case OpKind::embedding_bag: read_embedding(r, l, batch); break;
    case OpKind::attention: read_attention(r, l); break;
    default: read_elementwise(r, l, batch); break;
  }
  l.file = r.file();
  l.pointer = r.pointer();
  if (is_matrix_op(l.op) && r.has("mapping")) {
    ObjectReader m(r.raw("mapping"), r.file(), r.pointer_of("mapping"));
    const std::string order = m.string("loop_order", "");
    if (!order.empty()) {
      l.pin.loop_order = parse_loop_order(order);
      if (!l.pin.loop_order)
        m.fail("loop_order", fmt::format("must name the loops {} once each, outermost first, joined by '>' (e.g. "
                                         "\"col>stream>row\"), got \"{}\"", config::join(enum_names<Loop>()), order));
    }
    l.pin.stream_tile = m.u64("stream_tile", 1, kMaxMacs, 0);
    l.pin.unit_split = m.enumeration<UnitSplit>("unit_split", UnitSplit::auto_split);
    l.pin.core_split = m.enumeration<CoreSplit>("core_split", CoreSplit::auto_split);
    m.finish();
  }
  if (is_matrix_op(l.op)) read_sparsity(r, l.sparsity);
  if (r.has("inputs")) {
    const json& in = r.raw("inputs");
    if (!in.is_array() || in.empty())
      r.fail("inputs", "must be a non-empty array of tensor names (ops listed before it, or the workload input), got " +
                           config::describe(in));
    for (size_t i = 0; i < in.size(); ++i) {
      if (!in[i].is_string() || in[i].get<std::string>().empty())
        config::fail_at(r.file(), r.pointer_of("inputs") + "/" + std::to_string(i),
                        "must be the name of a tensor, got " + config::describe(in[i]));
      l.input_names.push_back(in[i].get<std::string>());
    }
  }
  if (r.has("fuse")) l.fuse = r.boolean("fuse", false);
  l.hint.split = r.enumeration<SplitRole>("split", SplitRole::replicated);
  if (r.has("data_dim")) {
    if (!is_matrix_op(l.op)) r.fail("data_dim", "applies to matrix ops only (a vector op's elements are split)");
    l.hint.data_dim = r.enumeration<DataDim>("data_dim");
  }
  l.hint.gradient_bytes = r.u64("gradient_bytes", 0, 1ULL << 50, 0);
  if (is_matrix_op(l.op)) {
    const GemmShape& g = l.gemm;
    const uint64_t mn = checked_mul(g.m, g.n, kMaxMacs, r, "op");
    checked_mul(checked_mul(mn, g.k, kMaxMacs, r, "op"), g.count, kMaxMacs, r, "op");
  }
  r.finish();
  return l;
}

}  // namespace

Layer parse_layer(const json& value, const std::string& file, const std::string& pointer, uint64_t batch) {
  return read_layer(ObjectReader(value, file, pointer), batch);
}

bool is_matrix_op(OpKind op) {
  return op == OpKind::gemm || op == OpKind::linear || op == OpKind::conv2d || op == OpKind::matmul;
}

uint64_t layer_macs(const Layer& l) {
  if (is_matrix_op(l.op)) return l.gemm.macs();
  return l.op == OpKind::attention ? 2 * l.gemm.macs() : 0;
}

bool is_epilogue_op(OpKind op) {
  return op == OpKind::relu || op == OpKind::gelu || op == OpKind::scale || op == OpKind::add;
}

namespace {

/// Elements of an op's output tensor.
uint64_t output_elements(const Layer& l) {
  if (l.op == OpKind::attention) return l.gemm.m * l.gemm.k * l.gemm.count;  // the context
  return is_matrix_op(l.op) ? l.gemm.m * l.gemm.n * l.gemm.count : l.vector.elements_out;
}

/// How many tensors an op reads: {min, max}.
std::pair<size_t, size_t> arity(OpKind op) {
  switch (op) {
    case OpKind::matmul: return {2, 2};
    case OpKind::attention: return {3, 3};  // Q, K, V
    case OpKind::add: return {1, 2};
    case OpKind::concat: return {2, SIZE_MAX};
    case OpKind::vector: return {1, SIZE_MAX};
    default: return {1, 1};
  }
}

/// Resolves every op's inputs (names -> earlier ops), checks arity, sizes concat, and checks the
/// epilogue choices that the graph alone decides.
}  // namespace

void resolve_graph(Workload& w, const std::string& file) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < w.layers.size(); ++i) {
    Layer& l = w.layers[i];
    l.inputs.clear();
    if (l.name == w.input_name)
      config::fail_at(file, l.pointer + "/name",
                      fmt::format("\"{}\" names the workload input; rename the op or set \"input\"", l.name));
    const std::string ptr = l.pointer + "/inputs";
    if (l.input_names.empty()) {
      l.inputs = {i == 0 ? Layer::kGraphInput : i - 1};
    } else {
      for (size_t k = 0; k < l.input_names.size(); ++k) {
        const std::string& name = l.input_names[k];
        if (name == w.input_name) {
          l.inputs.push_back(Layer::kGraphInput);
          continue;
        }
        const auto it = index.find(name);
        if (it == index.end()) {
          const bool later = std::any_of(w.layers.begin() + static_cast<long>(i), w.layers.end(),
                                         [&](const Layer& o) { return o.name == name; });
          config::fail_at(file, ptr + "/" + std::to_string(k),
                          later ? fmt::format("\"{}\" is listed after this op; list ops in an order where every op "
                                              "comes after the ops it reads", name)
                                : fmt::format("no op named \"{}\" before this one (the workload input is \"{}\")", name,
                                              w.input_name));
        }
        l.inputs.push_back(it->second);
      }
    }
    const auto [lo, hi] = arity(l.op);
    if (l.inputs.size() < lo || l.inputs.size() > hi) {
      const std::string want = lo == hi ? std::to_string(lo) : hi == SIZE_MAX ? "at least " + std::to_string(lo)
                                                                             : fmt::format("{} or {}", lo, hi);
      config::fail_at(file, l.input_names.empty() ? l.pointer + "/op" : ptr,
                      fmt::format("{} reads {} tensors (\"inputs\"), got {}", to_string(l.op), want, l.inputs.size()));
    }
    if (l.op == OpKind::concat) {
      uint64_t e = 0;
      for (size_t k = 0; k < l.inputs.size(); ++k) {
        if (l.inputs[k] == Layer::kGraphInput)
          config::fail_at(file, ptr + "/" + std::to_string(k), "concat needs tensors of known size; the workload input has none");
        e += output_elements(w.layers[l.inputs[k]]);
      }
      l.vector = {e, e, e};  // a copy: one lane-operation per element
    }
    index.emplace(l.name, i);
  }
  const auto consumers = w.consumers();
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const Layer& l = w.layers[i];
    if (!l.fuse.value_or(false)) continue;
    const std::string ptr = l.pointer + "/fuse";
    if (!is_epilogue_op(l.op) || (l.op == OpKind::add && l.inputs.size() != 1))
      config::fail_at(file, ptr, fmt::format("only relu, gelu, scale and a one-input add (a bias add) run as a matrix "
                                             "op's epilogue, got {}{}", to_string(l.op),
                                             l.op == OpKind::add ? " with two inputs" : ""));
    const size_t p = l.inputs[0];
    if (p == Layer::kGraphInput || !is_matrix_op(w.layers[p].op))
      config::fail_at(file, ptr, "an epilogue follows a matrix op: its input must be a gemm, linear, conv2d or matmul");
    if (consumers[p].size() != 1)
      config::fail_at(file, ptr, fmt::format("\"{}\" also feeds other ops, which need its output before this epilogue",
                                             w.layers[p].name));
  }
}

size_t ImportRecord::count(NodeTreatment t) const {
  return static_cast<size_t>(std::count_if(nodes.begin(), nodes.end(), [&](const ImportedNode& n) { return n.treatment == t; }));
}

bool Workload::is_chain() const {
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].inputs.size() != 1 || layers[i].inputs[0] != (i == 0 ? Layer::kGraphInput : i - 1)) return false;
  return true;
}

std::vector<std::vector<size_t>> Workload::consumers() const {
  std::vector<std::vector<size_t>> c(layers.size());
  for (size_t i = 0; i < layers.size(); ++i)
    for (size_t p : layers[i].inputs)
      if (p != Layer::kGraphInput) c[p].push_back(i);
  return c;
}

uint64_t Workload::total_macs() const {
  uint64_t s = 0;
  for (const auto& l : layers) s += layer_macs(l);
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
  w.input_name = r.string("input", "input");
  if (w.input_name.empty()) r.fail("input", "must be a non-empty tensor name");
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
  resolve_graph(w, file);
  return w;
}

Workload load_workload_json(const std::string& path) { return parse_workload(config::load_json_file(path), path); }

}  // namespace tpusim
