// sim/metrics/energy_split: a chip breakdown's components into compute, memory, interconnect and
// static (sim/system/README.md "Energy"). Values chosen by hand.
#include <catch2/catch.hpp>

#include "sim/metrics/energy_split.h"

using tpusim::metrics::split_energy;

TEST_CASE("energy split: each component lands in its class", "[metrics][energy]") {
  const auto s = split_energy({{"mac", 1}, {"pe_register", 2}, {"vector", 4}, {"sram.ifmap", 8}, {"sram.ub", 16},
                               {"dram", 32}, {"dma", 64}, {"static", 128}},
                              256);
  CHECK(s.compute_pj == 1 + 2 + 4);
  CHECK(s.memory_pj == 8 + 16 + 32 + 64);
  CHECK(s.static_pj == 128);
  CHECK(s.interconnect_pj == 256);
  CHECK(s.total_pj() == 511);
  const auto twice = s.scaled(2);
  CHECK(twice.total_pj() == 1022);
  auto sum = s;
  sum += twice;
  CHECK(sum.memory_pj == 3 * 120);
}
