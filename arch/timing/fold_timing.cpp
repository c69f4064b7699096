#include "arch/timing/fold_timing.h"

#include <algorithm>

#include "sim/base/error.h"

namespace tpusim::arch::timing {

namespace {

/// Phases of one fold on an empty array, sequential (no overlap with neighbours):
///   weight_load: the stationary operand shifts in, one row per cycle (ws/is: rows_used cycles;
///                os keeps outputs stationary and loads nothing).
///   fill:        rows_used - 1 + cols_used - 1 cycles of skew until the last PE has started.
///   compute:     stream_len cycles.
///   drain:       os: rows_used cycles to shift the results out; ws/is: 1 cycle for the last
///                partial sum to leave the bottom row.
struct Phases {
  uint64_t weight_load, fill, compute, drain;
};

Phases phases_of(const ArrayConfig& a, const FoldShape& f) {
  TPUSIM_ASSERT(f.rows_used >= 1 && f.rows_used <= a.rows, "fold rows out of range");
  TPUSIM_ASSERT(f.cols_used >= 1 && f.cols_used <= a.cols, "fold cols out of range");
  TPUSIM_ASSERT(f.stream_len >= 1, "empty stream");
  Phases p{};
  p.weight_load = a.dataflow == Dataflow::os ? 0 : f.rows_used;
  p.fill = (f.rows_used - 1) + (f.cols_used - 1);
  p.compute = f.stream_len;
  p.drain = a.dataflow == Dataflow::os ? f.rows_used : 1;
  return p;
}

}  // namespace

FoldSequencer::FoldSequencer(const ArrayConfig& array) : array_(array) {}

FoldSchedule FoldSequencer::schedule(const FoldShape& fold, uint64_t ready_cycle) {
  const Phases p = phases_of(array_, fold);
  FoldSchedule s;
  // The previous fold's drain finishes first; waiting beyond that is idle (a stall).
  s.breakdown[CycleCategory::drain] = pending_drain_;
  const uint64_t drained = mark_ + pending_drain_;
  s.start_cycle = std::max(drained, ready_cycle);
  s.breakdown[CycleCategory::idle] = s.start_cycle - drained;
  s.breakdown[CycleCategory::weight_load] = p.weight_load;
  s.breakdown[CycleCategory::fill] = p.fill;
  s.breakdown[CycleCategory::compute] = p.compute;
  s.array_free_cycle = s.start_cycle + p.weight_load + p.fill + p.compute;
  s.outputs_done_cycle = s.array_free_cycle + p.drain;
  pending_drain_ = p.drain;
  mark_ = s.array_free_cycle;
  return s;
}

FoldSchedule FoldSequencer::finish(uint64_t not_before) {
  FoldSchedule s;
  s.breakdown[CycleCategory::drain] = pending_drain_;
  s.start_cycle = mark_;
  const uint64_t drained = mark_ + pending_drain_;
  s.array_free_cycle = std::max(drained, not_before);
  s.breakdown[CycleCategory::idle] = s.array_free_cycle - drained;
  s.outputs_done_cycle = drained;
  pending_drain_ = 0;
  mark_ = s.array_free_cycle;
  return s;
}

uint64_t isolated_fold_cycles(const ArrayConfig& array, const FoldShape& fold) {
  const Phases p = phases_of(array, fold);
  return p.weight_load + p.fill + p.compute + p.drain;
}

}  // namespace tpusim::arch::timing
