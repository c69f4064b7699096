#include "sim/importers/onnx/onnx_lowering.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/base/error.h"

namespace tpusim::importers::onnx_import {

using nlohmann::json;

namespace {

ImportedTensor imported_tensor(const OnnxModel& m, const std::string& name) {
  ImportedTensor t;
  t.name = name;
  const TensorInfo* i = m.tensor(name);
  if (!i) return t;
  t.dtype = i->is_tensor ? dtype_name(i->elem_type) : "non-tensor";
  t.shape_known = i->shape_known;
  if (i->shape_known) {
    for (int64_t d : i->dims) t.shape.push_back(static_cast<uint64_t>(d));
    t.elements = i->elements();
    t.bytes = t.elements * dtype_bytes(i->elem_type);
  }
  return t;
}

/// Ops that only read their input's static shape: metadata, known at load time.
bool reads_only_shape(const std::string& op) { return op == "Shape" || op == "Size"; }

}  // namespace

Lowering::Lowering(const OnnxModel& m, const std::string& path, bool allow_unsupported)
    : m_(m), path_(path), allow_unsupported_(allow_unsupported) {
  record_.format = "onnx";
  record_.producer = m.producer();
  record_.opset = m.opset();
  if (m.inputs().empty())
    throw InputError(fmt::format("{}: the graph has no inputs besides its initializers: nothing to simulate", path));
  input_name_ = m.inputs().front();
  for (const auto& in : m.inputs()) {
    record_.inputs.push_back(imported_tensor(m, in));
    source_[in] = input_name_;  // every graph input is read as the workload's input tensor
    const TensorInfo* t = m.tensor(in);
    if (t && t->is_tensor && !t->shape_known)
      throw InputError(fmt::format("{}: graph input \"{}\": dimension \"{}\" is not a number; tpusim needs static "
                                   "shapes (export the model with a fixed input size)",
                                   path, in, t->symbolic.empty() ? "?" : t->symbolic));
  }
  for (size_t i = 0; i < m.node_count(); ++i)
    for (const auto& in : m.node(i).input())
      if (!in.empty()) ++consumers_[in];
  for (const auto& out : m.graph().output()) ++consumers_[out.name()];
  classify_constants();
  patterns_ = find_patterns(m, constant_, consumers_);
  for (const auto& p : patterns_)
    for (size_t k : p.members) pattern_of_[k] = &p;
  for (size_t i = 0; i < m.node_count(); ++i) {
    ImportedNode r;
    r.index = i;
    r.name = m.node(i).name();
    r.op_type = m.op_type(i);
    for (const auto& out : m.node(i).output())
      if (!out.empty()) r.outputs.push_back(imported_tensor(m, out));
    record_.nodes.push_back(r);
  }
  for (size_t i = 0; i < m.node_count(); ++i) lower(i);
  if (layers_.empty())
    throw InputError(fmt::format("{}: no node of the graph costs anything ({} nodes: {} views, {} computed from "
                                 "constants, {} with empty outputs, {} skipped); nothing to simulate",
                                 path, m.node_count(), record_.count(NodeTreatment::view),
                                 record_.count(NodeTreatment::constant), record_.count(NodeTreatment::empty),
                                 record_.count(NodeTreatment::skipped)));
}

void Lowering::classify_constants() {
  for (const auto& t : m_.graph().initializer()) constant_.insert(t.name());
  for (const auto& in : m_.inputs()) constant_.erase(in);  // an input overrides its initializer (a default)
  for (size_t i = 0; i < m_.node_count(); ++i) {
    const auto& n = m_.node(i);
    bool all = true;
    for (const auto& in : n.input()) all = all && is_constant(in);
    // A node with subgraphs may read activations from the outer graph: never constant.
    bool subgraph = false;
    for (const auto& a : n.attribute()) subgraph = subgraph || a.has_g() || a.graphs_size() > 0;
    if ((all && !subgraph) || reads_only_shape(m_.op_type(i)))
      for (const auto& out : n.output()) constant_.insert(out);
  }
}

void Lowering::fail(size_t node, const std::string& message) const {
  throw InputError(fmt::format("{}: node {} \"{}\" ({}): {}", path_, node, m_.node(node).name(), m_.op_type(node), message));
}

const std::vector<int64_t>& Lowering::shape(size_t node, const std::string& tensor) const {
  const TensorInfo* t = m_.tensor(tensor);
  if (!t || !t->is_tensor)
    fail(node, fmt::format("the shape of \"{}\" is unknown after shape inference; tpusim needs static shapes", tensor));
  if (!t->shape_known)
    fail(node, fmt::format("the shape of \"{}\" is unknown after shape inference{}; tpusim needs static shapes (export "
                           "with a fixed input size)",
                           tensor, t->symbolic.empty() ? "" : fmt::format(" (dimension \"{}\")", t->symbolic)));
  return t->dims;
}

uint64_t Lowering::elements(size_t node, const std::string& tensor) const {
  uint64_t e = 1;
  for (int64_t d : shape(node, tensor)) {
    if (d != 0 && e > (1ULL << 62) / static_cast<uint64_t>(d))
      fail(node, fmt::format("\"{}\" has more than 2^62 elements", tensor));
    e *= static_cast<uint64_t>(d);
  }
  return e;
}

std::vector<std::string> Lowering::activation_inputs(size_t node) const {
  std::vector<std::string> a;
  for (const auto& in : m_.node(node).input())
    if (!is_constant(in)) a.push_back(in);
  return a;
}

std::string Lowering::source_of(size_t node, const std::string& tensor) const {
  const auto it = source_.find(tensor);
  if (it == source_.end())
    fail(node, fmt::format("reads \"{}\", which no earlier node produces (the nodes are not in a topological order)", tensor));
  return it->second;
}

std::string Lowering::emit(size_t node, json layer, const std::vector<std::string>& input_tensors, const std::string& suffix) {
  std::vector<std::string> sources;
  for (const auto& t : input_tensors) sources.push_back(source_of(node, t));
  return emit_reading(node, std::move(layer), sources, suffix);
}

std::string Lowering::emit_reading(size_t node, json layer, const std::vector<std::string>& sources,
                                   const std::string& suffix) {
  std::string base = m_.node(node).name().empty() ? fmt::format("{}_{}", m_.op_type(node), node) : m_.node(node).name();
  base += suffix;
  std::string name = base;
  for (int k = 2; names_.count(name) || name == input_name_; ++k) name = fmt::format("{}_{}", base, k);
  names_.insert(name);
  layer["name"] = name;
  layer["inputs"] = sources;
  layers_.push_back(std::move(layer));
  layer_node_.push_back(node);
  auto& r = node_record(node);
  r.treatment = NodeTreatment::costed;
  r.layers.push_back(name);
  return name;
}

void Lowering::produce(size_t node, const std::string& layer, bool matrix) {
  for (const auto& out : m_.node(node).output()) {
    if (out.empty()) continue;
    source_[out] = layer;
    const TensorInfo* t = m_.tensor(out);
    layer_elements_[layer] += t && t->shape_known ? t->elements() : 0;
    if (matrix) matrix_out_[out] = layer;
  }
}

void Lowering::alias(size_t node, const std::string& tensor, const std::string& reason) {
  const std::string src = source_of(node, tensor);
  for (const auto& out : m_.node(node).output())
    if (!out.empty()) source_[out] = src;
  auto& r = node_record(node);
  r.treatment = NodeTreatment::view;
  r.reason = reason;
  const auto it = matrix_out_.find(tensor);  // a view of a matrix op's output can still fold a bias
  if (it != matrix_out_.end() && consumers_.at(tensor) == 1) matrix_out_[m_.node(node).output(0)] = it->second;
}

bool Lowering::is_whole_layer_output(size_t node, const std::string& tensor) const {
  const std::string src = source_of(node, tensor);
  const auto it = layer_elements_.find(src);
  return it != layer_elements_.end() && it->second == elements(node, tensor);
}

std::string Lowering::foldable_into(const std::string& tensor) const {
  const auto it = matrix_out_.find(tensor);
  if (it == matrix_out_.end()) return "";
  const auto c = consumers_.find(tensor);
  return c != consumers_.end() && c->second == 1 ? it->second : "";
}

void Lowering::fold(size_t node, const std::string& layer, const std::string& reason) {
  for (const auto& out : m_.node(node).output()) {
    if (out.empty()) continue;
    source_[out] = layer;
    matrix_out_[out] = layer;
  }
  auto& r = node_record(node);
  r.treatment = NodeTreatment::folded;
  r.layers = {layer};
  r.reason = reason;
}

void Lowering::lower(size_t i) {
  const auto& n = m_.node(i);
  auto& r = node_record(i);
  if (const auto it = pattern_of_.find(i); it != pattern_of_.end()) {
    if (it->second->members.back() == i) {
      lower_pattern(*it->second);
    } else {
      r.treatment = NodeTreatment::fused;
      r.reason = fmt::format("part of a {} pattern costed as one layer", to_string(it->second->op));
    }
    return;
  }
  bool outputs_constant = true;
  for (const auto& out : n.output()) outputs_constant = outputs_constant && is_constant(out);
  if (outputs_constant) {
    r.treatment = NodeTreatment::constant;
    r.reason = reads_only_shape(m_.op_type(i)) ? "shape-only: reads only the static shape of its input"
                                               : "computed from constants at load time";
    return;
  }
  bool empty = false;
  for (const auto& out : n.output()) {
    const TensorInfo* t = out.empty() ? nullptr : m_.tensor(out);
    empty = empty || (t && t->is_tensor && t->shape_known && t->elements() == 0);
  }
  if (empty) {
    r.treatment = NodeTreatment::empty;
    r.reason = "an output has no elements";
    for (const auto& out : n.output()) constant_.insert(out);  // nothing to read downstream either
    return;
  }
  if (lower_op(i)) return;
  const std::vector<std::string> acts = activation_inputs(i);
  if (!allow_unsupported_)
    fail(i, fmt::format("unsupported op {}{}; run with --allow-unsupported to skip it (the report then lists it "
                        "under /import/skipped)",
                        n.domain().empty() ? "" : n.domain() + ".", m_.op_type(i)));
  r.treatment = NodeTreatment::skipped;
  r.reason = fmt::format("unsupported op {}: skipped (--allow-unsupported); its readers read {} instead",
                         m_.op_type(i), acts.empty() ? "nothing" : "\"" + acts[0] + "\"");
  if (acts.empty()) {
    for (const auto& out : n.output()) constant_.insert(out);
    return;
  }
  const std::string src = source_of(i, acts[0]);
  for (const auto& out : n.output())
    if (!out.empty()) source_[out] = src;
}

void Lowering::lower_pattern(const FusedPattern& p) {
  const size_t anchor = p.members.back();
  const std::string& out = m_.node(anchor).output(0);
  const uint64_t e = elements(anchor, out);
  json layer;
  if (p.op == OpKind::gelu) {
    layer = {{"op", "gelu"}, {"elements", e}, {"batch", 1}};
  } else {
    layer = {{"op", "layernorm"}, {"rows", e / p.cols}, {"cols", p.cols}, {"batch", 1}};
  }
  const std::string name = emit(anchor, layer, {p.input});
  produce(anchor, name, false);
  auto& r = node_record(anchor);
  r.treatment = NodeTreatment::fused;
  r.reason = fmt::format("the last node of a {} pattern ({} nodes) costed as one layer", to_string(p.op), p.members.size());
  for (size_t k : p.members) node_record(k).layers = {name};
}

json Lowering::document() const {
  json doc = {{"name", ""}, {"batch", 1}, {"input", input_name_}, {"layers", layers_}};
  return doc;
}

}  // namespace tpusim::importers::onnx_import
