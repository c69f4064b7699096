#pragma once
/// An on-chip SRAM buffer. Instance name: the buffer's config key ("ifmap", "unified", ...).
/// It counts the bytes read and written through its ports, and times DMA fills and drains on
/// a busy-until timeline of its port bandwidth (ports x bytes_per_cycle_per_port), at burst
/// granularity, so loads and stores to one buffer contend. Bank conflicts are not modelled.
/// Capacity is enforced by the mapper's tiling (tiles are sized to fit, double-buffered where
/// configured).
#include <cstdint>

#include <systemc>

#include <string>

#include "sim/base/stats.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class SramBuffer : public sc_core::sc_module {
 public:
  SramBuffer(sc_core::sc_module_name name, const BufferConfig& config) : sc_module(name), config_(config) {}

  /// Occupies the ports for `bytes` from `start_cycle` on (after transfers already claimed);
  /// returns the cycle the last byte has passed.
  uint64_t claim(uint64_t bytes, uint64_t start_cycle) {
    const uint64_t bw = static_cast<uint64_t>(config_.ports) * config_.bytes_per_cycle_per_port;
    const uint64_t begin = start_cycle > free_cycle_ ? start_cycle : free_cycle_;
    free_cycle_ = begin + (bytes + bw - 1) / bw;
    port_busy_cycles_ += (bytes + bw - 1) / bw;
    return free_cycle_;
  }
  uint64_t port_busy_cycles() const { return port_busy_cycles_; }

  void count(uint64_t read_bytes, uint64_t write_bytes) {
    read_bytes_ += read_bytes;
    write_bytes_ += write_bytes;
  }
  const BufferConfig& config() const { return config_; }
  /// Registers read_bytes, write_bytes and port_busy_cycles under this buffer's name.
  void register_stats(stats::Registry& r) {
    const std::string n = name();
    r.add(n + ".read_bytes", stats::Unit::bytes, "bytes read through the ports (array operands, DMA drains)",
          &read_bytes_);
    r.add(n + ".write_bytes", stats::Unit::bytes, "bytes written through the ports (DMA fills, array results)",
          &write_bytes_);
    r.add(n + ".port_busy_cycles", stats::Unit::cycles,
          "cycles the ports were occupied by DMA fills and drains (bytes / (ports x bytes_per_cycle_per_port))",
          &port_busy_cycles_);
  }
  uint64_t read_bytes() const { return read_bytes_; }
  uint64_t write_bytes() const { return write_bytes_; }

 private:
  BufferConfig config_;
  uint64_t read_bytes_ = 0, write_bytes_ = 0;
  uint64_t free_cycle_ = 0, port_busy_cycles_ = 0;
};

}  // namespace tpusim::arch
