// The congestion-aware timeline: equal to the closed form whenever no two transfers of a step share
// a link (a property over random systems and requests), slower when they do (hand-derived cases).
// Units as in test_interconnect_closed_form.cpp: B = 50 GB/s, a = 1 us, S = 1 MB unless noted.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "arch/interconnect/timeline.h"
#include "sim/base/error.h"
#include "test_interconnect_util.h"

using namespace tpusim::arch::interconnect;
using test_ic::AxisDef;
using test_ic::system_json;
using test_ic::topology;

namespace {

constexpr TimePs us = 1'000'000;

CollectiveTiming run(const Topology& t, const CollectiveRequest& req, TimePs start = 0) {
  LinkState state(t);
  return run_collective(t, state, req, start);
}

}  // namespace

TEST_CASE("timeline equals the hand-derived closed forms, from any start time") {
  const Topology ring4 = topology(system_json("torus", {{"x", 4, true}}, 50, 1000));
  const Topology t44 = topology(system_json("torus", {{"x", 4, true}, {"y", 4, true}}, 50, 1000));
  const Topology sw8 = topology(system_json("switch", {{"x", 8}}, 50, 1000));
  const Topology line4 = topology(system_json("torus", {{"x", 4, false}}, 50, 1000));
  struct Case {
    const Topology* t;
    CollectiveRequest req;
    TimePs expected;  // from test_interconnect_closed_form.cpp
  };
  const std::vector<Case> cases = {
      {&ring4, {Collective::all_reduce, 1'000'000, {"x"}, Algorithm::ring, 1}, 36 * us},
      {&ring4, {Collective::all_reduce, 1'000'000, {"x"}, Algorithm::bidirectional_ring, 1}, 21 * us},
      {&line4, {Collective::all_reduce, 1'000'000, {"x"}, Algorithm::ring, 1}, 36 * us},
      {&t44, {Collective::all_reduce, 1'000'000, {"x", "y"}, Algorithm::torus, 1}, 30'750'000},
      {&sw8, {Collective::all_reduce, 8'000'000, {"x"}, Algorithm::halving_doubling, 1}, 286 * us},
      {&sw8, {Collective::all_reduce, 8'000'000, {"x"}, Algorithm::tree, 1}, 966 * us},
      {&ring4, {Collective::all_to_all, 1'000'000, {"x"}, Algorithm::ring, 1}, 33 * us},
      {&ring4, {Collective::all_to_all, 1'000'000, {"x"}, Algorithm::bidirectional_ring, 1}, 17 * us},
      {&line4, {Collective::broadcast, 1'000'000, {"x"}, Algorithm::ring, 4}, 33 * us},
      {&line4, {Collective::send_recv, 1'000'000, {"x"}, Algorithm::direct, 1}, 21 * us},
  };
  for (const auto& c : cases) {
    INFO(to_string(c.req.op) << " " << to_string(c.req.algorithm));
    const CollectiveTiming r = run(*c.t, c.req, 7 * us);
    CHECK(r.closed_form_exact());
    CHECK(r.start_ps == 7 * us);
    CHECK(r.duration_ps() == c.expected);
    CHECK(closed_form(*c.t, c.req).time_ps == c.expected);
  }
}

TEST_CASE("property: timeline == closed form whenever no two transfers of a step share a link") {
  std::mt19937_64 rng(20240611);
  const auto pick = [&](uint64_t n) { return static_cast<uint64_t>(rng() % n); };
  int exact = 0, contended = 0;
  for (int iter = 0; iter < 600; ++iter) {
    // A random system: a torus or mesh of 1-3 axes, a switch, or a full mesh; sometimes 2 slices.
    const int kind = static_cast<int>(pick(4));  // 0, 1 torus; 2 switch; 3 fully connected
    const std::string kind_name = kind <= 1 ? "torus" : kind == 2 ? "switch" : "fully_connected";
    std::vector<AxisDef> axes;
    const uint64_t n_axes = 1 + pick(kind <= 1 ? 3 : 2);
    for (uint64_t a = 0; a < n_axes; ++a) {
      const uint32_t size = static_cast<uint32_t>(1 + pick(kind <= 1 ? 6 : 4));
      axes.push_back({std::string(1, char('x' + a)), size, kind <= 1 && size >= 3 && pick(2) == 0});
    }
    const uint32_t slices = pick(5) == 0 ? 2 : 1;
    const double gb = static_cast<double>(1 + pick(200)) / 2;  // 0.5 .. 100 GB/s
    const double ns = static_cast<double>(pick(3000));
    const Topology t = topology(system_json(kind_name, axes, gb, ns, static_cast<uint32_t>(1 + pick(2)), slices,
                                            static_cast<double>(1 + pick(20)), static_cast<double>(pick(20000))));
    // A random request over a random ordered subset of the axes.
    std::vector<std::string> names;
    for (const auto& a : t.axes()) names.push_back(a.name);
    std::shuffle(names.begin(), names.end(), rng);
    names.resize(1 + pick(names.size()));
    CollectiveRequest req;
    req.op = tpusim::enum_values<Collective>()[pick(tpusim::enum_count<Collective>())];
    const auto& algs = algorithms_for(req.op);
    req.algorithm = algs[pick(algs.size())];
    req.bytes = 1 + pick(uint64_t(1) << (pick(2) == 0 ? 12 : 30));
    req.axes = names;
    req.chunks = static_cast<uint32_t>(1 + pick(4));
    ClosedForm form;
    try {
      form = closed_form(t, req);
    } catch (const tpusim::InputError&) {
      continue;  // e.g. halving-doubling over 6 chips
    }
    std::ostringstream what;
    what << kind_name << " axes";
    for (const auto& a : t.axes()) what << " " << a.name << "=" << a.size << (a.wraparound ? "w" : "");
    what << " " << to_string(req.op) << " " << to_string(req.algorithm) << " over";
    for (const auto& a : req.axes) what << " " << a;
    what << " bytes=" << req.bytes << " chunks=" << req.chunks;
    INFO(what.str());
    LinkState state(t);
    const TimePs start = pick(1000) * us;
    const CollectiveTiming r = run_collective(t, state, req, start);
    CHECK(r.start_ps == start);
    if (r.closed_form_exact()) {
      ++exact;
      CHECK(r.duration_ps() == form.time_ps);
      CHECK(r.steps == form.steps);
    } else {
      ++contended;
      if (!r.mixed_links) CHECK(r.duration_ps() >= form.time_ps);  // sharing and extra hops only slow down
    }
  }
  // Both kinds of case were drawn often enough for the property to mean something.
  CHECK(exact > 150);
  CHECK(contended > 50);
}

TEST_CASE("contention: halving-doubling on a 4-chip ring shares links in its first step") {
  // Step 1 pairs chips 2 apart: 0->2, 1->3, 2->0, 3->1, each S/2 = 500 kB (10 us) over two +
  // links, so every + link carries two transfers. All first hops start at 0 on distinct links and
  // hold them until 10 us; each second hop reaches a link the other transfer holds until 10 us,
  // runs 10..20 us and arrives 1 us later: 21 us. Step 2 (partners 1 apart, S/4 = 5 us, no
  // sharing): 21 + 1 + 5 = 27 us. The closed form, blind to sharing: 2 x 1 + 10 + 5 = 17 us.
  const Topology t = topology(system_json("torus", {{"x", 4, true}}, 50, 1000));
  const CollectiveRequest req{Collective::reduce_scatter, 1'000'000, {"x"}, Algorithm::halving_doubling, 1};
  const CollectiveTiming r = run(t, req);
  CHECK(r.shared_link);
  CHECK(r.multi_hop);
  CHECK_FALSE(r.closed_form_exact());
  CHECK(r.end_ps == 27 * us);
  CHECK(closed_form(t, req).time_ps == 17 * us);
  // Busy time on axis x: step 1 crosses 8 links for 10 us each, step 2 four for 5 us: 100 us.
  CHECK(r.axis_busy_ps[t.axis_index("x")] == 100 * us);
}

TEST_CASE("contention: a second collective waits for the links the first left busy") {
  // Ring all-gather over 4 chips: steps of 1 + 5 us, 18 us in all; each link is busy until
  // 12 + 5 = 17 us. A second one started at 0 begins at 17 us and needs 3 steps: 35 us.
  const Topology t = topology(system_json("torus", {{"x", 4, true}}, 50, 1000));
  const CollectiveRequest req{Collective::all_gather, 1'000'000, {"x"}, Algorithm::ring, 1};
  LinkState state(t);
  CHECK(run_collective(t, state, req, 0).end_ps == 18 * us);
  CHECK(run_collective(t, state, req, 0).end_ps == 35 * us);
  // Each + link carried 3 shards of 5 us per collective.
  uint32_t plus_links = 0;
  for (uint32_t l = 0; l < state.size(); ++l)
    if (state.busy_ps(l) > 0) {
      ++plus_links;
      CHECK(state.busy_ps(l) == 30 * us);
    }
  CHECK(plus_links == 4);
}

TEST_CASE("symmetry: one group stands for all when groups have links of their own") {
  // All-reduce over x on a 4x4 torus: 4 groups on disjoint links. One group alone ends at the same
  // time and leaves a quarter of the busy time.
  const Topology t = topology(system_json("torus", {{"x", 4, true}, {"y", 4, true}}, 50, 1000));
  const CollectiveRequest req{Collective::all_reduce, 1'000'000, {"x"}, Algorithm::bidirectional_ring, 2};
  LinkState all(t), one(t);
  const CollectiveTiming a = run_collective(t, all, req, 0);
  RunOptions only;
  only.only_group_of_chip = 5;
  const CollectiveTiming o = run_collective(t, one, req, 0, only);
  CHECK(a.end_ps == o.end_ps);
  CHECK(a.end_ps == 21 * us);
  CHECK(a.transfers == 4 * o.transfers);
  CHECK(a.axis_busy_ps[0] == 4 * o.axis_busy_ps[0]);
}

TEST_CASE("the torus algorithm across the slower tier between slices") {
  // 2 slices of a 4-chip ring, DCN 10 GB/s per chip and 5 us. Pass over dcn (p = 2, a one-way
  // ring through the hosts): 1 x (5 + 500 kB / 10 GB/s = 50) = 55 us. Pass over x with D = 500 kB:
  // 3 x (1 + 500e3 / 8 / 50e9 s = 1.25 us) = 6.75 us. All-reduce 2 x (55 + 6.75) = 123.5 us.
  const Topology t = topology(system_json("torus", {{"x", 4, true}}, 50, 1000, 1, 2, 10, 5000));
  const CollectiveRequest req{Collective::all_reduce, 1'000'000, {"dcn", "x"}, Algorithm::torus, 1};
  const CollectiveTiming r = run(t, req);
  CHECK(r.closed_form_exact());
  CHECK(r.end_ps == 123'500'000);
  CHECK(closed_form(t, req).time_ps == 123'500'000);
  CHECK(r.axis_busy_ps[t.axis_index("dcn")] > 0);
}

TEST_CASE("a ring over two mesh axes needs multi-hop neighbours: slower than its closed form") {
  // A 2x3 mesh as one ring 0..5: the neighbours (0,2)->(1,0) and (1,2)->(0,0) are 3 hops apart.
  const Topology t = topology(system_json("torus", {{"x", 2, false}, {"y", 3, false}}, 50, 1000));
  const CollectiveRequest req{Collective::all_gather, 1'200'000, {"x", "y"}, Algorithm::ring, 1};
  const CollectiveTiming r = run(t, req);
  CHECK(r.multi_hop);
  CHECK(r.duration_ps() > closed_form(t, req).time_ps);
}
