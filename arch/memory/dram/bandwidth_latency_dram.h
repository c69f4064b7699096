#pragma once
/// DRAM as a bandwidth timeline plus a fixed latency (the default model, arch/memory/dram/README.md):
/// a transfer occupies the data bus for its bytes, rounded up to whole bursts, at the sustained
/// bandwidth, after whatever transfer is already on the bus, and its data is usable `latency`
/// cycles after the first whole cycle following its last byte. Loads and stores share the bus.
///
/// Time is exact. The bandwidth is taken in whole bytes per second (B) and the clock in whole
/// hertz (F), each the nearest integer to the config's value; a byte takes F / B cycles. With
/// g = gcd(F, B) the bus keeps its free time as an integer count of ticks of g / B cycle, a byte
/// takes F / g ticks, and nothing is rounded until a completion is rounded up to a whole cycle.
/// So the model is exactly translation-invariant: transfers issued D cycles later complete exactly
/// D cycles later.
#include <cstdint>
#include <string>

#include "arch/memory/dram/dram.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class BandwidthLatencyDram final : public IDram {
 public:
  /// InputError naming /dram/bandwidth_gb_per_s or /clock_mhz when it rounds to 0 B/s or 0 Hz.
  BandwidthLatencyDram(const ArchConfig& arch, std::string name);

  uint64_t transfer(uint64_t bytes, uint64_t issue_cycle, bool is_write, uint64_t offset_in_burst = 0) override;
  uint64_t busy_cycles() const override { return cycles_rounded_up(Ticks{bus_bytes()} * ticks_per_byte_); }
  int64_t state_after(uint64_t ref_cycle) const override;

  /// The time base: a cycle is ticks_per_cycle() ticks, a byte on the bus ticks_per_byte() ticks
  /// (B / g and F / g, coprime).
  uint64_t ticks_per_cycle() const { return ticks_per_cycle_; }
  uint64_t ticks_per_byte() const { return ticks_per_byte_; }

 private:
  using Ticks = unsigned __int128;  ///< cycles x ticks_per_cycle (< 2^64 x 1e15) fit
  uint64_t cycles_rounded_up(Ticks t) const;

  uint64_t ticks_per_cycle_ = 1, ticks_per_byte_ = 1;
  uint64_t burst_bytes_;
  uint64_t latency_cycles_;
  Ticks bus_free_ticks_ = 0;  ///< when the bus is next free
};

}  // namespace tpusim::arch
