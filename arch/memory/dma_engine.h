#pragma once
/// The DMA engine: a read queue (DRAM -> SRAM loads) and a write queue (SRAM -> DRAM stores),
/// each a thread that takes descriptors in order, waits for their dependencies (buffer space,
/// the producing fold), and streams their bursts onto the shared DRAM bus. Up to `channels`
/// descriptors per queue are in flight, which hides DRAM latency. Instance name "dma".
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>

#include "arch/memory/dram/dram.h"
#include "arch/control/op_counters.h"
#include "arch/control/scoreboard.h"
#include "arch/memory/sram_buffer.h"
#include "arch/trace.h"
#include "arch/control/unit_queue.h"
#include "sim/base/stats.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class DmaEngine : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaEngine);
  /// `channels`: descriptors (a gather's rows: accesses) in flight per queue; 0 = /dma/channels.
  DmaEngine(sc_core::sc_module_name name, const ArchConfig& arch, IDram& dram, std::vector<SramBuffer*> buffers,
            Scoreboard& scoreboard, TraceSink* trace, uint64_t channels = 0);

  UnitQueue& loads() { return loads_; }
  UnitQueue& stores() { return stores_; }
  uint64_t descriptors() const { return descriptors_; }
  uint64_t bursts() const { return bursts_; }
  /// Graph mode: each descriptor's counter updates go to its op.
  /// `touched`: its own counters, the buffers' and the DRAM's (a descriptor updates all three).
  void set_op_counters(OpCounters* c, CounterRange own, CounterRange buffers, CounterRange dram) {
    op_counters_ = c;
    touched_ = {own, buffers, dram};
  }
  /// Registers descriptors and bursts under this module's name.
  void register_stats(stats::Registry& registry);

 private:
  void load_thread();
  void store_thread();
  void serve(UnitQueue& queue, bool is_write);
  /// Issues a gather's rows, each its own access on a DMA channel; returns when the last arrives.
  uint64_t gather(const Instr& instr, std::deque<uint64_t>& in_flight);

  uint64_t channels_;
  uint64_t burst_bytes_;
  uint64_t dram_burst_bytes_;  ///< where a gathered row's bytes fall in DRAM bursts
  IDram& dram_;
  std::vector<SramBuffer*> buffers_;  ///< by index in ArchConfig::buffers
  Scoreboard& scoreboard_;
  TraceSink* trace_;
  UnitQueue loads_, stores_;
  /// Completion cycles of each queue's outstanding descriptors, oldest first. Members, not locals
  /// of serve(): a SystemC thread's stack is freed without unwinding when the simulation ends
  /// (the threads never return), so a container there leaked its storage (LeakSanitizer).
  std::deque<uint64_t> loads_in_flight_, stores_in_flight_;
  uint64_t descriptors_ = 0, bursts_ = 0;
  OpCounters* op_counters_ = nullptr;
  std::array<CounterRange, 3> touched_{};
};

}  // namespace tpusim::arch
