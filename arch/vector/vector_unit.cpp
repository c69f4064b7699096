#include "arch/vector/vector_unit.h"

#include <algorithm>

#include "arch/clock_domain.h"
#include "sim/base/error.h"

namespace tpusim::arch {

VectorUnit::VectorUnit(sc_core::sc_module_name name, Scoreboard& scoreboard, TraceSink* trace)
    : sc_module(name), scoreboard_(scoreboard), trace_(trace) {
  SC_THREAD(run);
}

void VectorUnit::register_stats(stats::Registry& r) {
  const std::string n = name();
  r.add(n + ".busy_cycles", stats::Unit::cycles, "cycles the lanes executed vector ops", &busy_cycles_);
  for (size_t i = 0; i < kCycleClassCount; ++i) {
    const char* category = to_string(static_cast<CycleClass>(i));
    r.add(n + "." + category + "_cycles", stats::Unit::cycles,
          std::string("cycles of the unit's layers attributed to ") + category, &cycles_.cycles[i]);
  }
}

void VectorUnit::begin_layer(uint64_t start_cycle) {
  mark_ = start_cycle;
  layer_start_ = cycles_;
}

CycleAccount VectorUnit::end_layer(uint64_t end_cycle) {
  TPUSIM_ASSERT(end_cycle >= mark_, "layer ended before the vector unit finished");
  cycles_[CycleClass::output_stall] += end_cycle - mark_;  // the last stores draining
  mark_ = end_cycle;
  return cycles_.since(layer_start_);
}

void VectorUnit::run() {
  for (;;) {
    const Instr instr = queue_.pop();
    const uint64_t popped = now_cycles();
    TPUSIM_ASSERT(instr.kind == InstrKind::vector_op, "vector unit got a non-vector instruction");
    CycleClass cause = CycleClass::idle;
    uint64_t ready = scoreboard_.wait_ready(instr, &cause);
    // A late issue by the controller (its queues were full) is idle time, not a stall.
    if (instr.issue_cycle > ready) {
      ready = instr.issue_cycle;
      cause = CycleClass::idle;
    }
    const uint64_t start = std::max(ready, mark_);
    OpCounters::Scope op_scope(op_counters_, instr.op, {own_counters_});
    cycles_[cause] += start - mark_;
    cycles_[CycleClass::non_matrix] += instr.vector_cycles;
    busy_cycles_ += instr.vector_cycles;
    mark_ = start + instr.vector_cycles;
    UnitRecord rec;
    rec.start = start;
    for (uint64_t c : {popped, ready, start}) rec.cycle(c);
    rec.rel(static_cast<int64_t>(cause));
    scoreboard_.complete(instr, mark_, CycleClass::non_matrix, rec);
    if (trace_) trace_->span(TraceLane::vector, "vector_op", start, mark_, instr.id, instr.op);
    op_scope.close();
    wait_until(mark_);
  }
}

}  // namespace tpusim::arch
