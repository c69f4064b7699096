#include "arch/memory/dram/dram.h"

#include <algorithm>
#include <cmath>

#include "sim/base/error.h"
#include "sim/base/math.h"

namespace tpusim::arch {

Dram::Dram(sc_core::sc_module_name name, const ArchConfig& arch)
    : sc_module(name),
      bytes_per_cycle_(arch.dram_bytes_per_cycle()),
      burst_bytes_(arch.dram.burst_bytes),
      latency_cycles_(arch.dram_latency_cycles()) {}

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
