#pragma once
/// Completion times of the current layer's instructions, so units can resolve dependencies.
/// A unit registers an instruction's completion cycle when it issues it (the model is
/// loosely timed: the completion is known ahead); waiters compute their ready time from it.
#include <cstdint>
#include <vector>

#include <systemc>

#include "arch/isa/isa.h"
#include "sim/base/cycle_breakdown.h"

namespace tpusim::arch {

class Scoreboard {
 public:
  static constexpr uint64_t kUnknown = UINT64_MAX;

  /// Starts a new layer (instruction ids restart at 0).
  void reset();
  /// Records instruction `id` (of kind `cause` when waited for) completing at `cycle`, having
  /// released its input and weight buffer slots at the given cycles (default: at completion).
  void complete(uint64_t id, uint64_t cycle, CycleCategory cause, uint64_t inputs_released = kUnknown,
                uint64_t weights_released = kUnknown);
  /// Blocks the calling thread until every dependency of `instr` is registered; returns the
  /// cycle when the last completes and, via `cause`, the stall category of that last one.
  uint64_t wait_ready(const Instr& instr, CycleCategory* cause);
  uint64_t registered() const { return registered_; }
  /// Latest completion registered in this layer.
  uint64_t last_completion() const { return last_completion_; }
  sc_core::sc_event& progress() { return progress_; }

 private:
  struct Entry {
    uint64_t cycle = kUnknown;
    uint64_t inputs_released = kUnknown, weights_released = kUnknown;
    CycleCategory cause = CycleCategory::idle;
  };
  std::vector<Entry> done_;  ///< indexed by instruction id: 32 bytes per instruction of the layer
  uint64_t registered_ = 0;
  uint64_t last_completion_ = 0;
  sc_core::sc_event progress_;
};

}  // namespace tpusim::arch
