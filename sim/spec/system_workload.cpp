#include "sim/spec/system_workload.h"

#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim {

using config::ObjectReader;
using config::json;

bool is_collective_name(const std::string& op) {
  for (CollectiveKind k : enum_values<CollectiveKind>())
    if (op == name_of(k)) return true;
  return false;
}

bool ChipGraph::has_collectives() const {
  for (const SystemNode& n : nodes)
    if (n.collective) return true;
  return false;
}

namespace {

constexpr uint64_t kMaxCollectiveBytes = 1ULL << 50;  // what arch/interconnect accepts

/// Reads a collective op; its input names go to `input_names`.
SystemNode read_collective(ObjectReader r, std::vector<std::string>& input_names) {
  SystemNode n;
  n.file = r.file();
  n.pointer = r.pointer();
  n.name = r.string("name");
  if (n.name.empty()) r.fail("name", "must be a non-empty string");
  CollectiveOp c;
  c.kind = r.enumeration<CollectiveKind>("op");
  c.bytes = r.u64("bytes", 1, kMaxCollectiveBytes);
  const json& axes = r.raw("axes");
  if (!axes.is_array() || axes.empty())
    r.fail("axes", "must be a non-empty array of system axis names, got " + config::describe(axes));
  for (size_t i = 0; i < axes.size(); ++i) {
    if (!axes[i].is_string() || axes[i].get<std::string>().empty())
      config::fail_at(r.file(), r.pointer_of("axes") + "/" + std::to_string(i),
                      "must be the name of a system axis, got " + config::describe(axes[i]));
    c.axes.push_back(axes[i].get<std::string>());
  }
  c.algorithm = r.string("algorithm", "");
  c.chunks = static_cast<uint32_t>(r.u64("chunks", 1, 256, 1));
  if (r.has("inputs")) {
    const json& in = r.raw("inputs");
    if (!in.is_array() || in.size() != 1 || !in[0].is_string() || in[0].get<std::string>().empty())
      r.fail("inputs", "a collective reads one tensor: must be an array of one tensor name, got " +
                           config::describe(in));
    input_names.push_back(in[0].get<std::string>());
  }
  r.finish();
  n.collective = c;
  return n;
}

bool is_collective_entry(const json& v) {
  return v.is_object() && v.contains("op") && v["op"].is_string() && is_collective_name(v["op"].get<std::string>());
}

/// Node indices for the names an op reads (empty: the previous node, or the input for the first).
std::vector<size_t> resolve_inputs(const std::vector<std::string>& names, size_t self,
                                   const std::map<std::string, size_t>& index, const Workload& w,
                                   const std::string& file, const std::string& pointer) {
  if (names.empty()) return {self == 0 ? Layer::kGraphInput : self - 1};
  std::vector<size_t> out;
  for (size_t k = 0; k < names.size(); ++k) {
    if (names[k] == w.input_name) {
      out.push_back(Layer::kGraphInput);
      continue;
    }
    const auto it = index.find(names[k]);
    if (it == index.end())
      config::fail_at(file, pointer + "/inputs/" + std::to_string(k),
                      fmt::format("no op named \"{}\" before this one (the workload input is \"{}\"; ops are listed "
                                  "in an order where every op comes after the ops it reads)", names[k], w.input_name));
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

void finish_chip_graph(ChipGraph& g, const std::string& file) {
  Workload& w = g.compute;
  // What a node's output is on the chip alone: a collective passes its input's tensor through.
  std::vector<std::string> tensor(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    SystemNode& n = g.nodes[i];
    TPUSIM_ASSERT(!n.inputs.empty(), "every node reads a tensor");
    auto name_of_input = [&](size_t in) { return in == Layer::kGraphInput ? w.input_name : tensor[in]; };
    if (n.collective) {
      tensor[i] = name_of_input(n.inputs[0]);
      continue;
    }
    TPUSIM_ASSERT(n.compute && *n.compute < w.layers.size(), "a compute node names a layer");
    Layer& l = w.layers[*n.compute];
    l.input_names.clear();
    for (size_t in : n.inputs) l.input_names.push_back(name_of_input(in));
    tensor[i] = l.name;
  }
  resolve_graph(w, file);
}

ChipGraph parse_chip_graph(const json& doc, const std::string& file) {
  ObjectReader r(doc, file, "");
  ChipGraph g;
  Workload& w = g.compute;
  w.file = file;
  w.name = r.string("name");
  w.source = r.string("source", "");
  (void)r.string("notes", "");
  w.batch = r.u64("batch", 1, 1ULL << 32, 1);
  w.input_name = r.string("input", "input");
  if (w.input_name.empty()) r.fail("input", "must be a non-empty tensor name");
  const json& layers = r.raw("layers");
  if (!layers.is_array() || layers.empty())
    r.fail("layers", "must be a non-empty array of layers, got " + config::describe(layers));
  std::map<std::string, size_t> index;  // node name -> node index
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string ptr = "/layers/" + std::to_string(i);
    std::vector<std::string> names;
    SystemNode n;
    if (is_collective_entry(layers[i])) {
      n = read_collective(ObjectReader(layers[i], file, ptr), names);
    } else {
      Layer l = parse_layer(layers[i], file, ptr, w.batch);
      n.name = l.name;
      n.file = file;
      n.pointer = ptr;
      n.compute = w.layers.size();
      names = l.input_names;
      g.weight_gradient_bytes += l.hint.gradient_bytes;  // unpartitioned: this chip holds every weight
      w.layers.push_back(std::move(l));
    }
    if (n.name == w.input_name)
      config::fail_at(file, ptr + "/name",
                      fmt::format("\"{}\" names the workload input; rename the op or set \"input\"", n.name));
    n.inputs = resolve_inputs(names, i, index, w, file, ptr);
    const auto [it, fresh] = index.emplace(n.name, i);
    if (!fresh)
      config::fail_at(file, ptr + "/name", fmt::format("duplicate layer name \"{}\" (also /layers/{})", n.name, it->second));
    g.nodes.push_back(std::move(n));
  }
  r.finish();
  finish_chip_graph(g, file);
  return g;
}

ChipGraph load_chip_graph_json(const std::string& path) { return parse_chip_graph(config::load_json_file(path), path); }

}  // namespace tpusim
