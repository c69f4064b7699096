#pragma once
/// Off-chip DRAM behind an interface: the DMA engine claims transfers on it, a model times them.
/// Models are pure C++ (no SystemC: they are busy-until timelines, with no process of their own)
/// and are created by make_dram() from the architecture config. Instance name "dram".
#include <cstdint>
#include <memory>
#include <string>

#include "sim/base/stats.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class IDram {
 public:
  virtual ~IDram() = default;

  /// Claims the memory for `bytes` (> 0) starting no earlier than `issue_cycle`, the caller's
  /// current cycle (claims arrive in time order). Returns the cycle from which the data is usable
  /// (a load) or written (a store). `offset_in_burst` (< the burst size): where the first byte
  /// sits in its burst; a transfer that does not start on a burst boundary (a gathered table row)
  /// occupies the bursts it touches.
  virtual uint64_t transfer(uint64_t bytes, uint64_t issue_cycle, bool is_write, uint64_t offset_in_burst = 0) = 0;

  /// Payload bytes read and written (before rounding to bursts).
  uint64_t read_bytes() const { return read_bytes_; }
  uint64_t write_bytes() const { return write_bytes_; }
  /// Bytes the data bus carried (transfers rounded up to whole bursts).
  uint64_t bus_bytes() const { return bus_bytes_; }
  /// Cycles the data bus carried bursts, rounded up to a whole cycle.
  virtual uint64_t busy_cycles() const = 0;
  /// The model's timing state (what decides later completions) relative to `ref_cycle`, exactly:
  /// two moments whose states are equal relative to their reference cycles time later transfers
  /// the same way (the periodic fast-forward compares them, arch/control/README.md).
  virtual int64_t state_after(uint64_t ref_cycle) const = 0;

  /// The instance path its counters are registered under ("top.dram").
  const std::string& name() const { return name_; }
  /// Registers read_bytes, write_bytes and bus_bytes under name(); a model with more counters
  /// adds them here. (Counters are integers the model increments: sim/base/stats.h.)
  virtual void register_stats(stats::Registry& registry);

 protected:
  explicit IDram(std::string name) : name_(std::move(name)) {}
  /// Counts one transfer: payload and bus bytes.
  void count(uint64_t bytes, uint64_t bus_bytes, bool is_write) {
    (is_write ? write_bytes_ : read_bytes_) += bytes;
    bus_bytes_ += bus_bytes;
  }

 private:
  std::string name_;
  uint64_t read_bytes_ = 0, write_bytes_ = 0, bus_bytes_ = 0;
};

/// The DRAM model of `arch` (today one: BandwidthLatencyDram, bandwidth_latency_dram.h), named
/// `instance_name`. InputError (naming the file and pointer) if the config cannot be modelled.
std::unique_ptr<IDram> make_dram(const ArchConfig& arch, std::string instance_name);

}  // namespace tpusim::arch
