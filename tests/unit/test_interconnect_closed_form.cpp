// Closed forms of the collective algorithms against hand-derived numbers (arch/interconnect/README.md
// "Closed forms"). Unless a case says otherwise: B = 50 GB/s one way per link, a = 1 us per hop,
// S = 1 MB = 1e6 bytes, so a share S/(m p) crosses a link in 1e6 / (m p) / 50e9 s = 20/(m p) us.
#include <catch2/catch.hpp>

#include "arch/interconnect/collective.h"
#include "sim/base/error.h"
#include "test_interconnect_util.h"

using namespace tpusim::arch::interconnect;
using test_ic::system_json;
using test_ic::topology;

namespace {

constexpr TimePs us = 1'000'000;  // picoseconds

TimePs cf(const Topology& t, Collective op, Algorithm alg, std::vector<std::string> axes, uint64_t bytes = 1'000'000,
          uint32_t chunks = 1) {
  return closed_form(t, {op, bytes, std::move(axes), alg, chunks}).time_ps;
}

}  // namespace

TEST_CASE("ring: 2(p-1) steps of a + S/(pB) for all-reduce, p-1 for reduce-scatter and all-gather") {
  const Topology t = topology(system_json("torus", {{"x", 4, true}}, 50, 1000));
  // p = 4: a step is 1 us + 250 kB / 50 GB/s = 1 + 5 = 6 us; all-reduce 6 steps, the others 3.
  CHECK(cf(t, Collective::all_reduce, Algorithm::ring, {"x"}) == 36 * us);
  CHECK(cf(t, Collective::reduce_scatter, Algorithm::ring, {"x"}) == 18 * us);
  CHECK(cf(t, Collective::all_gather, Algorithm::ring, {"x"}) == 18 * us);
  CHECK(closed_form(t, {Collective::all_reduce, 1'000'000, {"x"}, Algorithm::ring, 1}).steps == 6);
  // Two links per neighbour double B: a step is 1 + 2.5 us, the all-reduce 6 x 3.5 = 21 us.
  const Topology two = topology(system_json("torus", {{"x", 4, true}}, 50, 1000, 2));
  CHECK(cf(two, Collective::all_reduce, Algorithm::ring, {"x"}) == 21 * us);
}

TEST_CASE("bidirectional ring: half of each step's data each way") {
  const Topology t = topology(system_json("torus", {{"x", 4, true}}, 50, 1000));
  // S/(2p) = 125 kB: 2.5 us; a step 3.5 us; all-reduce 6 steps = 21 us, reduce-scatter 3 = 10.5 us.
  CHECK(cf(t, Collective::all_reduce, Algorithm::bidirectional_ring, {"x"}) == 21 * us);
  CHECK(cf(t, Collective::reduce_scatter, Algorithm::bidirectional_ring, {"x"}) == 10'500'000);
  CHECK(cf(t, Collective::all_gather, Algorithm::bidirectional_ring, {"x"}) == 10'500'000);
}

TEST_CASE("a line (no wraparound) takes as long as a one-way ring: p-1 steps of a + S/(pB)") {
  // On a line the end links carry p-1 shards one way; ring runs as a bidirectional line there.
  const Topology t = topology(system_json("torus", {{"x", 4, false}}, 50, 1000));
  CHECK(cf(t, Collective::all_gather, Algorithm::ring, {"x"}) == 18 * us);
  CHECK(cf(t, Collective::all_reduce, Algorithm::ring, {"x"}) == 36 * us);
  CHECK_THROWS_WITH(cf(t, Collective::all_reduce, Algorithm::bidirectional_ring, {"x"}),
                    Catch::Contains("bidirectional_ring over axis \"x\" needs wraparound"));
}

TEST_CASE("torus: reduce-scatter along each axis in turn, the buffer shrinking by p_i, all-gather back") {
  // 4x4 with wraparound, bidirectional ring per axis. Axis x with D = 1 MB: 3 x (1 + 1e6/8/50e9 s
  // = 2.5 us) = 10.5 us; axis y with D = 250 kB: 3 x (1 + 0.625) = 4.875 us. Reduce-scatter
  // 15.375 us, all-reduce twice that, 30.75 us.
  const Topology t = topology(system_json("torus", {{"x", 4, true}, {"y", 4, true}}, 50, 1000));
  CHECK(cf(t, Collective::reduce_scatter, Algorithm::torus, {"x", "y"}) == 15'375'000);
  CHECK(cf(t, Collective::all_gather, Algorithm::torus, {"x", "y"}) == 15'375'000);
  CHECK(cf(t, Collective::all_reduce, Algorithm::torus, {"x", "y"}) == 30'750'000);
  // 4x4x4: a third pass over z with D = 62.5 kB: 3 x (1 + 0.15625) = 3.46875 us.
  // All-reduce 2 x (10.5 + 4.875 + 3.46875) = 37.6875 us.
  const Topology c = topology(system_json("torus", {{"x", 4, true}, {"y", 4, true}, {"z", 4, true}}, 50, 1000));
  CHECK(cf(c, Collective::all_reduce, Algorithm::torus, {"x", "y", "z"}) == 37'687'500);
  // Without wraparound each pass is a line: x 3 x (1 + 5) = 18 us, y 3 x (1 + 1.25) = 6.75 us;
  // all-reduce 2 x 24.75 = 49.5 us.
  const Topology m = topology(system_json("torus", {{"x", 4, false}, {"y", 4, false}}, 50, 1000));
  CHECK(cf(m, Collective::all_reduce, Algorithm::torus, {"x", "y"}) == 49'500'000);
}

TEST_CASE("halving-doubling (Rabenseifner): 2 log2(p) a + 2 (p-1)/p S/B") {
  // A switch of 8 chips, S = 8 MB: steps of S/2, S/4, S/8 take 80, 40, 20 us of data plus 1 us
  // each: reduce-scatter 143 us; all-reduce 2 log2(8) x 1 + 2 x 7/8 x 160 = 6 + 280 = 286 us.
  const Topology t = topology(system_json("switch", {{"x", 8}}, 50, 1000));
  CHECK(cf(t, Collective::reduce_scatter, Algorithm::halving_doubling, {"x"}, 8'000'000) == 143 * us);
  CHECK(cf(t, Collective::all_gather, Algorithm::halving_doubling, {"x"}, 8'000'000) == 143 * us);
  CHECK(cf(t, Collective::all_reduce, Algorithm::halving_doubling, {"x"}, 8'000'000) == 286 * us);
  CHECK_THROWS_WITH(cf(topology(system_json("switch", {{"x", 6}}, 50, 1000)), Collective::all_reduce,
                       Algorithm::halving_doubling, {"x"}),
                    Catch::Contains("needs a power-of-two number of chips, got 6"));
}

TEST_CASE("tree: binomial, log2(p) steps of the whole message each way") {
  // 8 chips on a switch, S = 8 MB: a step 1 + 160 us; broadcast 3 steps = 483 us, all-reduce 966 us.
  const Topology t = topology(system_json("switch", {{"x", 8}}, 50, 1000));
  CHECK(cf(t, Collective::broadcast, Algorithm::tree, {"x"}, 8'000'000) == 483 * us);
  CHECK(cf(t, Collective::all_reduce, Algorithm::tree, {"x"}, 8'000'000) == 966 * us);
}

TEST_CASE("all-to-all: store-and-forward rings, pairwise exchange, one pass per torus axis") {
  const Topology ring4 = topology(system_json("torus", {{"x", 4, true}}, 50, 1000));
  // Blocks of S/4 = 250 kB (5 us). One way: steps forward 3, 2, 1 blocks: 3 x 1 + 6 x 5 = 33 us.
  CHECK(cf(ring4, Collective::all_to_all, Algorithm::ring, {"x"}) == 33 * us);
  // Both ways: floor(4/2) = 2 steps forwarding 2 then 1 blocks (the longer way): 2 + 3 x 5 = 17 us.
  CHECK(cf(ring4, Collective::all_to_all, Algorithm::bidirectional_ring, {"x"}) == 17 * us);
  // Five chips: blocks of 200 kB (4 us), 2 steps of 2 then 1 blocks each way: 2 + 3 x 4 = 14 us.
  const Topology ring5 = topology(system_json("torus", {{"x", 5, true}}, 50, 1000));
  CHECK(cf(ring5, Collective::all_to_all, Algorithm::bidirectional_ring, {"x"}) == 14 * us);
  // Pairwise on a switch: 3 steps of one block: 3 x (1 + 5) = 18 us.
  const Topology sw = topology(system_json("switch", {{"x", 4}}, 50, 1000));
  CHECK(cf(sw, Collective::all_to_all, Algorithm::direct, {"x"}) == 18 * us);
  // Torus 4x4: one bidirectional pass of the whole send buffer per axis: 17 + 17 = 34 us.
  const Topology t44 = topology(system_json("torus", {{"x", 4, true}, {"y", 4, true}}, 50, 1000));
  CHECK(cf(t44, Collective::all_to_all, Algorithm::torus, {"x", "y"}) == 34 * us);
}

TEST_CASE("broadcast down a chain in k pipelined chunks: (p-1) a + (p-2+k) S/(kB)") {
  const Topology t = topology(system_json("torus", {{"x", 4, false}}, 50, 1000));
  // k = 4 chunks of 250 kB (5 us): 3 x 1 + 6 x 5 = 33 us. k = 1: 3 x (1 + 20) = 63 us.
  CHECK(cf(t, Collective::broadcast, Algorithm::ring, {"x"}, 1'000'000, 4) == 33 * us);
  CHECK(cf(t, Collective::broadcast, Algorithm::ring, {"x"}, 1'000'000, 1) == 63 * us);
  // send_recv: every chip sends S to the next at once: 1 + 20 = 21 us.
  CHECK(cf(t, Collective::send_recv, Algorithm::direct, {"x"}) == 21 * us);
}

TEST_CASE("each chunk's time is rounded up to a whole picosecond") {
  // p = 3, B = 45 GB/s: S/3 = 333333.33 bytes take 7407407.407 ps, rounded up to 7407408;
  // reduce-scatter 2 x (1000000 + 7407408) ps.
  const Topology t = topology(system_json("torus", {{"x", 3, true}}, 45, 1000));
  CHECK(cf(t, Collective::reduce_scatter, Algorithm::ring, {"x"}) == 2 * (1'000'000 + 7'407'408));
}

TEST_CASE("a group of one chip costs nothing; axes of size 1 do not count") {
  const Topology t = topology(system_json("torus", {{"x", 4, true}, {"y", 1}}, 50, 1000));
  CHECK(cf(t, Collective::all_reduce, Algorithm::ring, {"y"}) == 0);
  CHECK(cf(t, Collective::all_reduce, Algorithm::ring, {"x", "y"}) == 36 * us);
}

TEST_CASE("bus-bandwidth factors as in NVIDIA nccl-tests") {
  CHECK(bus_bandwidth_factor(Collective::all_reduce, 8) == Approx(2.0 * 7 / 8));
  CHECK(bus_bandwidth_factor(Collective::reduce_scatter, 8) == Approx(7.0 / 8));
  CHECK(bus_bandwidth_factor(Collective::all_gather, 8) == Approx(7.0 / 8));
  CHECK(bus_bandwidth_factor(Collective::all_to_all, 8) == Approx(7.0 / 8));
  CHECK(bus_bandwidth_factor(Collective::broadcast, 8) == 1.0);
  // A ring all-reduce moves 2(p-1)/p S over each link, so its bus bandwidth in the bandwidth
  // limit is the link bandwidth: S = 1 GB over 4 chips at 50 GB/s with no latency.
  const Topology t = topology(system_json("torus", {{"x", 4, true}}, 50, 0));
  const double seconds = to_seconds(cf(t, Collective::all_reduce, Algorithm::ring, {"x"}, 1'000'000'000));
  CHECK(1e9 / seconds * bus_bandwidth_factor(Collective::all_reduce, 4) == Approx(50e9));
}

TEST_CASE("requests that do not fit the topology are one-line errors") {
  const Topology t = topology(system_json("torus", {{"x", 4, true}, {"y", 4, true}}, 50, 1000));
  CHECK_THROWS_WITH(cf(t, Collective::all_reduce, Algorithm::ring, {"w"}), "unknown axis \"w\"; allowed: x, y");
  CHECK_THROWS_WITH(cf(t, Collective::all_reduce, Algorithm::ring, {"x", "x"}),
                    "all_reduce: axis \"x\" is listed twice");
  CHECK_THROWS_WITH(cf(t, Collective::all_reduce, Algorithm::ring, {}),
                    "all_reduce: needs at least one axis; allowed: x, y");
  CHECK_THROWS_WITH(cf(t, Collective::all_gather, Algorithm::tree, {"x"}),
                    "all_gather: algorithm \"tree\" is not defined for it; allowed: ring, bidirectional_ring, "
                    "torus, halving_doubling");
  CHECK_THROWS_WITH(cf(t, Collective::all_reduce, Algorithm::ring, {"x"}, 0),
                    Catch::StartsWith("all_reduce: bytes must be an integer in [1, "));
  CHECK_THROWS_AS(cf(t, Collective::broadcast, Algorithm::ring, {"x"}, 1000, 0), tpusim::InputError);
}
