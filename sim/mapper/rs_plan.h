#pragma once
/// The row-stationary planner (`/array/dataflow` `rs`): chooses how a layer's 2-D convolutions
/// are folded and replicated onto the array as processing passes (Chen et al., ISCA 2016 section
/// V; JSSC 2017 section IV; sim/mapper/README.md, "Row stationary"). Pure C++.
///
/// Lowering. A conv2d per group is C channels, M filters of R x S, E x F outputs per image; a
/// GEMM, matmul or linear layer is a 1x1 convolution over one row of F = M outputs (C = K,
/// M = N). A logical PE set is R PE rows by E columns; a pass holds r x t sets, each cut to e
/// output rows (strip mining), and every PE interleaves q channels and p filters over n output
/// rows, as far as its scratchpads allow (`/array/row_stationary`):
///   q S <= ifmap words,  p q S <= filter words,  p <= partial-sum words.
/// Sets sit side by side in bands of R rows; a set wider than the array is cut into pieces, one
/// band each (replication used for folding, JSSC 2017 IV.A). A pass's global-buffer traffic per
/// cycle (the ifmap of its sets' diagonals and its partial sums) must fit the buffers' ports.
///
/// Choice. Among all such mappings the planner takes the one with the least DRAM traffic among
/// those whose estimated time is within (1 + `/array/row_stationary/time_slack`) of the fastest
/// (slack 0: the least estimated time, then the least DRAM traffic); time = max(passes' busy
/// cycles + unhidden filter loads, DRAM bytes / bandwidth), where a filter load is unhidden
/// when the weights buffer is single-buffered (the PEs' scratchpads are refilled between
/// passes) and each mapping gets its best loop order and
/// residency from the same search as the other dataflows (best_loop_order, plan.h). Mappings are
/// tried in order of their busy cycles, which bound the time from below, so the search stops at
/// the first mapping whose busy cycles exceed the fastest estimate found times (1 + slack) (at
/// most kMaxEvaluated are evaluated).
#include <cstdint>

#include "sim/mapper/plan.h"

namespace tpusim::mapper {

/// Mappings whose loop orders are evaluated at most per layer (the cheapest first).
constexpr uint64_t kMaxRsEvaluated = 4000;

/// The row-stationary plan of a matrix layer: GemmPlan's tiles are a pass's K, N and M extents,
/// GemmPlan::rs the mapping. InputError naming the layer when its filter is taller than the
/// array or wider than the ifmap scratchpad, when PEs pack several MACs, or when no pass fits the
/// buffers (their capacity) or their ports; NoFit as plan_gemm.
GemmPlan plan_rs(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx);

/// Cycles the passes of `plan` keep the array busy with operands at hand: each pass its PEs'
/// busy cycles plus h L - 1 for the start to climb and the last sum to leave.
uint64_t rs_busy_cycles(const ArchConfig& arch, const GemmPlan& plan);

/// The share of the array's PEs the passes map, averaged over the passes (GemmPlan::mapping_efficiency).
double rs_mapping_efficiency(const ArchConfig& arch, const GemmPlan& plan);

}  // namespace tpusim::mapper
