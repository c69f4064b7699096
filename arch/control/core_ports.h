#pragma once
/// What the controller needs of the core it drives, so that it depends on no unit's class: the
/// queue of the unit that executes each kind of instruction, the hooks that attribute a layer's
/// cycles, and the counters a layer's figures are differences of. The core (arch/chip) implements
/// it over its units.
#include <cstdint>
#include <vector>

#include "arch/control/unit_queue.h"
#include "arch/isa/isa.h"
#include "sim/base/cycle_breakdown.h"

namespace tpusim::arch {

/// Running totals of the core's units; a layer's figures are the difference of two snapshots.
struct CoreCounters {
  uint64_t folds = 0, macs = 0, vector_cycles = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
};

class CorePorts {
 public:
  virtual ~CorePorts() = default;
  /// The in-order queue of the unit that executes instructions of `kind` (loads and stores go
  /// to the DMA engine's two queues).
  virtual UnitQueue& queue(InstrKind kind) = 0;
  /// The unit that runs the layer (matrix unit or vector unit) starts attributing its cycles.
  virtual void begin_layer(bool matrix, uint64_t start_cycle) = 0;
  /// Ends the layer at `end_cycle`; returns its breakdown, summing to end - start.
  virtual CycleBreakdown end_layer(bool matrix, uint64_t end_cycle) = 0;
  virtual CoreCounters counters() const = 0;
  /// Number of SRAM buffers (the index range of Instr::sram_read_bytes).
  virtual size_t buffer_count() const = 0;
  /// Counts an issued instruction's SRAM reads and writes on its buffers.
  virtual void count_sram(const Instr& instr) = 0;
};

}  // namespace tpusim::arch
