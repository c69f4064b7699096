#pragma once
/// A chip's program on a system of chips: a workload graph whose ops are compute ops (run by the
/// single-chip model) or collectives over named axes of the system (timed by arch/interconnect).
/// The workload format is the one of sim/spec/workload.h with six more ops (workloads/README.md,
/// "Collectives"): {"op": "all_gather", "bytes": B, "axes": ["x"], "algorithm": "ring"}.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"
#include "sim/spec/workload.h"

namespace tpusim {

/// The collectives a graph can hold; spelled as arch/interconnect's Collective (the system layer
/// converts by name, so the two tables must agree: tests/unit/test_system_workload.cpp checks it).
enum class CollectiveKind { all_reduce, reduce_scatter, all_gather, all_to_all, broadcast, send_recv };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(CollectiveKind v) {
  switch (v) {
    case CollectiveKind::all_reduce: return "all_reduce";
    case CollectiveKind::reduce_scatter: return "reduce_scatter";
    case CollectiveKind::all_gather: return "all_gather";
    case CollectiveKind::all_to_all: return "all_to_all";
    case CollectiveKind::broadcast: return "broadcast";
    case CollectiveKind::send_recv: return "send_recv";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// Whether `op` spells a collective: such a workload runs only on a system.
bool is_collective_name(const std::string& op);

/// One collective as written. `bytes` is per participant, as arch/interconnect/README.md
/// ("Collectives and what bytes means") defines it for each kind.
struct CollectiveOp {
  CollectiveKind kind = CollectiveKind::all_reduce;
  uint64_t bytes = 0;
  std::vector<std::string> axes;  ///< system axes; checked against the system when it runs
  std::string algorithm;          ///< "" = the usual one for the kind (the first of algorithms_for)
  uint32_t chunks = 1;            ///< 1..256
};

/// One op of a chip's program: a compute op (index into ChipGraph::compute.layers) or a collective.
struct SystemNode {
  std::string name;
  std::optional<size_t> compute;
  std::optional<CollectiveOp> collective;
  /// Node indices it reads (Layer::kGraphInput: the workload input); never empty.
  std::vector<size_t> inputs;
  std::string file, pointer;  ///< for messages
};

/// A chip's program: its compute ops as an ordinary Workload (for the single-chip runner; an op
/// that read a collective's output reads the collective's input there, so compute-to-compute
/// order is kept) and every op, compute or collective, as one graph in topological order.
struct ChipGraph {
  Workload compute;
  std::vector<SystemNode> nodes;
  /// The node whose result is the program's output (what a next copy of the program reads):
  /// SIZE_MAX = the last node. The partition pass sets it past side branches such as gradient
  /// reductions.
  size_t output = SIZE_MAX;
  /// Training graphs: the weight-gradient bytes this chip's ops complete (its share of the
  /// weights: the ops' gradient_bytes hints, divided as the partition pass shards them). 0: the
  /// graph does not train. The memory check (sim/system/memory_fit.h) reads it.
  uint64_t weight_gradient_bytes = 0;
  size_t output_node() const { return output == SIZE_MAX ? nodes.size() - 1 : output; }
  bool has_collectives() const;
};

/// Parses a workload document whose layers may be collectives (strict, as parse_workload).
ChipGraph parse_chip_graph(const nlohmann::json& doc, const std::string& file);
ChipGraph load_chip_graph_json(const std::string& path);

/// Builds a ChipGraph from nodes whose inputs are already resolved and a Workload holding the
/// compute ops the nodes point at (the partition pass uses it): sets the compute ops' inputs from
/// the graph (through collectives) and resolves the Workload. InputError on a bad graph.
void finish_chip_graph(ChipGraph& graph, const std::string& file);

}  // namespace tpusim
