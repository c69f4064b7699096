#pragma once
/// The systolic matrix unit: one thread that takes matmul folds in order, waits for their
/// operands (and output space), and spends each fold's latency from the analytic timing
/// (arch/timing) with one wait. Every cycle of a layer is attributed to a category.
/// Instance name "array".
#include <cstdint>
#include <memory>

#include <systemc>

#include "arch/scoreboard.h"
#include "arch/trace.h"
#include "arch/timing/fold_timing.h"
#include "arch/unit_queue.h"
#include "sim/base/cycle_breakdown.h"
#include "sim/config/arch_config.h"

namespace tpusim::arch {

class MatrixUnit : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(MatrixUnit);
  MatrixUnit(sc_core::sc_module_name name, const ArchConfig& arch, Scoreboard& scoreboard, TraceSink* trace);

  UnitQueue& queue() { return queue_; }
  /// Starts attributing cycles of a new layer from `start_cycle`.
  void begin_layer(uint64_t start_cycle);
  /// Ends the layer at `end_cycle` (all its work done); returns its breakdown, summing to
  /// end_cycle - start_cycle.
  CycleBreakdown end_layer(uint64_t end_cycle);

  uint64_t folds() const { return folds_; }
  uint64_t macs() const { return macs_; }

 private:
  void run();

  ArrayConfig array_;
  Scoreboard& scoreboard_;
  TraceSink* trace_;
  UnitQueue queue_;
  std::unique_ptr<timing::FoldSequencer> sequencer_;
  CycleBreakdown layer_;
  uint64_t folds_ = 0, macs_ = 0;
};

}  // namespace tpusim::arch
