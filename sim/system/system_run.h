#pragma once
/// Runs a chip program (compute ops and collectives, sim/spec/system_workload.h) on a system of
/// chips: the compute ops on the single-chip model (sim/run, its public API), the collectives on
/// the interconnect (arch/interconnect's congestion-aware timeline), both placed on a system
/// timeline with two resources per chip, compute and interconnect (sim/system/README.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/interconnect/collective.h"
#include "arch/interconnect/timeline.h"
#include "arch/interconnect/topology.h"
#include "sim/run/layer_result.h"
#include "sim/spec/arch_config.h"
#include "sim/spec/system_spec.h"
#include "sim/spec/system_workload.h"

namespace tpusim::system {

using arch::interconnect::TimePs;

/// Where each compute op ran on the chip alone: its span in ps from the chip run's start.
struct ComputeSpan {
  TimePs start_ps = 0, end_ps = 0;
};

/// A node's span on the system timeline (chip 0's; every chip of a symmetric program is alike).
struct NodeSpan {
  std::string name;
  bool collective = false;
  TimePs start_ps = 0, end_ps = 0;
  TimePs ready_ps = 0;  ///< collectives: when its input was there (start - ready = waiting for the links)
};

/// One axis of the system: its directed links, the busy time collectives put on them (all
/// groups), the bytes they carried and busy / (links x step).
struct AxisUse {
  std::string name;
  uint64_t links = 0;
  double busy_ps = 0;
  double bytes = 0;
  double utilization = 0;
  double energy_pj = 0;  ///< bytes x 8 x the axis' /link/energy_pj_per_bit (every hop pays it)
};

struct ChipTimeline {
  std::vector<NodeSpan> nodes;  ///< in graph order
  TimePs step_ps = 0;           ///< last end
  TimePs compute_ps = 0;        ///< the chip run alone (its makespan)
  TimePs communication_ps = 0;  ///< collectives' time on the chip's interconnect resource (they queue there)
  TimePs exposed_ps = 0;        ///< step - compute: what communication adds to the step
  TimePs hidden_ps = 0;         ///< communication - exposed: what ran under compute
  std::vector<AxisUse> axes;    ///< indexed like Topology::axes(), plus one for a switch's ports / pair links
};

/// The interconnect request of a collective op; InputError naming its file and pointer when the
/// algorithm is unknown or does not fit the system.
arch::interconnect::CollectiveRequest to_request(const arch::interconnect::Topology& topo, const SystemNode& node);

/// Compute spans from a chip run of `graph.compute` (layers in order), at `clock_mhz`.
std::vector<ComputeSpan> compute_spans(const RunResult& run, double clock_mhz);

/// Places every node of `graph` on the system timeline, starting at `start_ps` on `links`:
/// compute ops keep their order and spacing from the chip run (`spans`, one per compute layer)
/// and are delayed, in order of their chip start, by every wait for a collective's result;
/// collectives start when their input is there and the chip's interconnect is free, timed on the
/// links of the group holding chip 0 (every group of a symmetric program does the same).
ChipTimeline schedule_chip(const arch::interconnect::Topology& topo, arch::interconnect::LinkState& links,
                           const ChipGraph& graph, const std::vector<ComputeSpan>& spans, TimePs start_ps = 0);

/// A chip program repeated back to back (identical layers): `times` copies of the graph, copy r
/// reading copy r-1's last node where the original reads the workload input, and the compute
/// spans of copy r those of the one chip run shifted by r x its makespan (the chip ran one copy;
/// overlap between copies on the chip alone is not kept). `graph.compute` stays one copy.
struct Program {
  ChipGraph graph;
  std::vector<ComputeSpan> spans;
};
Program repeat_program(const ChipGraph& graph, const std::vector<ComputeSpan>& spans, uint32_t times);

/// Directed links per axis of the topology (indexed like ChipTimeline::axes).
std::vector<uint64_t> axis_link_counts(const arch::interconnect::Topology& topo, const config::SystemSpec& spec);

/// Fills each axis' utilization and bytes from busy times of one group per collective.
void finish_axes(const arch::interconnect::Topology& topo, const config::SystemSpec& spec, ChipTimeline& t);

}  // namespace tpusim::system
