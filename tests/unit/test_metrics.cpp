// Derived figures (sim/metrics): peak, ridge point, utilization, TOPS, roofline and DRAM busy
// time, each against a number derived by hand in the comment.
#include <catch2/catch.hpp>

#include "sim/metrics/metrics.h"
#include "sim/spec/arch_loader.h"

using namespace tpusim;

namespace {

/// A 4 x 8 array at 500 MHz with a 4 GB/s DRAM; `cores` x `units` matrix units.
ArchConfig arch_of(uint32_t macs_per_pe, const char* timing = "native", uint32_t cores = 1, uint32_t units = 1) {
  nlohmann::json doc = {{"name", "m"},
                        {"clock_mhz", 500},
                        {"timing", timing},
                        {"array", {{"rows", 4}, {"cols", 8}, {"macs_per_pe_per_cycle", macs_per_pe}}},
                        {"buffers", {{"s", {{"holds", {"inputs", "weights", "outputs"}}, {"capacity_bytes", 4096}}}}},
                        {"dram", {{"bandwidth_gb_per_s", 4}, {"latency_ns", 10}}},
                        {"core", {{"matrix_units", units}}},
                        {"chip", {{"cores", cores}}}};
  return config::parse_arch(doc, "m.json");
}

}  // namespace

TEST_CASE("metrics: peak and ridge point count every MAC a PE does per cycle", "[metrics]") {
  // 4 x 8 = 32 PEs x 4 MACs = 128 MACs per cycle x 500e6 = 64e9 MAC/s = 0.128 TOPS; DRAM 4e9 B/s
  // = 8 B per cycle; ridge 64e9 / 4e9 = 16 MACs per byte.
  const metrics::Peak p = metrics::peak(arch_of(4));
  CHECK(p.pes == 32);
  CHECK(p.macs_per_pe_per_cycle == 4);
  CHECK(p.macs_per_cycle == 128);
  CHECK(p.macs_per_s == 64e9);
  CHECK(p.tops == Approx(0.128).epsilon(1e-15));
  CHECK(p.dram_bytes_per_s == 4e9);
  CHECK(p.dram_bytes_per_cycle == 8.0);
  CHECK(p.ridge_macs_per_byte == 16.0);
  // SCALE-Sim's PEs do one MAC per cycle: 32 MACs per cycle whatever the option says.
  CHECK(metrics::peak(arch_of(4, "scalesim-v2")).macs_per_cycle == 32);
}

TEST_CASE("metrics: the peak of a chip counts every unit of every core", "[metrics]") {
  // 2 cores x 3 units x 32 PEs = 192 PEs, x 2 MACs = 384 MACs per cycle = 192e9 MAC/s at 500 MHz;
  // ridge 192e9 / 4e9 = 48 MACs per byte. Utilization: 384 MACs per cycle for 10 cycles is 3840
  // slots; 960 executed MACs fill a quarter of them.
  const ArchConfig a = arch_of(2, "native", 2, 3);
  const metrics::Peak p = metrics::peak(a);
  CHECK(p.pes == 192);
  CHECK(p.macs_per_cycle == 384);
  CHECK(p.macs_per_s == 192e9);
  CHECK(p.ridge_macs_per_byte == 48.0);
  CHECK(metrics::utilization(a, 960, 10) == 0.25);
}

TEST_CASE("metrics: utilization, TOPS and the roofline of a layer", "[metrics]") {
  const ArchConfig a = arch_of(2);  // 64 MAC slots per cycle, 32e9 MAC/s, ridge 8 MACs per byte
  // 6400 executed MACs in 200 cycles: 6400 / (200 x 64) = 0.5; 200 cycles at 500 MHz = 0.4 us;
  // 2 x 6400 / 0.4e-6 / 1e12 = 0.032 TOPS = half of the 0.064 TOPS peak.
  CHECK(metrics::utilization(a, 6400, 200) == 0.5);
  CHECK(metrics::seconds(a, 200) == Approx(0.4e-6).epsilon(1e-15));
  CHECK(metrics::tops(6400, metrics::seconds(a, 200)) == Approx(0.032).epsilon(1e-12));
  CHECK(metrics::utilization(a, 10, 0) == 0.0);
  // 6400 MACs over 1600 DRAM bytes: 4 MACs per byte, under the ridge (8): memory bound, roof
  // 4 x 4e9 = 16e9 MAC/s; attained 6400 / 0.4e-6 = 16e9 MAC/s (on the roof).
  const metrics::Roofline mem = metrics::roofline(a, 6400, 1600, 200);
  REQUIRE(mem.operational_intensity_macs_per_byte);
  CHECK(*mem.operational_intensity_macs_per_byte == 4.0);
  CHECK(mem.roof_macs_per_s == 16e9);
  CHECK(mem.attained_macs_per_s == Approx(16e9).epsilon(1e-12));
  CHECK_FALSE(mem.compute_bound);
  // 400 DRAM bytes: 16 MACs per byte, above the ridge (8): compute bound, the roof is the peak.
  // 1000 bytes: 6.4 MACs per byte, memory bound at p = 2 (ridge 8) though a peak that forgot p
  // (ridge 4) would call it compute bound; roof 6.4 x 4e9 = 25.6e9 MAC/s.
  const metrics::Roofline comp = metrics::roofline(a, 6400, 400, 200);
  CHECK(comp.compute_bound);
  CHECK(comp.roof_macs_per_s == 32e9);
  const metrics::Roofline mid = metrics::roofline(a, 6400, 1000, 200);
  CHECK_FALSE(mid.compute_bound);
  CHECK(mid.roof_macs_per_s == Approx(6.4 * 4e9).epsilon(1e-15));
  // No DRAM traffic: infinitely intense (no value), compute bound.
  CHECK_FALSE(metrics::roofline(a, 6400, 0, 200).operational_intensity_macs_per_byte);
}

TEST_CASE("metrics: the DRAM bus is busy bus_bytes / bytes per cycle", "[metrics]") {
  // 8 B per cycle: 1000 bus bytes keep it busy 125 cycles, half of a 250-cycle span.
  const ArchConfig a = arch_of(1);
  CHECK(metrics::dram_busy_cycles(a, 1000) == 125.0);
  CHECK(metrics::busy_share(125.0, 250) == 0.5);
  CHECK(metrics::busy_share(1.0, 0) == 0.0);
}
