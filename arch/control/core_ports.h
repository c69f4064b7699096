#pragma once
/// What the controller needs of the core it drives, so that it depends on no unit's class: the
/// queue of the unit that executes each kind of instruction, the hooks that attribute a layer's
/// cycles, and the registry of the counters a layer's figures are differences of. The core (arch/chip) implements
/// it over its units.
#include <cstdint>
#include <vector>

#include "arch/control/op_counters.h"
#include "arch/control/unit_queue.h"
#include "arch/isa/isa.h"
#include "sim/base/class_timeline.h"
#include "sim/base/cycle_account.h"
#include "sim/base/stats.h"

namespace tpusim::arch {

class CorePorts {
 public:
  virtual ~CorePorts() = default;
  /// The in-order queue of the unit that executes `instr` (by its kind: loads and stores go to
  /// the DMA engine's two queues; those of the SparseCore-like unit to its own DMA and lanes).
  virtual UnitQueue& queue(const Instr& instr) = 0;
  /// The unit that runs the layer starts attributing its cycles.
  virtual void begin_layer(LayerUnit unit, uint64_t start_cycle) = 0;
  /// Ends the layer at `end_cycle`; returns its breakdown, summing to end - start.
  virtual CycleAccount end_layer(LayerUnit unit, uint64_t end_cycle) = 0;
  /// Every counter of the core's modules (a layer is the difference of two snapshots).
  virtual const stats::Registry& stats() const = 0;
  /// Adds `times` x `delta` to every counter (the fast-forward's skipped periods), and tells the
  /// matrix unit's timeline that `cycles` of its classes were skipped.
  virtual void advance_counters(const stats::Snapshot& delta, uint64_t times, uint64_t cycles) = 0;
  /// Graph mode: whether the matrix unit classed every cycle of such a period (it cannot class a
  /// skipped stretch it has not reached yet).
  virtual bool matrix_covers(const stats::Snapshot& delta, uint64_t times, uint64_t cycles) const = 0;

  // Graph mode (no layer barrier): the run is one stretch.
  /// Prepares the units for graph mode: the matrix unit keeps its timeline, and every unit's
  /// counter updates go to their instruction's op (`ops`).
  virtual void begin_graph(OpCounters* ops, CounterRange controller, CounterRange& buffers) = 0;
  /// Classes the matrix unit's last cycles up to `end_cycle` (the end of the run).
  virtual void finish_graph(uint64_t end_cycle) = 0;
  /// The matrix unit's classed cycles (reported times: shifted by what was skipped).
  virtual ClassTimeline& timeline() = 0;
  /// Counts an issued instruction's SRAM reads and writes on its buffers.
  virtual void count_sram(const Instr& instr) = 0;
};

}  // namespace tpusim::arch
