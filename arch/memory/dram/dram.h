#pragma once
/// Off-chip DRAM as a bandwidth timeline plus a fixed latency: a transfer occupies the data
/// bus for its bytes (rounded up to whole bursts) at the sustained bandwidth, after whatever
/// transfer is already on the bus, and its data lands `latency` cycles after its last burst.
/// Loads and stores share the bus. Instance name "dram".
#include <cstdint>

#include <systemc>

#include "sim/base/stats.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class Dram : public sc_core::sc_module {
 public:
  Dram(sc_core::sc_module_name name, const ArchConfig& arch);

  /// Claims the bus for `bytes` starting no earlier than `issue_cycle` (the caller's current
  /// cycle: claims arrive in time order). Returns the completion cycle.
  uint64_t transfer(uint64_t bytes, uint64_t issue_cycle, bool is_write);

  uint64_t read_bytes() const { return read_bytes_; }
  uint64_t write_bytes() const { return write_bytes_; }
  /// Cycles the bus carried data (whole cycles, rounded up at the end of the run).
  double busy_cycles() const { return busy_cycles_; }
  /// Registers read_bytes, write_bytes and busy_cycles under this module's name.
  void register_stats(stats::Registry& registry) const;

 private:
  double bytes_per_cycle_;
  uint64_t burst_bytes_;
  uint64_t latency_cycles_;
  double bus_free_ = 0;  ///< cycle (fractional) at which the bus is next free
  uint64_t read_bytes_ = 0, write_bytes_ = 0;
  double busy_cycles_ = 0;
};

}  // namespace tpusim::arch
