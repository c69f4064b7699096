#include "sim/importers/onnx/onnx_model.h"

#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include "sim/base/error.h"
#include "sim/base/one_line.h"

namespace tpusim::importers::onnx_import {

namespace {

/// Shape computations are short integer vectors; anything larger is data, never evaluated.
constexpr uint64_t kMaxValueElements = 4096;
/// Rounds of inference and evaluation: each round resolves one more level of shapes that
/// depend on computed values (torch's attention exports need two or three).
constexpr int kMaxRounds = 16;

/// The first line of an exception's text (ONNX messages span lines; ours are one line).
std::string first_line(const std::string& s) {
  const size_t nl = s.find('\n');
  std::string line = nl == std::string::npos ? s : s.substr(0, nl);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

TensorInfo info_of(const onnx::TypeProto& type) {
  TensorInfo t;
  if (!type.has_tensor_type()) {
    t.is_tensor = false;
    return t;
  }
  const auto& tt = type.tensor_type();
  t.elem_type = tt.elem_type();
  if (!tt.has_shape()) return t;
  t.shape_known = true;
  for (const auto& d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      t.dims.push_back(d.dim_value());
    } else {
      t.shape_known = false;
      if (t.symbolic.empty()) t.symbolic = d.has_dim_param() ? d.dim_param() : "?";
    }
  }
  if (!t.shape_known) t.dims.clear();
  return t;
}

onnx::TensorProto to_proto(const IntTensor& v, int32_t elem_type) {
  onnx::TensorProto t;
  for (int64_t d : v.dims) t.add_dims(d);
  const bool narrow = elem_type == onnx::TensorProto_DataType_INT32 || elem_type == onnx::TensorProto_DataType_BOOL ||
                      elem_type == onnx::TensorProto_DataType_INT8 || elem_type == onnx::TensorProto_DataType_UINT8 ||
                      elem_type == onnx::TensorProto_DataType_INT16 || elem_type == onnx::TensorProto_DataType_UINT16;
  t.set_data_type(elem_type);
  for (int64_t x : v.data) {
    if (narrow)
      t.add_int32_data(static_cast<int32_t>(x));
    else if (elem_type == onnx::TensorProto_DataType_UINT32 || elem_type == onnx::TensorProto_DataType_UINT64)
      t.add_uint64_data(static_cast<uint64_t>(x));
    else
      t.add_int64_data(x);
  }
  return t;
}

bool is_integer_type(int32_t e) {
  switch (e) {
    case onnx::TensorProto_DataType_INT8: case onnx::TensorProto_DataType_UINT8:
    case onnx::TensorProto_DataType_INT16: case onnx::TensorProto_DataType_UINT16:
    case onnx::TensorProto_DataType_INT32: case onnx::TensorProto_DataType_UINT32:
    case onnx::TensorProto_DataType_INT64: case onnx::TensorProto_DataType_UINT64:
    case onnx::TensorProto_DataType_BOOL: return true;
    default: return false;
  }
}

}  // namespace

uint64_t TensorInfo::elements() const {
  uint64_t e = 1;
  for (int64_t d : dims) e *= static_cast<uint64_t>(d);
  return e;
}

std::string dtype_name(int32_t e) {
  switch (e) {
    case onnx::TensorProto_DataType_FLOAT: return "float32";
    case onnx::TensorProto_DataType_DOUBLE: return "float64";
    case onnx::TensorProto_DataType_FLOAT16: return "float16";
    case onnx::TensorProto_DataType_BFLOAT16: return "bfloat16";
    case onnx::TensorProto_DataType_INT8: return "int8";
    case onnx::TensorProto_DataType_UINT8: return "uint8";
    case onnx::TensorProto_DataType_INT16: return "int16";
    case onnx::TensorProto_DataType_UINT16: return "uint16";
    case onnx::TensorProto_DataType_INT32: return "int32";
    case onnx::TensorProto_DataType_UINT32: return "uint32";
    case onnx::TensorProto_DataType_INT64: return "int64";
    case onnx::TensorProto_DataType_UINT64: return "uint64";
    case onnx::TensorProto_DataType_BOOL: return "bool";
    case onnx::TensorProto_DataType_STRING: return "string";
    case onnx::TensorProto_DataType_COMPLEX64: return "complex64";
    case onnx::TensorProto_DataType_COMPLEX128: return "complex128";
    default: return "undefined";
  }
}

uint64_t dtype_bytes(int32_t e) {
  switch (e) {
    case onnx::TensorProto_DataType_DOUBLE: case onnx::TensorProto_DataType_INT64:
    case onnx::TensorProto_DataType_UINT64: case onnx::TensorProto_DataType_COMPLEX64: return 8;
    case onnx::TensorProto_DataType_COMPLEX128: return 16;
    case onnx::TensorProto_DataType_FLOAT: case onnx::TensorProto_DataType_INT32:
    case onnx::TensorProto_DataType_UINT32: return 4;
    case onnx::TensorProto_DataType_FLOAT16: case onnx::TensorProto_DataType_BFLOAT16:
    case onnx::TensorProto_DataType_INT16: case onnx::TensorProto_DataType_UINT16: return 2;
    case onnx::TensorProto_DataType_INT8: case onnx::TensorProto_DataType_UINT8:
    case onnx::TensorProto_DataType_BOOL: return 1;
    default: return 0;
  }
}

const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->i() : fallback;
}

std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name, std::vector<int64_t> fallback) {
  const auto* a = find_attr(n, name);
  if (!a) return fallback;
  return {a->ints().begin(), a->ints().end()};
}

std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->s() : fallback;
}

float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->f() : fallback;
}

std::optional<IntTensor> decode_int_tensor(const onnx::TensorProto& t, uint64_t max_elements) {
  if (!is_integer_type(t.data_type()) || t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    return std::nullopt;
  IntTensor v;
  uint64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) return std::nullopt;
    v.dims.push_back(d);
    n *= static_cast<uint64_t>(d);
    if (n > max_elements) return std::nullopt;
  }
  const uint64_t width = dtype_bytes(t.data_type());
  if (!t.raw_data().empty()) {
    if (t.raw_data().size() != n * width) return std::nullopt;
    const char* p = t.raw_data().data();
    for (uint64_t i = 0; i < n; ++i, p += width) {  // little-endian, as ONNX stores raw data
      int64_t x = 0;
      switch (t.data_type()) {
        case onnx::TensorProto_DataType_INT8: { int8_t y; std::memcpy(&y, p, 1); x = y; break; }
        case onnx::TensorProto_DataType_INT16: { int16_t y; std::memcpy(&y, p, 2); x = y; break; }
        case onnx::TensorProto_DataType_UINT16: { uint16_t y; std::memcpy(&y, p, 2); x = y; break; }
        case onnx::TensorProto_DataType_INT32: { int32_t y; std::memcpy(&y, p, 4); x = y; break; }
        case onnx::TensorProto_DataType_UINT32: { uint32_t y; std::memcpy(&y, p, 4); x = y; break; }
        case onnx::TensorProto_DataType_INT64: case onnx::TensorProto_DataType_UINT64: std::memcpy(&x, p, 8); break;
        default: { uint8_t y; std::memcpy(&y, p, 1); x = y; break; }  // uint8, bool
      }
      v.data.push_back(x);
    }
    return v;
  }
  if (t.data_type() == onnx::TensorProto_DataType_INT64)
    v.data.assign(t.int64_data().begin(), t.int64_data().end());
  else if (t.data_type() == onnx::TensorProto_DataType_UINT32 || t.data_type() == onnx::TensorProto_DataType_UINT64)
    for (uint64_t x : t.uint64_data()) v.data.push_back(static_cast<int64_t>(x));
  else
    v.data.assign(t.int32_data().begin(), t.int32_data().end());
  if (v.data.size() != n) return std::nullopt;
  return v;
}

OnnxModel::OnnxModel(const std::string& bytes, const std::string& path) {
  if (!model_.ParseFromString(bytes))
    throw InputError(fmt::format("{}: not an ONNX model (the protobuf does not parse)", path));
  if (!model_.has_graph()) throw InputError(fmt::format("{}: the ONNX model has no graph", path));
  for (const auto& op : model_.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = op.version();
  if (opset_ == 0) opset_ = 1;  // no default-domain import: the oldest opset (ONNX IR rules)
  const auto& g = model_.graph();
  nodes_.assign(g.node().begin(), g.node().end());
  for (const auto& n : nodes_) op_types_.push_back(n.op_type());
  file_value_info_.assign(g.value_info().begin(), g.value_info().end());
  std::set<std::string> inits;
  for (const auto& t : g.initializer()) inits.insert(t.name());
  for (const auto& in : g.input())
    if (!inits.count(in.name())) inputs_.push_back(in.name());
  for (int round = 0; round < kMaxRounds; ++round) {
    infer_shapes(path);
    collect_tensors();
    if (evaluate_constants() == 0) break;
  }
}

std::string OnnxModel::producer() const {
  std::string p = model_.producer_name();
  if (!model_.producer_version().empty()) p += (p.empty() ? "" : " ") + model_.producer_version();
  return p;
}

namespace {

/// The convolutions whose shape inference (libonnx's convPoolShapeInference, and
/// convTransposeShapeInference) takes the kernel from the weight, and where their data and
/// weight inputs are.
struct ConvInputs {
  const char* op;
  int x, w;
  const char* weight_layout;
};
constexpr ConvInputs kConvs[] = {{"Conv", 0, 1, "M x C/group x kernel"},
                                 {"ConvInteger", 0, 1, "M x C/group x kernel"},
                                 {"QLinearConv", 0, 3, "M x C/group x kernel"},
                                 {"ConvTranspose", 0, 1, "C x M/group x kernel"}};

const ConvInputs* conv_inputs(const onnx::NodeProto& n) {
  for (const ConvInputs& c : kConvs)
    if (n.op_type() == c.op && n.input_size() > c.w) return &c;
  return nullptr;
}

bool has_attribute(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return true;
  return false;
}

/// libonnx 1.13's convPoolShapeInference and convTransposeShapeInference take the kernel from
/// the weight's dims 2.. when the node has no kernel_shape, and index the input's spatial dims,
/// dilations and pads by them unchecked: a rank-4 weight on a rank-3 input was a SIGSEGV inside
/// libonnx (fuzz_onnx, 2026-12-02, ConvInteger, then ConvTranspose; onnx later added the check). Refused before inference when the file states both
/// ranks, naming the node.
void check_conv_ranks(const onnx::NodeProto& n, int k, const std::map<std::string, int>& rank, const std::string& path) {
  const ConvInputs* c = conv_inputs(n);
  if (!c || has_attribute(n, "kernel_shape")) return;
  const auto x = rank.find(n.input(c->x)), w = rank.find(n.input(c->w));
  if (x != rank.end() && w != rank.end() && x->second != w->second)
    throw InputError(fmt::format("{}: node {} \"{}\" ({}): weight \"{}\" has rank {} but input \"{}\" rank {}; a "
                                 "convolution's weight has its input's rank ({})",
                                 path, k, n.name(), c->op, n.input(c->w), w->second, n.input(c->x), x->second,
                                 c->weight_layout));
}

/// The same hole when the input's rank is only known by inference (another node's output): each
/// convolution without kernel_shape gets the one its weight implies (its dims 2.., when the file
/// states them), which libonnx does check against the input's rank. Only the copy inference
/// reads is changed (the lowering reads the file's nodes); a valid model infers the same shapes.
void state_conv_kernels(onnx::GraphProto& g) {
  std::map<std::string, std::vector<int64_t>> dims;  // tensors whose every dim the file states
  auto note = [&](const onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
    std::vector<int64_t> d;
    for (const auto& dim : v.type().tensor_type().shape().dim()) {
      if (!dim.has_dim_value()) return;
      d.push_back(dim.dim_value());
    }
    dims[v.name()] = d;
  };
  for (const auto& v : g.input()) note(v);
  for (const auto& v : g.value_info()) note(v);
  for (const auto& t : g.initializer()) dims[t.name()].assign(t.dims().begin(), t.dims().end());
  for (auto& n : *g.mutable_node()) {
    const ConvInputs* c = conv_inputs(n);
    if (!c || has_attribute(n, "kernel_shape")) continue;
    const auto w = dims.find(n.input(c->w));
    if (w == dims.end()) continue;
    auto* a = n.add_attribute();
    a->set_name("kernel_shape");
    a->set_type(onnx::AttributeProto_AttributeType_INTS);
    for (size_t i = 2; i < w->second.size(); ++i) a->add_ints(w->second[i]);
  }
}

}  // namespace

/// Debian's libonnx (1.13) ConvTranspose shape inference reads the weight's dim 1 without
/// checking the weight has one: a weight of rank 0 or 1 was a SIGSEGV inside libonnx (found by
/// fuzz_onnx; tests/data/onnx/bad/). Such nodes are refused before inference, naming the node.
static void check_before_inference(const onnx::ModelProto& model, const std::string& path) {
  const auto& g = model.graph();
  std::map<std::string, int> rank;  // tensors whose shape the file states
  auto note = [&](const onnx::ValueInfoProto& v) {
    if (v.type().has_tensor_type() && v.type().tensor_type().has_shape())
      rank[v.name()] = v.type().tensor_type().shape().dim_size();
  };
  for (const auto& v : g.input()) note(v);
  for (const auto& v : g.value_info()) note(v);
  for (const auto& t : g.initializer()) rank[t.name()] = t.dims_size();
  // Every input a node names is a graph input, an initializer or an earlier node's output (ONNX
  // lists nodes in topological order; "" is an omitted optional input). libonnx 1.13's inference
  // of Shape (and other ops) dereferences an undefined input's type: a Shape node reading a name
  // nothing defines was a SIGSEGV inside libonnx (fuzz_onnx, 2026-12-02, 30-minute run).
  // Names are protobuf bytes (onnx.proto is proto2: never checked as UTF-8), and they reach the
  // report's JSON, which holds only UTF-8: a node named "\xff" was exit 3 (a replay of
  // fuzz_onnx's corpus through `tpusim run`, 2026-12-02). The message shows the bytes escaped.
  auto utf8 = [&](const std::string& text, const std::string& what) {
    if (utf8_error_at(text) != std::string::npos)
      throw InputError(fmt::format("{}: {} \"{}\" is not valid UTF-8 text", path, what, one_line(text)));
  };
  utf8(model.producer_name(), "producer_name");
  utf8(model.producer_version(), "producer_version");
  for (const auto& v : g.input()) utf8(v.name(), "a graph input's name");
  for (const auto& v : g.output()) utf8(v.name(), "a graph output's name");
  for (const auto& v : g.value_info()) utf8(v.name(), "a value_info's name");
  for (const auto& t : g.initializer()) utf8(t.name(), "an initializer's name");
  std::set<std::string> defined;
  for (const auto& v : g.input()) defined.insert(v.name());
  for (const auto& t : g.initializer()) defined.insert(t.name());
  for (int k = 0; k < g.node_size(); ++k) {
    const auto& n = g.node(k);
    const std::string node = fmt::format("node {}", k);
    utf8(n.name(), node + "'s name");
    utf8(n.op_type(), node + "'s op_type");
    utf8(n.domain(), node + "'s domain");
    // (Its inputs are checked where they are defined: a graph input, an initializer or an
    // earlier node's output; an undefined one is refused just below.)
    for (const auto& t : n.output()) utf8(t, node + "'s output");
    for (int i = 0; i < n.input_size(); ++i)
      if (!n.input(i).empty() && !defined.count(n.input(i)))
        throw InputError(fmt::format("{}: node {} \"{}\" ({}): input {} \"{}\" is not a graph input, an initializer or "
                                     "an earlier node's output",
                                     path, k, n.name(), n.op_type(), i, n.input(i)));
    for (const auto& o : n.output()) defined.insert(o);
    // libonnx 1.13's convolution and pooling inference divides by every stride unchecked: a
    // stride of 0 was a SIGFPE inside libonnx (fuzz_onnx, 2026-12-02, a Conv with strides [0, 2]).
    for (const auto& a : n.attribute())
      if (a.name() == "strides")
        for (int i = 0; i < a.ints_size(); ++i)
          if (a.ints(i) <= 0)
            throw InputError(fmt::format("{}: node {} \"{}\" ({}): /strides/{}: must be positive, got {}", path, k,
                                         n.name(), n.op_type(), i, a.ints(i)));
    if (n.op_type() != "ConvTranspose" || n.input_size() < 2) {
      check_conv_ranks(n, k, rank, path);
      continue;
    }
    const auto w = rank.find(n.input(1));
    if (w != rank.end() && w->second < 2)
      throw InputError(fmt::format("{}: node {} \"{}\" (ConvTranspose): weight \"{}\" has rank {}; expected at least 2 "
                                   "(C x M/group x kernel)",
                                   path, k, n.name(), n.input(1), w->second));
    check_conv_ranks(n, k, rank, path);
  }
}

void OnnxModel::infer_shapes(const std::string& path) {
  auto* g = model_.mutable_graph();
  g->clear_value_info();  // re-infer from scratch, keeping only what the file itself declared
  for (const auto& v : file_value_info_) *g->add_value_info() = v;
  check_before_inference(model_, path);
  state_conv_kernels(*g);
  try {
    onnx::shape_inference::InferShapes(model_, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(false, 0, true));
  } catch (const std::exception& e) {
    throw InputError(fmt::format("{}: ONNX shape inference failed: {}", path, first_line(e.what())));
  }
}

void OnnxModel::collect_tensors() {
  std::map<std::string, std::optional<IntTensor>> values;  // keep what earlier rounds evaluated
  for (auto& [name, t] : tensors_)
    if (t.value) values[name] = t.value;
  tensors_.clear();
  const auto& g = model_.graph();
  auto add = [&](const onnx::ValueInfoProto& v) {
    if (v.has_type()) tensors_[v.name()] = info_of(v.type());
  };
  for (const auto& v : g.input()) add(v);
  for (const auto& v : g.value_info()) add(v);
  for (const auto& v : g.output()) add(v);
  for (const auto& t : g.initializer()) {
    TensorInfo i;
    i.elem_type = t.data_type();
    i.shape_known = true;
    i.dims.assign(t.dims().begin(), t.dims().end());
    i.initializer = true;
    i.value = decode_int_tensor(t, kMaxValueElements);
    tensors_[t.name()] = i;
  }
  for (size_t k = 0; k < nodes_.size(); ++k) {  // Constant nodes of the file carry their value
    const auto& n = g.node(static_cast<int>(k));
    if (n.op_type() != "Constant" || n.output_size() != 1) continue;
    const auto* a = find_attr(n, "value");
    auto& t = tensors_[n.output(0)];
    if (a && a->has_t()) {
      t.value = decode_int_tensor(a->t(), kMaxValueElements);
      if (!t.shape_known) {
        t.elem_type = a->t().data_type();
        t.shape_known = true;
        t.dims.assign(a->t().dims().begin(), a->t().dims().end());
      }
    } else if (const auto* vi = find_attr(n, "value_int")) {
      t.value = IntTensor{{}, {vi->i()}};
    } else if (const auto* vs = find_attr(n, "value_ints")) {
      t.value = IntTensor{{static_cast<int64_t>(vs->ints_size())}, {vs->ints().begin(), vs->ints().end()}};
    }
  }
  for (auto& [name, v] : values)
    if (!tensors_[name].value) tensors_[name].value = v;
}

size_t OnnxModel::evaluate_constants() {
  size_t found = 0;
  auto* g = model_.mutable_graph();
  for (size_t k = 0; k < nodes_.size(); ++k) {
    onnx::NodeProto& n = *g->mutable_node(static_cast<int>(k));
    if (n.op_type() == "Constant" || n.output_size() != 1 || !n.domain().empty()) continue;
    auto it = tensors_.find(n.output(0));
    if (it != tensors_.end() && it->second.value) continue;
    std::vector<const TensorInfo*> ins;
    for (const auto& in : n.input()) ins.push_back(in.empty() ? nullptr : tensor(in));
    const TensorInfo* out = it == tensors_.end() ? nullptr : &it->second;
    std::optional<IntTensor> v = evaluate_node(n, opset_, ins, out);
    if (!v) continue;
    uint64_t elems = 1;
    for (int64_t d : v->dims) elems *= static_cast<uint64_t>(d);
    if (elems > kMaxValueElements) continue;
    TensorInfo& t = tensors_[n.output(0)];
    if (t.elem_type == 0) t.elem_type = onnx::TensorProto_DataType_INT64;
    t.value = v;
    // Shape inference reads Constant nodes' values: the node becomes one, so the next round
    // knows the shapes that depend on it (Reshape's target, Slice's bounds, Expand's shape).
    onnx::NodeProto c;
    c.set_name(n.name());
    c.set_op_type("Constant");
    c.add_output(n.output(0));
    auto* a = c.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto_AttributeType_TENSOR);
    *a->mutable_t() = to_proto(*v, t.elem_type);
    n = c;
    ++found;
  }
  return found;
}

const TensorInfo* OnnxModel::tensor(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

}  // namespace tpusim::importers::onnx_import
