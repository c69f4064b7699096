#include "arch/interconnect/schedule.h"

#include <algorithm>

#include "sim/base/error.h"

namespace tpusim::arch::interconnect {

namespace {

uint32_t log2_of(uint64_t p) {
  uint32_t m = 0;
  while ((1ULL << m) < p) ++m;
  return m;
}

uint32_t steps_of(Pattern pattern, uint64_t p) {
  switch (pattern) {
    case Pattern::halving:
    case Pattern::doubling:
    case Pattern::tree_reduce:
    case Pattern::tree_broadcast: return log2_of(p);
    case Pattern::a2a_bidirectional: return static_cast<uint32_t>(p / 2);
    case Pattern::shift: return 1;
    default: return static_cast<uint32_t>(p - 1);
  }
}

class Planner {
 public:
  Planner(const Topology& topo, const ResolvedCollective& r, const std::vector<uint32_t>* only)
      : topo_(topo), r_(r) {
    if (only) {
      member_.assign(topo.chips(), false);
      for (uint32_t c : *only) member_[c] = true;
    }
  }

  /// A phase over groups along `axes`.
  void add(Pattern pattern, const std::vector<size_t>& axes, const Bytes& buffer, bool pipelined = false) {
    Phase ph;
    ph.link = axes.size() == 1 ? topo_.axes()[axes[0]].link : group_link_class(topo_, r_);
    ph.pattern = pattern;
    for (auto& g : topo_.groups(axes))
      if (member_.empty() || member_[g[0]]) ph.groups.push_back(std::move(g));
    ph.buffer = buffer;
    ph.steps = steps_of(pattern, ph.groups.empty() ? 1 : ph.groups[0].size());
    ph.pipelined = pipelined;
    if (ph.steps > 0 && !ph.groups.empty()) phases_.push_back(std::move(ph));
  }

  /// The torus algorithm: one pass per active axis (reverse order for gathering).
  void torus(bool scatter, bool gather) {
    std::vector<Bytes> d{Bytes{r_.request.bytes, 1, 1}};
    for (size_t a : r_.active) d.push_back(share(d.back(), 1, topo_.axes()[a].size));
    const auto pass = [&](size_t i, bool gathering) {
      const size_t a = r_.active[i];
      switch (topo_.axes()[a].fabric) {
        case AxisFabric::ring: add(Pattern::bidirectional_ring, {a}, d[i]); break;
        case AxisFabric::line: add(gathering ? Pattern::line_all_gather : Pattern::line_reduce_scatter, {a}, d[i]); break;
        default: add(Pattern::ring, {a}, d[i]); break;
      }
    };
    if (scatter)
      for (size_t i = 0; i < r_.active.size(); ++i) pass(i, false);
    if (gather)
      for (size_t i = r_.active.size(); i-- > 0;) pass(i, true);
  }

  void all_to_all_torus() {
    const Bytes s{r_.request.bytes, 1, 1};
    for (size_t a : r_.active) {
      const AxisFabric f = topo_.axes()[a].fabric;
      add(f == AxisFabric::ring ? Pattern::a2a_bidirectional
          : f == AxisFabric::line ? Pattern::a2a_line
                                  : Pattern::a2a_direct,
          {a}, s);
    }
  }

  std::vector<Phase> take() { return std::move(phases_); }

 private:
  const Topology& topo_;
  const ResolvedCollective& r_;
  std::vector<bool> member_;
  std::vector<Phase> phases_;
};

}  // namespace

std::vector<Phase> plan_phases(const Topology& topo, const ResolvedCollective& r, const std::vector<uint32_t>* only) {
  Planner plan(topo, r, only);
  if (r.participants < 2) return {};
  const Bytes s{r.request.bytes, 1, 1};
  const Collective op = r.request.op;
  const bool reduce = op == Collective::all_reduce || op == Collective::reduce_scatter;
  const bool gather = op == Collective::all_reduce || op == Collective::all_gather;
  // `ring` over one axis without wraparound runs as a bidirectional line (README.md "Schedules").
  const bool line = r.active.size() == 1 && topo.axes()[r.active[0]].fabric == AxisFabric::line;
  const std::vector<size_t>& axes = r.axes;
  switch (r.request.algorithm) {
    case Algorithm::ring:
      if (op == Collective::all_to_all) plan.add(line ? Pattern::a2a_line : Pattern::a2a_ring, axes, s);
      if (op == Collective::broadcast) plan.add(Pattern::chain, axes, s, true);
      if (reduce) plan.add(line ? Pattern::line_reduce_scatter : Pattern::ring, axes, s);
      if (gather) plan.add(line ? Pattern::line_all_gather : Pattern::ring, axes, s);
      break;
    case Algorithm::bidirectional_ring:
      if (op == Collective::all_to_all) plan.add(Pattern::a2a_bidirectional, axes, s);
      if (reduce) plan.add(Pattern::bidirectional_ring, axes, s);
      if (gather) plan.add(Pattern::bidirectional_ring, axes, s);
      break;
    case Algorithm::torus:
      if (op == Collective::all_to_all) plan.all_to_all_torus();
      else plan.torus(reduce, gather);
      break;
    case Algorithm::halving_doubling:
      if (reduce) plan.add(Pattern::halving, axes, s);
      if (gather) plan.add(Pattern::doubling, axes, s);
      break;
    case Algorithm::tree:
      if (op == Collective::all_reduce) plan.add(Pattern::tree_reduce, axes, s);
      plan.add(Pattern::tree_broadcast, axes, s);
      break;
    case Algorithm::direct:
      plan.add(op == Collective::all_to_all ? Pattern::a2a_direct : Pattern::shift, axes, s);
      break;
  }
  return plan.take();
}

namespace {

void emit_group(Pattern pattern, const std::vector<uint32_t>& g, const Bytes& d, uint32_t k, std::vector<Transfer>& out) {
  const uint32_t p = static_cast<uint32_t>(g.size());
  const auto send = [&](uint32_t from, uint32_t to, const Bytes& b) { out.push_back({g[from], g[to], b}); };
  switch (pattern) {
    case Pattern::ring:
      for (uint32_t i = 0; i < p; ++i) send(i, (i + 1) % p, share(d, 1, p));
      break;
    case Pattern::bidirectional_ring:
      for (uint32_t i = 0; i < p; ++i) send(i, (i + 1) % p, share(d, 1, 2 * p));
      for (uint32_t i = 0; i < p; ++i) send(i, (i + p - 1) % p, share(d, 1, 2 * p));
      break;
    case Pattern::line_reduce_scatter:  // the partial for shard p-k+i moves right from i; mirrored leftwards
      for (uint32_t i = 0; i + 1 < p && i + 1 <= k; ++i) send(i, i + 1, share(d, 1, p));
      for (uint32_t i = std::max(p - k, 1u); i < p; ++i) send(i, i - 1, share(d, 1, p));
      break;
    case Pattern::line_all_gather:  // shard i-k+1 moves right from i; shard i+k-1 moves left
      for (uint32_t i = k - 1; i + 1 < p; ++i) send(i, i + 1, share(d, 1, p));
      for (uint32_t i = 1; i + k <= p; ++i) send(i, i - 1, share(d, 1, p));
      break;
    case Pattern::halving:
      for (uint32_t i = 0; i < p; ++i) send(i, i ^ (p >> k), share(d, 1, 1ULL << k));
      break;
    case Pattern::doubling:
      for (uint32_t i = 0; i < p; ++i) send(i, i ^ (1u << (k - 1)), share(d, 1ULL << (k - 1), p));
      break;
    case Pattern::tree_reduce: {
      const uint32_t mask = 1u << (k - 1);
      for (uint32_t i = 0; i < p; ++i)
        if (i % (2 * mask) == mask) send(i, i - mask, d);
      break;
    }
    case Pattern::tree_broadcast: {
      const uint32_t mask = 1u << (log2_of(p) - k);
      for (uint32_t i = 0; i < p; i += 2 * mask)
        if (i + mask < p) send(i, i + mask, d);
      break;
    }
    case Pattern::chain: send(k - 1, k, d); break;
    case Pattern::a2a_ring:
      for (uint32_t i = 0; i < p; ++i) send(i, (i + 1) % p, share(d, p - k, p));
      break;
    case Pattern::a2a_bidirectional: {
      const uint32_t right = p / 2, left = (p - 1) / 2;
      for (uint32_t i = 0; i < p && k <= right; ++i) send(i, (i + 1) % p, share(d, right - k + 1, p));
      for (uint32_t i = 0; i < p && k <= left; ++i) send(i, (i + p - 1) % p, share(d, left - k + 1, p));
      break;
    }
    case Pattern::a2a_line:  // blocks of origin i-k+1 for chips right of i; of origin i+k-1 for chips left of i
      for (uint32_t i = k - 1; i + 1 < p; ++i) send(i, i + 1, share(d, p - 1 - i, p));
      for (uint32_t i = 1; i + k <= p; ++i) send(i, i - 1, share(d, i, p));
      break;
    case Pattern::a2a_direct:
      for (uint32_t i = 0; i < p; ++i) send(i, (i + k) % p, share(d, 1, p));
      break;
    case Pattern::shift:
      for (uint32_t i = 0; i + 1 < p; ++i) send(i, i + 1, d);
      break;
  }
}

}  // namespace

void emit_step(const Phase& phase, uint32_t k, std::vector<Transfer>& out) {
  TPUSIM_ASSERT(k >= 1 && k <= phase.steps, "step within its phase");
  for (const auto& g : phase.groups) emit_group(phase.pattern, g, phase.buffer, k, out);
}

}  // namespace tpusim::arch::interconnect
