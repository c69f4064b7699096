#include "sim/system/chakra/chakra_export.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>

#include <fmt/format.h>

#include "et_def.pb.h"
#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/spec/json_reader.h"

namespace tpusim::system::chakra {

namespace ic = arch::interconnect;
namespace pb = ChakraProtoMsg;

namespace {

void attr_bool(pb::Node& n, const char* name, bool v) {
  auto* a = n.add_attr();
  a->set_name(name);
  a->set_bool_val(v);
}
void attr_i64(pb::Node& n, const char* name, int64_t v) {
  auto* a = n.add_attr();
  a->set_name(name);
  a->set_int64_val(v);
}
void attr_u64(pb::Node& n, const char* name, uint64_t v) {
  auto* a = n.add_attr();
  a->set_name(name);
  a->set_uint64_val(v);
}
void attr_str(pb::Node& n, const char* name, const std::string& v) {
  auto* a = n.add_attr();
  a->set_name(name);
  a->set_string_val(v);
}

pb::CollectiveCommType comm_type(CollectiveKind k, const SystemNode& node) {
  switch (k) {
    case CollectiveKind::all_reduce: return pb::ALL_REDUCE;
    case CollectiveKind::reduce_scatter: return pb::REDUCE_SCATTER;
    case CollectiveKind::all_gather: return pb::ALL_GATHER;
    case CollectiveKind::all_to_all: return pb::ALL_TO_ALL;
    case CollectiveKind::broadcast: return pb::BROADCAST;
    case CollectiveKind::send_recv: break;
  }
  config::fail_at(node.file, node.pointer,
                  fmt::format("chakra export: \"{}\" is a send_recv, whose peer differs from chip to chip; "
                              "one trace for every chip cannot say it (not exported)", node.name));
}

/// ps to Chakra's whole microseconds, rounded to nearest (the exact ps are in "duration_ps").
uint64_t micros(ic::TimePs ps) { return (ps + 500000) / 1000000; }

void append_delimited(const google::protobuf::MessageLite& m, std::string& out) {
  google::protobuf::io::StringOutputStream raw(&out);
  google::protobuf::io::CodedOutputStream coded(&raw);
  coded.WriteVarint32(static_cast<uint32_t>(m.ByteSizeLong()));
  m.SerializeWithCachedSizes(&coded);
  TPUSIM_ASSERT(!coded.HadError(), "a trace message serializes to memory");
}

pb::Node node_message(const ic::Topology& topo, const ChipGraph& g, size_t i, const NodeSpan& span) {
  const SystemNode& n = g.nodes[i];
  pb::Node m;
  m.set_id(i);
  m.set_name(n.name);
  for (size_t in : n.inputs)
    if (in != Layer::kGraphInput) m.add_data_deps(in);
  const ic::TimePs duration = span.end_ps - span.start_ps;
  m.set_start_time_micros(span.start_ps / 1000000);
  m.set_duration_micros(micros(duration));
  attr_bool(m, "is_cpu_op", false);
  attr_u64(m, "duration_ps", duration);
  if (n.compute) {
    // repeat_program numbers copy r's ops r x layers on; its compute workload is one copy.
    const Layer& l = g.compute.layers[*n.compute % g.compute.layers.size()];
    m.set_type(pb::COMP_NODE);
    attr_str(m, "op", to_string(l.op));
    // A MAC is two operations; a vector op's lane-operations count one each.
    attr_i64(m, "num_ops", static_cast<int64_t>(is_matrix_op(l.op) ? 2 * l.gemm.macs() : l.vector.ops));
    return m;
  }
  const CollectiveOp& c = *n.collective;
  const ic::CollectiveRequest req = to_request(topo, n);
  m.set_type(pb::COMM_COLL_NODE);
  attr_i64(m, "comm_type", comm_type(c.kind, n));
  attr_i64(m, "comm_size", static_cast<int64_t>(c.bytes));
  auto* dims = m.add_attr();
  dims->set_name("involved_dim");
  for (const ic::Axis& a : topo.axes())
    dims->mutable_bool_list()->add_values(std::find(c.axes.begin(), c.axes.end(), a.name) != c.axes.end());
  attr_str(m, "algorithm", ic::to_string(req.algorithm));
  attr_i64(m, "chunks", c.chunks);
  return m;
}

}  // namespace

void check_exportable(const ChipGraph& graph) {
  for (const SystemNode& n : graph.nodes)
    if (n.collective) (void)comm_type(n.collective->kind, n);
}

Exported write_chakra(const SystemRun& run, const ChipGraph& graph, const std::string& dir, const std::string& prefix) {
  const ic::Topology topo(run.spec);
  std::vector<ComputeSpan> spans;
  if (run.chip) spans = compute_spans(run.chip->run, run.chip->arch.clock_mhz);
  const Program prog = repeat_program(graph, spans, run.repeat);
  TPUSIM_ASSERT(prog.graph.nodes.size() == run.timeline.nodes.size(), "the timeline is the repeated program's");
  std::string et;
  pb::GlobalMetadata meta;
  meta.set_version("0.0.4");
  auto add_meta = [&](const char* name, const std::string& v) {
    auto* a = meta.add_attr();
    a->set_name(name);
    a->set_string_val(v);
  };
  add_meta("schema", "1.0.2-chakra.0.0.4");
  add_meta("producer", "tpusim");
  add_meta("system", run.spec.name);
  add_meta("workload", run.workload_name);
  add_meta("chips", std::to_string(run.spec.chips));
  append_delimited(meta, et);
  for (size_t i = 0; i < prog.graph.nodes.size(); ++i)
    append_delimited(node_message(topo, prog.graph, i, run.timeline.nodes[i]), et);
  Exported out;
  out.nodes = prog.graph.nodes.size();
  const std::string trace = fmt::format("{}.0.et", prefix);
  OutputFiles files;  // the trace and its manifest (last) appear together or not at all
  files.put("--out", dir + "/" + trace, et);
  out.files.push_back(dir + "/" + trace);
  const nlohmann::json manifest = {
      {"format", "chakra execution trace (et_def.proto), one per distinct chip program"},
      {"system", run.spec.name}, {"chips", run.spec.chips}, {"workload", run.workload_name},
      {"repeat", run.repeat}, {"nodes", out.nodes},
      {"traces", nlohmann::json::array({{{"file", trace}, {"chips", fmt::format("0-{}", run.spec.chips - 1)}}})},
      {"note", fmt::format("every chip runs the same program: for a replay that wants a file per NPU, "
                           "link {}.<npu>.et to {} for each NPU id", prefix, trace)}};
  out.files.push_back(dir + "/" + prefix + ".manifest.json");
  files.put("--out", out.files.back(), manifest.dump(2) + "\n");
  files.commit();
  return out;
}

}  // namespace tpusim::system::chakra
