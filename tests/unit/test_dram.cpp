// The DRAM model behind IDram (arch/memory/dram): exact bus time, hand-derived completions, and
// exact translation invariance (the lead's periodic fast-forward relies on it).
#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <vector>

#include "arch/memory/dram/bandwidth_latency_dram.h"
#include "arch/memory/dram/dram.h"
#include "sim/base/error.h"

using namespace tpusim;
using tpusim::arch::BandwidthLatencyDram;

namespace {

ArchConfig dram_arch(double clock_mhz, double gb_per_s, double latency_ns, uint64_t burst_bytes) {
  ArchConfig a;
  a.file = "test.json";
  a.clock_mhz = clock_mhz;
  a.dram.bandwidth_gb_per_s = gb_per_s;
  a.dram.latency_ns = latency_ns;
  a.dram.burst_bytes = burst_bytes;
  return a;
}

struct Claim {
  uint64_t bytes, issue_cycle;
  bool is_write;
};

std::vector<uint64_t> run(const ArchConfig& a, const std::vector<Claim>& claims, uint64_t shift, uint64_t* busy) {
  BandwidthLatencyDram d(a, "dram");
  std::vector<uint64_t> done;
  for (const Claim& c : claims) done.push_back(d.transfer(c.bytes, c.issue_cycle + shift, c.is_write));
  *busy = d.busy_cycles();
  return done;
}

}  // namespace

TEST_CASE("DRAM: bursts at 10 B/cycle, latency 100 cycles (hand-derived)", "[dram]") {
  // 10 GB/s at 1000 MHz: 10 bytes per cycle, a 64 B burst takes 6.4 cycles; 100 ns = 100 cycles.
  // F = 1e9 Hz, B = 1e10 B/s, g = 1e9: a cycle is 10 ticks, a byte 1 tick.
  const auto dram = arch::make_dram(dram_arch(1000, 10, 100, 64), "top.dram");
  const auto& m = dynamic_cast<const BandwidthLatencyDram&>(*dram);
  CHECK(m.ticks_per_cycle() == 10);
  CHECK(m.ticks_per_byte() == 1);
  CHECK(dram->name() == "top.dram");
  // 64 B at 0: bus busy [0, 6.4), usable from cycle 7, plus 100.
  CHECK(dram->transfer(64, 0, false) == 107);
  // 100 B -> 2 bursts (128 B, 12.8 cycles) behind it: bus free at 19.2 -> 20 + 100.
  CHECK(dram->transfer(100, 0, true) == 120);
  // 1 B at cycle 50, bus idle since 19.2: one burst, [50, 56.4) -> 57 + 100.
  CHECK(dram->transfer(1, 50, false) == 157);
  CHECK(dram->read_bytes() == 65);
  CHECK(dram->write_bytes() == 100);
  CHECK(dram->busy_cycles() == 26);  // 6.4 + 12.8 + 6.4 = 25.6, rounded up
}

TEST_CASE("DRAM: exact where the old floating-point bus time rounded up a whole cycle", "[dram]") {
  // Five 64 B bursts back to back from cycle 2^22 at 10 B/cycle take 5 x 6.4 = 32 cycles exactly:
  // the last is usable from 2^22 + 32 (+ latency). Summed in doubles, 2^22 + 6.4 + ... + 6.4 is
  // 4194336.000000002, which ceil(x - 1e-9) turned into 2^22 + 33.
  BandwidthLatencyDram d(dram_arch(1000, 10, 0, 64), "dram");
  const uint64_t s = uint64_t{1} << 22;
  uint64_t done = 0;
  for (int i = 0; i < 5; ++i) done = d.transfer(64, s, false);
  CHECK(done == s + 32);
  CHECK(d.busy_cycles() == 32);
}

TEST_CASE("DRAM: TPU v1's 34 GB/s at 700 MHz in ticks of 1/340 cycle (hand-derived)", "[dram]") {
  // F = 7e8, B = 3.4e10, g = 1e8: a cycle is 340 ticks, a byte 7; a 64 B burst is 448/340 cycles.
  // 100 ns at 700 MHz = 70 cycles. 340 bursts back to back take exactly 448 cycles.
  BandwidthLatencyDram d(dram_arch(700, 34, 100, 64), "dram");
  CHECK(d.ticks_per_cycle() == 340);
  CHECK(d.ticks_per_byte() == 7);
  uint64_t done = 0;
  for (int i = 1; i <= 340; ++i) {
    done = d.transfer(64, 0, i % 2 == 0);
    if (i == 339) CHECK(done == 447 + 70);  // 339 x 448 / 340 = 446.68...
  }
  CHECK(done == 448 + 70);
  CHECK(d.busy_cycles() == 448);
  CHECK(d.read_bytes() + d.write_bytes() == 340 * 64);
}

TEST_CASE("DRAM: the same transfers shifted by D cycles complete exactly D cycles later", "[dram][property]") {
  std::mt19937_64 rng(20261201);
  // Bandwidths and clocks of the presets (17.064 and 8.532 GB/s per channel, 940 and 1050 MHz)
  // and awkward ones (333.333333 MHz, 0.7 GB/s).
  const double clocks[] = {700, 940, 1000, 1050, 200, 333.333333, 1.5};
  const double bandwidths[] = {34, 17.064, 34.128, 8.532, 25.6, 1.6, 150, 0.7, 10};
  const uint64_t bursts[] = {1, 8, 32, 64, 256};
  for (int draw = 0; draw < 300; ++draw) {
    const ArchConfig a = dram_arch(clocks[rng() % 7], bandwidths[rng() % 9], static_cast<double>(rng() % 200),
                                   bursts[rng() % 5]);
    std::vector<Claim> claims;
    uint64_t t = rng() % 1000;
    const int n = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) {
      // Mostly back to back (the bus queue builds up), sometimes after an idle gap.
      t += rng() % 4 == 0 ? rng() % 5000 : rng() % 3;
      claims.push_back({1 + rng() % (rng() % 2 ? 100000 : 300), t, rng() % 2 == 0});
    }
    const uint64_t shifts[] = {1, rng() % 1000003, uint64_t{1} << 40, 1000000000000ULL + rng() % 997};
    uint64_t busy0 = 0;
    const std::vector<uint64_t> base = run(a, claims, 0, &busy0);
    for (uint64_t d : shifts) {
      INFO("draw " << draw << " clock " << a.clock_mhz << " MHz, " << a.dram.bandwidth_gb_per_s << " GB/s, burst "
                   << a.dram.burst_bytes << ", shift " << d);
      uint64_t busy = 0;
      const std::vector<uint64_t> shifted = run(a, claims, d, &busy);
      for (size_t i = 0; i < claims.size(); ++i) REQUIRE(shifted[i] == base[i] + d);
      REQUIRE(busy == busy0);
    }
  }
}

TEST_CASE("DRAM: a bandwidth below one byte per second is rejected with its pointer", "[dram]") {
  try {
    BandwidthLatencyDram d(dram_arch(1000, 1e-10, 100, 64), "dram");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("test.json: /dram/bandwidth_gb_per_s: must be at least") != std::string::npos);
  }
}

TEST_CASE("DRAM: a latency in memory-clock cycles, converted to core cycles with one rounding (hand-derived)",
          "[dram][clock]") {
  // Core 1000 MHz, 10 B/cycle, 64 B bursts (a burst usable from cycle 7, as above). Latency 0.5 ns
  // = 0.5 core cycles, plus 28 cycles of an 1200 MHz memory clock = 28 x 1000 / 1200 = 23.33 core
  // cycles: 23.83 in all, rounded up once to 24 (rounding each part up would give 1 + 24 = 25).
  ArchConfig a = dram_arch(1000, 10, 0.5, 64);
  a.dram.clock_mhz = 1200;
  a.dram.access_latency_cycles = 28;
  CHECK(a.dram_latency_cycles() == 24);
  BandwidthLatencyDram d(a, "dram");
  CHECK(d.transfer(64, 0, false) == 7 + 24);
  // No memory cycles: the latency is latency_ns alone, as before the clock domain existed
  // (0.5 ns -> 1 cycle), whatever the memory clock.
  a.dram.access_latency_cycles = 0;
  CHECK(a.dram_latency_cycles() == 1);
  a.dram.clock_mhz = 0;
  CHECK(a.dram_latency_cycles() == 1);
}
