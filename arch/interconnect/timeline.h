#pragma once
/// The congestion-aware mode: a collective's transfers, step by step and chunk by chunk, timed on
/// each directed link as a busy-until timeline in exact picoseconds (README.md "Timeline"). The
/// graph executor calls run_collective() with the link state it keeps between collectives.
#include <cstdint>
#include <optional>
#include <vector>

#include "arch/interconnect/collective.h"
#include "arch/interconnect/topology.h"

namespace tpusim::arch::interconnect {

/// Per directed link: when it is next free, and how long it has carried data so far.
class LinkState {
 public:
  explicit LinkState(const Topology& topo) : busy_until_(topo.link_count(), 0), busy_ps_(topo.link_count(), 0) {}
  TimePs busy_until(uint32_t link) const { return busy_until_[link]; }
  TimePs busy_ps(uint32_t link) const { return busy_ps_[link]; }
  size_t size() const { return busy_until_.size(); }

 private:
  friend class TimelineRun;
  std::vector<TimePs> busy_until_;
  std::vector<TimePs> busy_ps_;
};

struct RunOptions {
  /// Time only the group that holds this chip (symmetry: every group of a collective along axes
  /// does the same on links of its own, so one stands for all when the links start out alike).
  std::optional<uint32_t> only_group_of_chip;
};

struct CollectiveTiming {
  TimePs start_ps = 0;
  TimePs end_ps = 0;  ///< when the last chip has received its last byte
  uint64_t steps = 0;
  uint64_t transfers = 0;
  bool shared_link = false;  ///< two transfers of one step crossed one directed link
  bool multi_hop = false;    ///< some transfer crossed more than one hop
  bool mixed_links = false;  ///< a transfer crossed links other than those its closed form assumes
  /// Busy time this collective added to the links of each axis (indexed like Topology::axes(); one
  /// more entry at the end for a switch's ports or a full mesh's pair links).
  std::vector<TimePs> axis_busy_ps;

  TimePs duration_ps() const { return end_ps - start_ps; }
  /// Whether the closed form must equal this timeline (collective.h closed_form()).
  bool closed_form_exact() const { return !shared_link && !multi_hop && !mixed_links; }
};

/// Runs collective `req` from `start_ps` on `state` (which it advances) and returns its timing.
/// Transfers wait for links that earlier calls left busy, so call in order of start time.
CollectiveTiming run_collective(const Topology& topo, LinkState& state, const CollectiveRequest& req,
                                TimePs start_ps, const RunOptions& options = {});

}  // namespace tpusim::arch::interconnect
