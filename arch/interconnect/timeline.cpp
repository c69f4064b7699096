#include "arch/interconnect/timeline.h"

#include <algorithm>

#include "arch/interconnect/schedule.h"
#include "sim/base/error.h"

namespace tpusim::arch::interconnect {

/// One run of one collective over the link state: the chips' arrival times so far, and the
/// scratch space of one step.
class TimelineRun {
 public:
  TimelineRun(const Topology& topo, LinkState& state, uint32_t chunks, TimePs start, bool pipelined)
      : topo_(topo), state_(state), k_(chunks), recv_all_(topo.chips(), start), stamp_(topo.link_count(), 0) {
    if (pipelined) recv_chunk_.assign(static_cast<size_t>(topo.chips()) * chunks, start);
    result_.start_ps = start;
    result_.end_ps = start;
    result_.axis_busy_ps.assign(topo.axes().size() + 1, 0);
  }

  void run_phase(const Phase& ph) {
    for (uint32_t k = 1; k <= ph.steps; ++k) run_step(ph, k);
  }

  CollectiveTiming take() { return std::move(result_); }

 private:
  struct Planned {
    uint32_t src, dst;
    uint32_t first_link, link_end;  ///< into links_
    TimePs chunk_ps;
  };
  struct Arrival {
    uint32_t chip, chunk;
    TimePs at;
  };

  /// Routes the step's transfers, notes shared links, multi-hop routes and transfers over links
  /// other than those the phase's closed form assumes; returns whether two of the step's
  /// transfers share a link.
  bool plan_step(const Phase& ph, uint32_t k) {
    transfers_.clear();
    emit_step(ph, k, transfers_);
    planned_.clear();
    links_.clear();
    ++step_id_;
    bool shared = false;
    for (size_t t = 0; t < transfers_.size(); ++t) {
      const Transfer& tr = transfers_[t];
      const uint32_t hops = topo_.route(tr.src, tr.dst, route_);
      const uint64_t bw = topo_.link_bandwidth(route_[0]);
      TimePs latency = 0;
      for (uint32_t l : route_) {
        TPUSIM_ASSERT(topo_.link_bandwidth(l) == bw, "a route's links share one bandwidth");
        latency += topo_.link_latency_ps(l);
        shared = shared || stamp_[l] == step_id_;
        stamp_[l] = step_id_;
      }
      result_.multi_hop = result_.multi_hop || hops > 1;
      result_.mixed_links = result_.mixed_links || bw != ph.link.bandwidth_bytes_per_s ||
                            (hops == 1 && latency != ph.link.latency_ps);
      const uint32_t first = static_cast<uint32_t>(links_.size());
      links_.insert(links_.end(), route_.begin(), route_.end());
      planned_.push_back({tr.src, tr.dst, first, static_cast<uint32_t>(links_.size()), chunk_ps(tr.bytes, bw, k_)});
    }
    result_.transfers += transfers_.size();
    result_.shared_link = result_.shared_link || shared;
    ++result_.steps;
    return shared;
  }

  /// Times every chunk of the step on its route, cut-through: a link takes a chunk once the
  /// chunk's head has crossed the previous link (that link's latency after it started there) and
  /// the link is free. Links serve chunks in order of arrival; chunk j of every transfer comes
  /// before chunk j+1 of any on a tie, so transfers that share a link take turns.
  void run_step(const Phase& ph, uint32_t k) {
    const bool shared = plan_step(ph, k);
    arrivals_.clear();
    const uint32_t n = static_cast<uint32_t>(planned_.size());
    if (!shared) {  // no link carries two transfers: the order among transfers cannot matter
      for (const Planned& t : planned_)
        for (uint32_t j = 0; j < k_; ++j) {
          TimePs s = ready(ph, t, j);
          TimePs latency = 0;
          for (uint32_t i = t.first_link; i < t.link_end; ++i) s = take_link(t, i, s + latency, latency);
          arrivals_.push_back({t.dst, j, s + latency + t.chunk_ps});
        }
    } else {
      events_.clear();
      for (uint32_t j = 0; j < k_; ++j)
        for (uint32_t t = 0; t < n; ++t) push_event({ready(ph, planned_[t], j), uint64_t(j) * n + t, t, j, 0});
      while (!events_.empty()) {
        std::pop_heap(events_.begin(), events_.end(), Event::later);
        const Event e = events_.back();
        events_.pop_back();
        const Planned& t = planned_[e.transfer];
        TimePs latency = 0;
        const TimePs s = take_link(t, t.first_link + e.hop, e.at, latency);
        if (t.first_link + e.hop + 1 < t.link_end) push_event({s + latency, e.seq, e.transfer, e.chunk, e.hop + 1});
        else arrivals_.push_back({t.dst, e.chunk, s + latency + t.chunk_ps});
      }
    }
    for (const Arrival& a : arrivals_) {  // visible to the next step only
      recv_all_[a.chip] = std::max(recv_all_[a.chip], a.at);
      if (!recv_chunk_.empty()) {
        TimePs& c = recv_chunk_[static_cast<size_t>(a.chip) * k_ + a.chunk];
        c = std::max(c, a.at);
      }
      result_.end_ps = std::max(result_.end_ps, a.at);
    }
  }

  /// A chunk may leave its source once the chip has received what the algorithm's previous steps
  /// sent it (pipelined: that chunk of it).
  TimePs ready(const Phase& ph, const Planned& t, uint32_t j) const {
    return ph.pipelined ? recv_chunk_[static_cast<size_t>(t.src) * k_ + j] : recv_all_[t.src];
  }

  /// Puts one chunk on link `links_[i]` no earlier than `at`; returns its start there and sets
  /// `latency` to the link's latency.
  TimePs take_link(const Planned& t, uint32_t i, TimePs at, TimePs& latency) {
    const uint32_t l = links_[i];
    const TimePs s = std::max(at, state_.busy_until_[l]);
    state_.busy_until_[l] = s + t.chunk_ps;
    state_.busy_ps_[l] += t.chunk_ps;
    result_.axis_busy_ps[topo_.link_axis(l)] += t.chunk_ps;
    latency = topo_.link_latency_ps(l);
    return s;
  }

  struct Event {
    TimePs at;
    uint64_t seq;  ///< tie-break: chunk-major order
    uint32_t transfer, chunk, hop;
    static bool later(const Event& a, const Event& b) { return a.at != b.at ? a.at > b.at : a.seq > b.seq; }
  };
  void push_event(const Event& e) {
    events_.push_back(e);
    std::push_heap(events_.begin(), events_.end(), Event::later);
  }

  const Topology& topo_;
  LinkState& state_;
  const uint32_t k_;
  std::vector<TimePs> recv_all_;    ///< per chip: its last arrival so far
  std::vector<TimePs> recv_chunk_;  ///< per chip and chunk index, for pipelined phases
  std::vector<uint64_t> stamp_;     ///< per link: the last step that used it
  uint64_t step_id_ = 0;
  std::vector<Transfer> transfers_;
  std::vector<Planned> planned_;
  std::vector<uint32_t> links_;
  std::vector<uint32_t> route_;
  std::vector<Arrival> arrivals_;
  std::vector<Event> events_;
  CollectiveTiming result_;
};

CollectiveTiming run_collective(const Topology& topo, LinkState& state, const CollectiveRequest& req,
                                TimePs start_ps, const RunOptions& options) {
  TPUSIM_ASSERT(state.size() == topo.link_count(), "link state made for this topology");
  const ResolvedCollective r = resolve(topo, req);
  std::vector<uint32_t> group;
  if (options.only_group_of_chip) {
    const uint32_t chip = *options.only_group_of_chip;
    TPUSIM_ASSERT(chip < topo.chips(), "only_group_of_chip names a chip of the topology");
    for (auto& g : topo.groups(r.axes))
      if (std::find(g.begin(), g.end(), chip) != g.end()) group = std::move(g);
  }
  const std::vector<Phase> phases = plan_phases(topo, r, options.only_group_of_chip ? &group : nullptr);
  bool pipelined = false;
  for (const auto& ph : phases) pipelined = pipelined || ph.pipelined;
  TimelineRun run(topo, state, req.chunks, start_ps, pipelined);
  for (const auto& ph : phases) run.run_phase(ph);
  return run.take();
}

}  // namespace tpusim::arch::interconnect
