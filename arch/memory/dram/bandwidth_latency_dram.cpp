#include "arch/memory/dram/bandwidth_latency_dram.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::arch {

BandwidthLatencyDram::BandwidthLatencyDram(const ArchConfig& arch, std::string name)
    : IDram(std::move(name)), burst_bytes_(arch.dram.burst_bytes), latency_cycles_(arch.dram_latency_cycles()) {
  // The loader bounds both (bandwidth <= 1e6 GB/s, clock <= 1e6 MHz): they fit in 64 bits.
  const double bytes_per_s = std::round(arch.bandwidth_bytes_per_s());
  const double hz = std::round(arch.clock_mhz * 1e6);
  if (bytes_per_s < 1)
    config::fail_at(arch.file, "/dram/bandwidth_gb_per_s",
                    fmt::format("must be at least 1e-9 (one byte per second), got {}", arch.dram.bandwidth_gb_per_s));
  if (hz < 1) config::fail_at(arch.file, "/clock_mhz", fmt::format("must be at least 1e-6 (one hertz), got {}", arch.clock_mhz));
  const auto b = static_cast<uint64_t>(bytes_per_s), f = static_cast<uint64_t>(hz);
  const uint64_t g = std::gcd(b, f);
  ticks_per_cycle_ = b / g;
  ticks_per_byte_ = f / g;
  TPUSIM_ASSERT(burst_bytes_ > 0, "DRAM burst of 0 bytes");
}

uint64_t BandwidthLatencyDram::cycles_rounded_up(Ticks t) const {
  const Ticks cycles = (t + ticks_per_cycle_ - 1) / ticks_per_cycle_;
  TPUSIM_ASSERT(cycles <= UINT64_MAX, "DRAM time beyond 2^64 cycles");
  return static_cast<uint64_t>(cycles);
}

int64_t BandwidthLatencyDram::state_after(uint64_t ref_cycle) const {
  // The bus's free time in ticks relative to the reference (exact; fits: the bus is never more
  // than a few transfers ahead of or behind the cycle a caller asks about).
  const auto rel = static_cast<__int128>(bus_free_ticks_) - static_cast<__int128>(Ticks{ref_cycle} * ticks_per_cycle_);
  TPUSIM_ASSERT(rel >= INT64_MIN && rel <= INT64_MAX, "DRAM bus state far from the reference cycle");
  return static_cast<int64_t>(rel);
}

uint64_t BandwidthLatencyDram::transfer(uint64_t bytes, uint64_t issue_cycle, bool is_write, uint64_t offset_in_burst) {
  TPUSIM_ASSERT(bytes > 0, "empty DRAM transfer");
  TPUSIM_ASSERT(offset_in_burst < burst_bytes_, "transfer offset beyond its burst");
  // The bursts from the one holding the first byte to the one holding the last.
  const uint64_t bus_bytes = ((offset_in_burst + bytes - 1) / burst_bytes_ + 1) * burst_bytes_;
  count(bytes, bus_bytes, is_write);
  const Ticks duration = Ticks{bus_bytes} * ticks_per_byte_;
  bus_free_ticks_ = std::max(Ticks{issue_cycle} * ticks_per_cycle_, bus_free_ticks_) + duration;
  // Data is usable from the first whole cycle after the last byte, plus the access latency.
  return cycles_rounded_up(bus_free_ticks_) + latency_cycles_;
}

}  // namespace tpusim::arch
