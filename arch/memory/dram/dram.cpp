#include "arch/memory/dram/dram.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/base/error.h"
#include "sim/base/math.h"

namespace tpusim::arch {

Dram::Dram(sc_core::sc_module_name name, const ArchConfig& arch)
    : sc_module(name),
      bytes_per_cycle_(arch.dram_bytes_per_cycle()),
      burst_bytes_(arch.dram.burst_bytes),
      latency_cycles_(arch.dram_latency_cycles()) {}

void Dram::register_stats(stats::Registry& r) const {
  const std::string n = name();
  r.add(n + ".read_bytes", stats::Unit::bytes, "bytes read from DRAM (payload, before rounding to bursts)", &read_bytes_);
  r.add(n + ".write_bytes", stats::Unit::bytes, "bytes written to DRAM (payload, before rounding to bursts)",
        &write_bytes_);
  r.add(n + ".busy_cycles", stats::Unit::cycles, "cycles the data bus carried bursts (rounded up to whole cycles)",
        [this] { return static_cast<uint64_t>(std::ceil(busy_cycles_ - 1e-9)); });
}

uint64_t Dram::transfer(uint64_t bytes, uint64_t issue_cycle, bool is_write) {
  TPUSIM_ASSERT(bytes > 0, "empty DRAM transfer");
  (is_write ? write_bytes_ : read_bytes_) += bytes;
  const uint64_t bus_bytes = ceil_div(bytes, burst_bytes_) * burst_bytes_;
  const double start = std::max(static_cast<double>(issue_cycle), bus_free_);
  const double duration = static_cast<double>(bus_bytes) / bytes_per_cycle_;
  bus_free_ = start + duration;
  busy_cycles_ += duration;
  // Data is usable from the first whole cycle after the last byte, plus the access latency.
  return static_cast<uint64_t>(std::ceil(bus_free_ - 1e-9)) + latency_cycles_;
}

}  // namespace tpusim::arch
