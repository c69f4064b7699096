#include "arch/vector/vector_unit.h"

#include <algorithm>

#include "arch/clock_domain.h"
#include "sim/base/error.h"

namespace tpusim::arch {

VectorUnit::VectorUnit(sc_core::sc_module_name name, Scoreboard& scoreboard, TraceSink* trace)
    : sc_module(name), scoreboard_(scoreboard), trace_(trace) {
  SC_THREAD(run);
}

void VectorUnit::register_stats(stats::Registry& r) const {
  r.add(std::string(name()) + ".busy_cycles", stats::Unit::cycles, "cycles the lanes executed vector ops",
        &busy_cycles_);
}

void VectorUnit::begin_layer(uint64_t start_cycle) {
  mark_ = start_cycle;
  layer_ = CycleBreakdown{};
}

CycleBreakdown VectorUnit::end_layer(uint64_t end_cycle) {
  TPUSIM_ASSERT(end_cycle >= mark_, "layer ended before the vector unit finished");
  layer_[CycleCategory::output_stall] += end_cycle - mark_;  // the last stores draining
  mark_ = end_cycle;
  return layer_;
}

void VectorUnit::run() {
  for (;;) {
    const Instr instr = queue_.pop();
    TPUSIM_ASSERT(instr.kind == InstrKind::vector_op, "vector unit got a non-vector instruction");
    CycleCategory cause = CycleCategory::idle;
    uint64_t ready = scoreboard_.wait_ready(instr, &cause);
    // A late issue by the controller (its queues were full) is idle time, not a stall.
    if (instr.issue_cycle > ready) {
      ready = instr.issue_cycle;
      cause = CycleCategory::idle;
    }
    const uint64_t start = std::max(ready, mark_);
    layer_[cause] += start - mark_;
    layer_[CycleCategory::vector] += instr.vector_cycles;
    busy_cycles_ += instr.vector_cycles;
    mark_ = start + instr.vector_cycles;
    scoreboard_.complete(instr.id, mark_, CycleCategory::vector);
    if (trace_) trace_->span(TraceLane::vector, "vector_op", start, mark_, instr.id);
    wait_until(mark_);
  }
}

}  // namespace tpusim::arch
