#pragma once
/// A collective as phases of synchronous steps of point-to-point transfers: what each chip sends
/// to whom, how much, in each step (README.md "Schedules"). The congestion-aware timeline times
/// these transfers on the links; steps are generated one at a time so that a 4096-chip ring needs
/// no more memory than one step.
#include <cstdint>
#include <vector>

#include "arch/interconnect/collective.h"

namespace tpusim::arch::interconnect {

/// The traffic pattern of one phase, for each of its groups of p chips in rank order.
enum class Pattern {
  ring,                 ///< p-1 steps: rank i sends D/p to i+1 (mod p)
  bidirectional_ring,   ///< p-1 steps: rank i sends D/(2p) to i+1 and D/(2p) to i-1 (mod p)
  line_reduce_scatter,  ///< p-1 steps: partial sums flow both ways along a line, D/p per link
  line_all_gather,      ///< p-1 steps: shards flow both ways along a line, D/p per link
  halving,              ///< log2 p steps: step k exchanges D/2^k with rank i xor p/2^k
  doubling,             ///< log2 p steps: step k exchanges D 2^(k-1)/p with rank i xor 2^(k-1)
  tree_reduce,          ///< log2 p steps of a binomial tree towards rank 0, D per edge
  tree_broadcast,       ///< log2 p steps of a binomial tree from rank 0, D per edge
  chain,                ///< p-1 steps: rank k-1 forwards D to rank k, chunk by chunk (pipelined)
  a2a_ring,             ///< p-1 steps: rank i forwards (p-k) blocks of D/p to i+1
  a2a_bidirectional,    ///< floor(p/2) steps: blocks go the shorter way round, both ways at once
  a2a_line,             ///< p-1 steps: blocks flow both ways along a line
  a2a_direct,           ///< p-1 steps: rank i sends its block D/p for rank i+k straight to it
  shift,                ///< 1 step: rank i sends D to rank i+1 (the last sends nothing)
};

struct Transfer {
  uint32_t src = 0;
  uint32_t dst = 0;
  Bytes bytes;
};

struct Phase {
  Pattern pattern = Pattern::ring;
  std::vector<std::vector<uint32_t>> groups;  ///< chips of each group running this phase, rank order
  Bytes buffer;                               ///< D: the buffer the transfers take their shares of
  uint32_t steps = 0;
  bool pipelined = false;  ///< chunk j of a step waits only for chunk j of the step before
  LinkClass link;          ///< the links the closed form assumes for this phase (bandwidth, latency)
};

/// The phases of a collective. With `only_group` (a group's chips), only the phases' groups
/// inside it (for symmetric systems, where every group does the same on links of its own).
std::vector<Phase> plan_phases(const Topology& topo, const ResolvedCollective& r,
                               const std::vector<uint32_t>* only_group = nullptr);

/// Appends the transfers of step `k` (1-based) of `phase` to `out`.
void emit_step(const Phase& phase, uint32_t k, std::vector<Transfer>& out);

}  // namespace tpusim::arch::interconnect
