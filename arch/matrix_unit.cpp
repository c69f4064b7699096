#include "arch/matrix_unit.h"

#include <algorithm>

#include "arch/clock.h"
#include "sim/base/error.h"

namespace tpusim::arch {

MatrixUnit::MatrixUnit(sc_core::sc_module_name name, const ArchConfig& arch, Scoreboard& scoreboard,
                       TraceSink* trace)
    : sc_module(name), array_(arch.array), scoreboard_(scoreboard), trace_(trace) {
  sequencer_ = std::make_unique<timing::FoldSequencer>(array_);
  SC_THREAD(run);
}

void MatrixUnit::begin_layer(uint64_t start_cycle) {
  sequencer_ = std::make_unique<timing::FoldSequencer>(array_);
  // A fresh sequencer starts at mark 0: fast-forward it to the layer start with an empty finish.
  const auto skip = sequencer_->finish(start_cycle);
  TPUSIM_ASSERT(skip.breakdown.total() == start_cycle, "sequencer did not start at the layer start");
  layer_ = CycleBreakdown{};
}

CycleBreakdown MatrixUnit::end_layer(uint64_t end_cycle) {
  auto tail = sequencer_->finish(end_cycle);
  // Waiting at the end of a layer is for the last stores to reach DRAM.
  tail.breakdown[CycleCategory::output_stall] += tail.breakdown[CycleCategory::idle];
  tail.breakdown[CycleCategory::idle] = 0;
  layer_ += tail.breakdown;
  return layer_;
}

void MatrixUnit::run() {
  for (;;) {
    const Instr instr = queue_.pop();
    TPUSIM_ASSERT(instr.kind == InstrKind::matmul, "matrix unit got a non-matmul instruction");
    CycleCategory cause = CycleCategory::idle;
    uint64_t ready = scoreboard_.wait_ready(instr, &cause);
    // The true arrival cycle may lie before now: a double-buffered fold's stationary load starts
    // behind the previous fold, which the sequencer accounts for. Only a late issue by the
    // controller (its queues were full) delays it further.
    if (instr.issue_cycle > ready) {
      ready = instr.issue_cycle;
      cause = CycleCategory::idle;
    }
    auto s = sequencer_->schedule(instr.fold, ready);
    if (cause != CycleCategory::idle) {  // the wait for operands is a stall of the last one's kind
      s.breakdown[cause] += s.breakdown[CycleCategory::idle];
      s.breakdown[CycleCategory::idle] = 0;
    }
    layer_ += s.breakdown;
    ++folds_;
    macs_ += instr.macs;
    scoreboard_.complete(instr.id, s.outputs_done_cycle, CycleCategory::compute);
    if (trace_) trace_->span(TraceLane::array, "fold", s.start_cycle, s.outputs_done_cycle, instr.id);
    wait_until(s.array_free_cycle);
  }
}

}  // namespace tpusim::arch
