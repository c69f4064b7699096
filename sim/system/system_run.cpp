#include "sim/system/system_run.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/enum_names.h"
#include "sim/spec/json_reader.h"

namespace tpusim::system {

namespace ic = arch::interconnect;

ic::CollectiveRequest to_request(const ic::Topology& topo, const SystemNode& node) {
  TPUSIM_ASSERT(node.collective.has_value(), "to_request on a collective node");
  const CollectiveOp& c = *node.collective;
  ic::CollectiveRequest req;
  // Both enums spell the same names (tests/unit/test_system_workload.cpp).
  for (ic::Collective k : enum_values<ic::Collective>())
    if (std::string(name_of(k)) == name_of(c.kind)) req.op = k;
  req.bytes = c.bytes;
  req.axes = c.axes;
  req.chunks = c.chunks;
  const auto& allowed = ic::algorithms_for(req.op);
  if (c.algorithm.empty()) {
    req.algorithm = allowed.front();
  } else {
    std::vector<std::string> names;
    bool found = false;
    for (ic::Algorithm a : allowed) {
      names.push_back(ic::to_string(a));
      if (ic::to_string(a) == c.algorithm) {
        req.algorithm = a;
        found = true;
      }
    }
    if (!found)
      config::fail_at(node.file, node.pointer + "/algorithm",
                      fmt::format("{} runs with {}, got \"{}\"", name_of(c.kind), config::join(names), c.algorithm));
  }
  try {
    (void)ic::resolve(topo, req);
  } catch (const InputError& e) {
    config::fail_at(node.file, node.pointer, e.what());
  }
  return req;
}

std::vector<ComputeSpan> compute_spans(const RunResult& run, double clock_mhz) {
  std::vector<ComputeSpan> out;
  out.reserve(run.layers.size());
  // cycles / (MHz x 1e6) s = cycles x 1e6 / MHz ps, rounded to the nearest ps.
  auto ps = [&](uint64_t cycles) { return static_cast<TimePs>(std::llround(static_cast<double>(cycles) * 1e6 / clock_mhz)); };
  for (const LayerResult& l : run.layers) out.push_back({ps(l.start_cycle), ps(l.end_cycle)});
  return out;
}

namespace {

/// The scheduler's state while it places one chip program.
struct Placer {
  const ic::Topology& topo;
  ic::LinkState& links;
  const ChipGraph& g;
  const std::vector<ComputeSpan>& spans;
  ChipTimeline t;
  std::vector<bool> done;
  TimePs shift_ps = 0;     ///< how far compute has been pushed back by waits for collectives
  TimePs ici_free_ps = 0;  ///< the chip's interconnect resource is free from here

  TimePs input_end(const SystemNode& n, TimePs start) const {
    TimePs r = start;
    for (size_t in : n.inputs)
      if (in != Layer::kGraphInput) r = std::max(r, t.nodes[in].end_ps);
    return r;
  }
  bool inputs_done(const SystemNode& n) const {
    for (size_t in : n.inputs)
      if (in != Layer::kGraphInput && !done[in]) return false;
    return true;
  }

  /// What a collective took, by request: every collective of the program starts once the one
  /// before it has ended (they queue on the chip's interconnect), so it always finds the links
  /// of its group free and its timing depends on the request alone.
  struct Timed {
    TimePs duration_ps = 0;
    std::vector<TimePs> axis_busy_ps;
  };
  std::map<std::string, Timed> memo;

  static std::string key_of(const ic::CollectiveRequest& r) {
    std::string k = fmt::format("{}|{}|{}|{}|", ic::to_string(r.op), r.bytes, ic::to_string(r.algorithm), r.chunks);
    for (const std::string& a : r.axes) k += a + ",";
    return k;
  }

  void place_collective(size_t i, TimePs start) {
    const SystemNode& n = g.nodes[i];
    const ic::CollectiveRequest req = to_request(topo, n);
    const uint64_t groups = topo.chips() / ic::resolve(topo, req).participants;
    NodeSpan& s = t.nodes[i];
    s.ready_ps = input_end(n, start);
    s.start_ps = std::max(s.ready_ps, ici_free_ps);
    const std::string key = key_of(req);
    auto it = memo.find(key);
    if (it == memo.end()) {
      ic::RunOptions opt;
      opt.only_group_of_chip = 0;  // symmetry: every group does the same on links of its own
      const ic::CollectiveTiming ct = ic::run_collective(topo, links, req, s.start_ps, opt);
      TPUSIM_ASSERT(ct.start_ps == s.start_ps, "a queued collective finds its links free");
      it = memo.emplace(key, Timed{ct.end_ps - ct.start_ps, ct.axis_busy_ps}).first;
    }
    s.end_ps = s.start_ps + it->second.duration_ps;
    ici_free_ps = s.end_ps;
    t.communication_ps += s.end_ps - s.start_ps;
    for (size_t a = 0; a < it->second.axis_busy_ps.size(); ++a)
      t.axes[a].busy_ps += static_cast<double>(it->second.axis_busy_ps[a]) * static_cast<double>(groups);
    done[i] = true;
  }

  /// The compute op whose output a collective passes on (SIZE_MAX: the workload input).
  size_t compute_source(size_t node) const {
    while (node != Layer::kGraphInput && g.nodes[node].collective) node = g.nodes[node].inputs[0];
    return node;
  }

  void place_compute(size_t i, TimePs start) {
    const SystemNode& n = g.nodes[i];
    const ComputeSpan& c = spans[*n.compute];
    const TimePs planned = start + c.start_ps + shift_ps;
    // A compute input is placed with the same shift, so it is met by construction. A
    // collective's result is awaited, less the head start the op had on the chip over the
    // producer of the collective's input (it began before that producer ended: its first
    // commands do not need the tensor), so the wait adds at most the collective's time.
    TimePs begin = planned;
    for (size_t in : n.inputs) {
      if (in == Layer::kGraphInput || !g.nodes[in].collective) continue;
      const size_t src = compute_source(in);
      const TimePs src_end = src == Layer::kGraphInput ? 0 : spans[*g.nodes[src].compute].end_ps;
      const TimePs lead = src_end > c.start_ps ? src_end - c.start_ps : 0;
      const TimePs due = t.nodes[in].end_ps;
      begin = std::max(begin, due - std::min(due, lead));
    }
    shift_ps += begin - planned;
    t.nodes[i].start_ps = begin;
    t.nodes[i].end_ps = begin + (c.end_ps - c.start_ps);
    done[i] = true;
  }
};

}  // namespace

// A list scheduler over two queues: compute ops in order of their chip start (so the chip run's
// overlap between ops is kept), collectives in graph order. At each step it places whichever is
// due first: the next compute op at its planned start (chip start + shift) once its inputs are
// placed, or the earliest ready collective. O(nodes log nodes).
ChipTimeline schedule_chip(const ic::Topology& topo, ic::LinkState& links, const ChipGraph& g,
                           const std::vector<ComputeSpan>& spans, TimePs start_ps) {
  for (const SystemNode& n : g.nodes) TPUSIM_ASSERT(!n.compute || *n.compute < spans.size(), "a span per compute op");
  Placer p{topo, links, g, spans, {}, std::vector<bool>(g.nodes.size(), false), 0, start_ps, {}};
  p.t.nodes.resize(g.nodes.size());
  p.t.axes.resize(topo.axes().size() + 1);
  std::vector<size_t> compute, collectives;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    p.t.nodes[i].name = g.nodes[i].name;
    p.t.nodes[i].collective = g.nodes[i].collective.has_value();
    (g.nodes[i].collective ? collectives : compute).push_back(i);
  }
  std::stable_sort(compute.begin(), compute.end(), [&](size_t a, size_t b) {
    return spans[*g.nodes[a].compute].start_ps < spans[*g.nodes[b].compute].start_ps;
  });
  // A collective is ready once its inputs are placed, from then on at a fixed time (its inputs'
  // end): the ready ones wait in a heap by (ready time, graph index), so the top is the earliest
  // ready, ties in graph order. (Scanning every collective at every step was O(nodes x
  // collectives): `run --repeat 100000` of one all-gather took 62 s.)
  std::vector<size_t> missing(g.nodes.size(), 0);
  std::vector<std::vector<size_t>> readers(g.nodes.size());
  for (size_t i : collectives)
    for (size_t in : g.nodes[i].inputs)
      if (in != Layer::kGraphInput) {
        ++missing[i];
        readers[in].push_back(i);
      }
  using Ready = std::pair<TimePs, size_t>;
  std::priority_queue<Ready, std::vector<Ready>, std::greater<Ready>> ready;
  for (size_t i : collectives)
    if (missing[i] == 0) ready.push({p.input_end(g.nodes[i], start_ps), i});
  const auto placed = [&](size_t i) {
    for (size_t r : readers[i])
      if (--missing[r] == 0) ready.push({p.input_end(g.nodes[r], start_ps), r});
  };
  size_t next_compute = 0;
  size_t placed_collectives = 0;
  while (next_compute < compute.size() || placed_collectives < collectives.size()) {
    const size_t best = ready.empty() ? SIZE_MAX : ready.top().second;
    const TimePs best_ready = ready.empty() ? 0 : ready.top().first;
    bool compute_ok = next_compute < compute.size() && p.inputs_done(g.nodes[compute[next_compute]]);
    if (compute_ok && best != SIZE_MAX) {
      const TimePs planned = start_ps + spans[*g.nodes[compute[next_compute]].compute].start_ps + p.shift_ps;
      compute_ok = planned < best_ready;
    }
    if (compute_ok) {
      const size_t i = compute[next_compute++];
      p.place_compute(i, start_ps);
      placed(i);
    } else {
      TPUSIM_ASSERT(best != SIZE_MAX, "a graph in topological order always has a node ready");
      ready.pop();
      p.place_collective(best, start_ps);
      ++placed_collectives;
      placed(best);
    }
  }
  ChipTimeline& t = p.t;
  TimePs chip_end = 0;
  for (const ComputeSpan& c : spans) chip_end = std::max(chip_end, c.end_ps);
  // (spans are chip-relative: the chip alone would end at chip_end after start_ps)
  t.compute_ps = chip_end;
  t.step_ps = 0;
  for (const NodeSpan& s : t.nodes) t.step_ps = std::max(t.step_ps, s.end_ps - std::min(s.end_ps, start_ps));
  t.exposed_ps = t.step_ps - std::min(t.step_ps, t.compute_ps);
  t.hidden_ps = t.communication_ps - std::min(t.communication_ps, t.exposed_ps);
  return t;
}

Program repeat_program(const ChipGraph& g, const std::vector<ComputeSpan>& spans, uint32_t times) {
  TPUSIM_ASSERT(times >= 1, "a program runs at least once");
  Program out;
  TimePs block_ps = 0;
  for (const ComputeSpan& c : spans) block_ps = std::max(block_ps, c.end_ps);
  const size_t n = g.nodes.size();
  const size_t layers = g.compute.layers.size();
  out.graph.compute = g.compute;  // the ops of one copy (what the chip simulated)
  out.graph.output = (times - 1) * n + g.output_node();
  out.graph.nodes.reserve(n * times);
  out.spans.reserve(spans.size() * times);
  for (uint32_t r = 0; r < times; ++r) {
    for (const ComputeSpan& c : spans) out.spans.push_back({c.start_ps + r * block_ps, c.end_ps + r * block_ps});
    for (size_t i = 0; i < n; ++i) {
      SystemNode node = g.nodes[i];
      if (times > 1) node.name = fmt::format("{}#{}", node.name, r);
      if (node.compute) node.compute = *node.compute + r * layers;
      for (size_t& in : node.inputs) {
        if (in != Layer::kGraphInput) in += r * n;
        else if (r > 0) in = (r - 1) * n + g.output_node();  // copy r reads copy r-1's output
      }
      out.graph.nodes.push_back(std::move(node));
    }
  }
  return out;
}

std::vector<uint64_t> axis_link_counts(const ic::Topology& topo, const config::SystemSpec& spec) {
  const auto& axes = topo.axes();
  std::vector<uint64_t> out(axes.size() + 1, 0);
  const uint64_t chips = topo.chips();
  for (size_t a = 0; a < axes.size(); ++a) {
    const ic::Axis& ax = axes[a];
    if (ax.slice_axis) {
      out[a] = 2 * chips;  // each chip's up and down link into the data-centre network
    } else if (spec.kind == config::TopologyKind::torus && ax.size > 1) {
      // Per line of the axis: 2 directed links per neighbour pair, one more pair with wraparound.
      const uint64_t pairs = ax.wraparound ? ax.size : ax.size - 1;
      out[a] = chips / ax.size * 2 * pairs;
    }
  }
  if (spec.kind == config::TopologyKind::switched) out.back() = 2 * spec.chips_per_slice() * (spec.slices ? spec.slices->count : 1);
  if (spec.kind == config::TopologyKind::fully_connected) out.back() = chips * (chips - 1);
  return out;
}

void finish_axes(const ic::Topology& topo, const config::SystemSpec& spec, ChipTimeline& t) {
  const std::vector<uint64_t> counts = axis_link_counts(topo, spec);
  const auto& axes = topo.axes();
  for (size_t a = 0; a < t.axes.size(); ++a) {
    AxisUse& u = t.axes[a];
    u.links = counts[a];
    const bool shared = a == axes.size();
    u.name = shared ? (spec.kind == config::TopologyKind::switched ? "switch_ports" : "pair_links") : axes[a].name;
    // The shared ports carry the fast tier's class (the first non-slice axis).
    const ic::Axis& ref = shared ? axes.back() : axes[a];
    u.bytes = u.busy_ps * static_cast<double>(ref.link.bandwidth_bytes_per_s) * 1e-12;
    u.energy_pj = ic::link_energy_pj(u.bytes, ref.link);
    u.utilization = u.links && t.step_ps ? u.busy_ps / (static_cast<double>(u.links) * static_cast<double>(t.step_ps)) : 0;
  }
}

}  // namespace tpusim::system
