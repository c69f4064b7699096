#include "arch/interconnect/collective.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::arch::interconnect {

namespace {

constexpr uint64_t kMaxBytes = 1ULL << 50;
constexpr uint32_t kMaxChunks = 256;

bool power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

uint32_t log2_exact(uint64_t x) {
  uint32_t m = 0;
  while ((1ULL << m) < x) ++m;
  return m;
}

std::string axis_list(const Topology& topo, const std::vector<size_t>& axes) {
  std::vector<std::string> names;
  for (size_t a : axes) names.push_back(topo.axes()[a].name);
  return config::join(names);
}

}  // namespace

const std::vector<std::string>& spellings_collective() {
  static const std::vector<std::string> s = enum_names<Collective>();
  return s;
}

const std::vector<std::string>& spellings_algorithm() {
  static const std::vector<std::string> s = enum_names<Algorithm>();
  return s;
}

std::string to_string(Collective c) { return tpusim::to_string(c); }
std::string to_string(Algorithm a) { return tpusim::to_string(a); }

const std::vector<Algorithm>& algorithms_for(Collective c) {
  using A = Algorithm;
  static const std::vector<A> reduce = {A::ring, A::bidirectional_ring, A::torus, A::halving_doubling, A::tree};
  static const std::vector<A> scatter_gather = {A::ring, A::bidirectional_ring, A::torus, A::halving_doubling};
  static const std::vector<A> all_to_all = {A::ring, A::bidirectional_ring, A::torus, A::direct};
  static const std::vector<A> broadcast = {A::ring, A::tree};
  static const std::vector<A> send_recv = {A::direct};
  switch (c) {
    case Collective::all_reduce: return reduce;
    case Collective::reduce_scatter:
    case Collective::all_gather: return scatter_gather;
    case Collective::all_to_all: return all_to_all;
    case Collective::broadcast: return broadcast;
    case Collective::send_recv: return send_recv;
  }
  return send_recv;
}

ResolvedCollective resolve(const Topology& topo, const CollectiveRequest& req) {
  const std::string op = to_string(req.op);
  if (req.bytes < 1 || req.bytes > kMaxBytes)
    throw InputError(fmt::format("{}: bytes must be an integer in [1, {}], got {}", op, kMaxBytes, req.bytes));
  if (req.chunks < 1 || req.chunks > kMaxChunks)
    throw InputError(fmt::format("{}: chunks must be an integer in [1, {}], got {}", op, kMaxChunks, req.chunks));
  const auto& allowed = algorithms_for(req.op);
  if (std::find(allowed.begin(), allowed.end(), req.algorithm) == allowed.end()) {
    std::vector<std::string> names;
    for (auto a : allowed) names.push_back(to_string(a));
    throw InputError(fmt::format("{}: algorithm \"{}\" is not defined for it; allowed: {}", op,
                                 to_string(req.algorithm), config::join(names)));
  }
  if (req.axes.empty()) {
    std::vector<std::string> names;
    for (const auto& a : topo.axes()) names.push_back(a.name);
    throw InputError(fmt::format("{}: needs at least one axis; allowed: {}", op, config::join(names)));
  }
  ResolvedCollective r;
  r.request = req;
  for (const auto& name : req.axes) {
    const size_t a = topo.axis_index(name);
    if (std::find(r.axes.begin(), r.axes.end(), a) != r.axes.end())
      throw InputError(fmt::format("{}: axis \"{}\" is listed twice", op, name));
    r.axes.push_back(a);
    if (topo.axes()[a].size > 1) r.active.push_back(a);
    r.participants *= topo.axes()[a].size;
  }
  const uint64_t p = r.participants;
  if (req.algorithm == Algorithm::bidirectional_ring && r.active.size() == 1 &&
      topo.axes()[r.active[0]].fabric == AxisFabric::line) {
    const Axis& ax = topo.axes()[r.active[0]];
    throw InputError(fmt::format("{}: bidirectional_ring over axis \"{}\" needs wraparound ({} chips without it); "
                                 "ring runs there as a bidirectional line, the best a line allows",
                                 op, ax.name, ax.size));
  }
  if ((req.algorithm == Algorithm::halving_doubling || req.algorithm == Algorithm::tree) && !power_of_two(p))
    throw InputError(fmt::format("{}: {} needs a power-of-two number of chips, got {} over axes {}", op,
                                 to_string(req.algorithm), p, axis_list(topo, r.axes)));
  return r;
}

LinkClass group_link_class(const Topology& topo, const ResolvedCollective& r) {
  LinkClass slowest;
  for (size_t a : r.active) {
    const LinkClass& c = topo.axes()[a].link;
    if (slowest.bandwidth_bytes_per_s == 0 || c.bandwidth_bytes_per_s < slowest.bandwidth_bytes_per_s ||
        (c.bandwidth_bytes_per_s == slowest.bandwidth_bytes_per_s && c.latency_ps > slowest.latency_ps))
      slowest = c;
  }
  return slowest;
}

double bus_bandwidth_factor(Collective c, uint64_t p) {
  const double n = static_cast<double>(p);
  switch (c) {
    case Collective::all_reduce: return 2.0 * (n - 1) / n;
    case Collective::reduce_scatter:
    case Collective::all_gather:
    case Collective::all_to_all: return (n - 1) / n;
    case Collective::broadcast:
    case Collective::send_recv: return 1.0;
  }
  return 1.0;
}

namespace {

/// The parameters a closed form sees: p chips, one-way bandwidth B, per-step latency a, chunks k.
struct Params {
  uint64_t p;
  uint64_t bw;
  TimePs a;
  uint32_t k;
};

/// One step of one-hop transfers of `b` bytes: a + b / B.
TimePs step(const Params& q, const Bytes& b) { return q.a + serialization_ps(b, q.bw, q.k); }

/// Reduce-scatter or all-gather around a ring (halves = 1) or a bidirectional ring (halves = 2;
/// also a line, halves = 1): (p-1) steps of D / (halves p).
ClosedForm ring_pass(const Params& q, const Bytes& d, uint64_t halves) {
  if (q.p < 2) return {};
  return {(q.p - 1) * step(q, share(d, 1, halves * q.p)), q.p - 1};
}

/// Recursive halving (reduce-scatter) or doubling (all-gather): steps of D/2, D/4, ..., D/p.
ClosedForm halving_pass(const Params& q, const Bytes& d) {
  ClosedForm c;
  for (uint64_t den = 2; den <= q.p; den *= 2, ++c.steps) c.time_ps += step(q, share(d, 1, den));
  return c;
}

/// Binomial tree, reduce or broadcast: log2(p) steps of the whole message.
ClosedForm tree_pass(const Params& q, const Bytes& d) {
  const uint32_t m = log2_exact(q.p);
  return {m * step(q, d), m};
}

/// All-to-all, store-and-forward around a ring (or a line): step j forwards (p-j) blocks of D/p.
ClosedForm a2a_ring(const Params& q, const Bytes& d) {
  ClosedForm c;
  for (uint64_t j = 1; j < q.p; ++j, ++c.steps) c.time_ps += step(q, share(d, q.p - j, q.p));
  return c;
}

/// All-to-all both ways round a ring: R = floor(p/2) steps, step j forwards (R-j+1) blocks.
ClosedForm a2a_bidirectional(const Params& q, const Bytes& d) {
  ClosedForm c;
  const uint64_t r = q.p / 2;
  for (uint64_t j = 1; j <= r; ++j, ++c.steps) c.time_ps += step(q, share(d, r - j + 1, q.p));
  return c;
}

/// All-to-all by pairwise exchange: (p-1) steps of one block D/p.
ClosedForm a2a_direct(const Params& q, const Bytes& d) {
  if (q.p < 2) return {};
  return {(q.p - 1) * step(q, share(d, 1, q.p)), q.p - 1};
}

/// Broadcast down a chain of p chips in k pipelined chunks of c = D/(kB): (p-1) a + (p-2+k) c.
ClosedForm chain_pass(const Params& q, const Bytes& d) {
  if (q.p < 2) return {};
  return {(q.p - 1) * q.a + (q.p - 2 + q.k) * chunk_ps(d, q.bw, q.k), q.p - 1};
}

ClosedForm operator+(ClosedForm x, const ClosedForm& y) { return {x.time_ps + y.time_ps, x.steps + y.steps}; }
ClosedForm twice(const ClosedForm& x) { return x + x; }

Params axis_params(const Topology& topo, size_t a, uint32_t k) {
  const Axis& ax = topo.axes()[a];
  return {ax.size, ax.link.bandwidth_bytes_per_s, ax.link.latency_ps, k};
}

Params group_params(const Topology& topo, const ResolvedCollective& r) {
  const LinkClass c = group_link_class(topo, r);
  return {r.participants, c.bandwidth_bytes_per_s, c.latency_ps, r.request.chunks};
}

/// Multi-dimensional torus: reduce-scatter (or all-to-all) along each axis in turn, the buffer
/// shrinking by p_i after axis i; an all-gather is the same passes in reverse order.
ClosedForm torus_form(const Topology& topo, const ResolvedCollective& r) {
  const Bytes s{r.request.bytes, 1, 1};
  ClosedForm c;
  Bytes d = s;
  for (size_t a : r.active) {
    const Params q = axis_params(topo, a, r.request.chunks);
    const AxisFabric f = topo.axes()[a].fabric;
    if (r.request.op == Collective::all_to_all) {
      c = c + (f == AxisFabric::ring ? a2a_bidirectional(q, s)
               : f == AxisFabric::line ? a2a_ring(q, s)
                                       : a2a_direct(q, s));
      continue;
    }
    const ClosedForm pass = ring_pass(q, d, f == AxisFabric::ring ? 2 : 1);
    c = c + (r.request.op == Collective::all_reduce ? twice(pass) : pass);
    d = share(d, 1, q.p);
  }
  return c;
}

}  // namespace

ClosedForm closed_form(const Topology& topo, const CollectiveRequest& req) {
  const ResolvedCollective r = resolve(topo, req);
  if (r.participants < 2) return {};
  const Params q = group_params(topo, r);
  const Bytes s{req.bytes, 1, 1};
  const bool all_reduce = req.op == Collective::all_reduce;
  switch (req.algorithm) {
    case Algorithm::torus: return torus_form(topo, r);
    case Algorithm::ring:
      if (req.op == Collective::all_to_all) return a2a_ring(q, s);
      if (req.op == Collective::broadcast) return chain_pass(q, s);
      return all_reduce ? twice(ring_pass(q, s, 1)) : ring_pass(q, s, 1);
    case Algorithm::bidirectional_ring:
      if (req.op == Collective::all_to_all) return a2a_bidirectional(q, s);
      return all_reduce ? twice(ring_pass(q, s, 2)) : ring_pass(q, s, 2);
    case Algorithm::halving_doubling: return all_reduce ? twice(halving_pass(q, s)) : halving_pass(q, s);
    case Algorithm::tree: return all_reduce ? twice(tree_pass(q, s)) : tree_pass(q, s);
    case Algorithm::direct:
      if (req.op == Collective::all_to_all) return a2a_direct(q, s);
      return {step(q, s), 1};  // send_recv: every chip sends to the next one at once
  }
  return {};
}

}  // namespace tpusim::arch::interconnect
