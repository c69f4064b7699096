#include "sim/spec/arch_config.h"

#include <cmath>

#include "sim/base/error.h"

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
  // ns * MHz / 1000 = cycles; round up, but do not let 1e-12 of float error add a cycle.
  const double c = dram.latency_ns * clock_mhz / 1000.0;
  return static_cast<uint64_t>(std::ceil(c - 1e-9));
}

}  // namespace tpusim
