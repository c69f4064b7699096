#include "sim/spec/arch_config.h"

#include <cmath>

#include "sim/base/error.h"
#include "sim/spec/clock_domains.h"

namespace tpusim {

DataType mac_datatype(const DataTypes& dt) { return bits_of(dt.input) >= bits_of(dt.weight) ? dt.input : dt.weight; }

bool BufferConfig::holds_role(BufferRole r) const {
  for (auto h : holds)
    if (h == r) return true;
  return false;
}

const BufferConfig* ArchConfig::buffer_for(BufferRole r) const {
  for (const auto& b : buffers)
    if (b.holds_role(r)) return &b;
  return nullptr;
}

uint64_t ArchConfig::dram_latency_cycles() const {
  // Both parts in fractional core cycles, rounded up once (sim/spec/clock_domains.h).
  return clock::whole_cycles_up(
      clock::core_cycles_of_ns(dram.latency_ns, clock_mhz) +
      clock::core_cycles_of_domain(static_cast<double>(dram.access_latency_cycles), dram.clock_mhz, clock_mhz));
}

}  // namespace tpusim
