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
  /// (a load) or written (a store).
  virtual uint64_t transfer(uint64_t bytes, uint64_t issue_cycle, bool is_write) = 0;

  /// Payload bytes read and written (before rounding to bursts).
  virtual uint64_t read_bytes() const = 0;
  virtual uint64_t write_bytes() const = 0;
  /// Cycles the data bus carried bursts, rounded up to a whole cycle.
  virtual uint64_t busy_cycles() const = 0;

  /// The instance path its counters are registered under ("top.dram").
  const std::string& name() const { return name_; }
  /// Registers read_bytes, write_bytes and busy_cycles under name(); a model with more counters
  /// adds them here.
  virtual void register_stats(stats::Registry& registry) const;

 protected:
  explicit IDram(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

/// The DRAM model of `arch` (today one: BandwidthLatencyDram, bandwidth_latency_dram.h), named
/// `instance_name`. InputError (naming the file and pointer) if the config cannot be modelled.
std::unique_ptr<IDram> make_dram(const ArchConfig& arch, std::string instance_name);

}  // namespace tpusim::arch
