// Topology: chip numbering, groups along axes, routes and link parameters, derived by hand.
#include <catch2/catch.hpp>

#include "arch/interconnect/topology.h"
#include "sim/base/error.h"
#include "test_interconnect_util.h"

using namespace tpusim::arch::interconnect;
using test_ic::system_json;
using test_ic::topology;

TEST_CASE("chips are row-major over the axes; groups list chips that differ only along the given axes") {
  // 4x4, x slowest: chip = 4 x + y.
  const Topology t = topology(system_json("torus", {{"x", 4, true}, {"y", 4, true}}, 50, 1000));
  CHECK(t.coord(13, 0) == 3);
  CHECK(t.coord(13, 1) == 1);
  const auto along_x = t.groups({0});
  REQUIRE(along_x.size() == 4);
  CHECK(along_x[0] == std::vector<uint32_t>{0, 4, 8, 12});
  CHECK(along_x[3] == std::vector<uint32_t>{3, 7, 11, 15});
  // Ranks are row-major over the axes as listed: over (y, x) rank 1 is chip 4 (x = 1, y = 0).
  const auto yx = t.groups({1, 0});
  REQUIRE(yx.size() == 1);
  CHECK(yx[0][1] == 4);
  CHECK(yx[0][4] == 1);
}

TEST_CASE("routes: dimension order, the shorter way round a ring, up and down a switch or the slower tier") {
  const Topology t = topology(system_json("torus", {{"x", 4, true}, {"y", 4, false}}, 50, 1000));
  std::vector<uint32_t> links;
  // 0 -> 12 (x 0 -> 3 on a ring of 4): one hop the - way.
  CHECK(t.route(0, 12, links) == 1);
  CHECK(t.link_name(links[0]) == "chip 0 x-");
  // 0 -> 8: forward 2 = backward 2, + on a tie: 0 -> 4 -> 8.
  CHECK(t.route(0, 8, links) == 2);
  CHECK(t.link_name(links[1]) == "chip 4 x+");
  // 0 -> 7 (x 0 -> 1, then y 0 -> 3 on a line, no wraparound): 1 + 3 hops, x first.
  CHECK(t.route(0, 7, links) == 4);
  CHECK(t.link_name(links[0]) == "chip 0 x+");
  CHECK(t.link_name(links[3]) == "chip 6 y+");
  CHECK(t.link_latency_ps(links[0]) == 1'000'000);
  CHECK(t.link_bandwidth(links[0]) == 50'000'000'000ULL);
  CHECK(t.link_axis(links[3]) == 1);

  // A switch: up then down, one hop that pays the latency once.
  const Topology sw = topology(system_json("switch", {{"x", 4}}, 25, 500, 2));
  CHECK(sw.route(1, 3, links) == 1);
  REQUIRE(links.size() == 2);
  CHECK(sw.link_name(links[0]) == "chip 1 up to switch");
  CHECK(sw.link_name(links[1]) == "switch down to chip 3");
  CHECK(sw.link_latency_ps(links[0]) + sw.link_latency_ps(links[1]) == 500'000);
  CHECK(sw.link_bandwidth(links[0]) == 50'000'000'000ULL);  // 2 links of 25 GB/s
  CHECK(sw.link_axis(links[0]) == 1);                       // the ports every logical axis shares

  // Two slices: any chip of slice 0 to any of slice 1 goes up and down the data-centre network.
  const Topology two = topology(system_json("torus", {{"x", 4, true}}, 50, 1000, 1, 2, 5, 10000));
  CHECK(two.axes()[0].name == "dcn");
  CHECK(two.route(1, 6, links) == 1);
  CHECK(two.link_name(links[0]) == "chip 1 up to dcn");
  CHECK(two.link_latency_ps(links[0]) == 10'000'000);
  CHECK(two.link_bandwidth(links[1]) == 5'000'000'000ULL);
  CHECK(two.link_axis(links[0]) == 0);
  CHECK_THROWS_WITH(two.axis_index("w"), "unknown axis \"w\"; allowed: dcn, x");
}

TEST_CASE("injection bandwidth counts a chip's neighbours; efficiency does not enter the figures") {
  // 4x2x1 mesh: 2 + 1 + 0 neighbours of 10 GB/s; a full mesh of 5 chips: 4 pair links.
  CHECK(topology(system_json("torus", {{"x", 4}, {"y", 2}, {"z", 1}}, 10, 0)).injection_bandwidth_bytes_per_s() ==
        Approx(3 * 10e9));
  CHECK(topology(system_json("fully_connected", {{"x", 5}}, 10, 0)).injection_bandwidth_bytes_per_s() ==
        Approx(4 * 10e9));
  auto j = system_json("torus", {{"x", 16, true}, {"y", 16, true}}, 50, 1000);
  j["link"]["efficiency"] = 0.5;
  const Topology t = topology(j);
  CHECK(t.all_reduce_bandwidth_bytes_per_s() == Approx(256 * 4 * 50e9));
  CHECK(t.axes()[0].link.bandwidth_bytes_per_s == 25'000'000'000ULL);
  // Bisection of a 4x2 mesh: across x cuts 2 lines, across y 4: 2 x 10 GB/s.
  CHECK(topology(system_json("torus", {{"x", 4}, {"y", 2}}, 10, 0)).bisection_bandwidth_bytes_per_s() == Approx(2 * 10e9));
  // A full mesh of 4: 2 x 2 pair links cross between halves.
  CHECK(topology(system_json("fully_connected", {{"x", 4}}, 10, 0)).bisection_bandwidth_bytes_per_s() == Approx(4 * 10e9));
}
