#pragma once
/// An on-chip SRAM buffer. Instance name: the buffer's config key ("ifmap", "unified", ...).
/// It counts the bytes read and written through its ports; capacity is enforced by the
/// mapper's tiling (tiles are sized to fit, double-buffered where configured).
#include <cstdint>

#include <systemc>

#include "sim/config/arch_config.h"

namespace tpusim::arch {

class SramBuffer : public sc_core::sc_module {
 public:
  SramBuffer(sc_core::sc_module_name name, const BufferConfig& config) : sc_module(name), config_(config) {}

  void count(uint64_t read_bytes, uint64_t write_bytes) {
    read_bytes_ += read_bytes;
    write_bytes_ += write_bytes;
  }
  const BufferConfig& config() const { return config_; }
  uint64_t read_bytes() const { return read_bytes_; }
  uint64_t write_bytes() const { return write_bytes_; }

 private:
  BufferConfig config_;
  uint64_t read_bytes_ = 0, write_bytes_ = 0;
};

}  // namespace tpusim::arch
