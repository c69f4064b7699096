#pragma once
/// Analytic timing of the systolic array, fold by fold. Pure C++ (no SystemC).
///
/// A *fold* is one placement of the stationary operand on the array followed by streaming the
/// moving operand through it. Under each dataflow the GEMM C[M x N] = A[M x K] * B[K x N] maps as
///   os: rows <- M, cols <- N, stream <- K
///   ws: rows <- K, cols <- N, stream <- M
///   is: rows <- K, cols <- M, stream <- N
#include <cstdint>

#include "sim/base/cycle_breakdown.h"
#include "sim/config/arch_config.h"

namespace tpusim::arch::timing {

/// The part of the array a fold uses and how long its stream is (all >= 1).
struct FoldShape {
  uint64_t rows_used = 1;   ///< <= array rows
  uint64_t cols_used = 1;   ///< <= array cols
  uint64_t stream_len = 1;  ///< elements streamed through each used row/col
};

/// Result of scheduling one fold on the array's timeline.
struct FoldSchedule {
  uint64_t start_cycle = 0;         ///< first cycle the fold occupies the array
  uint64_t array_free_cycle = 0;    ///< the sequencer's new mark: the next fold may be scheduled from here
  uint64_t outputs_done_cycle = 0;  ///< the last output of this fold has left the array
  /// Cycles of [previous mark, array_free_cycle) by category. Cycles spent waiting for the
  /// operands (ready_cycle after the mark) with nothing in flight are reported as `idle`; the
  /// caller relabels them by cause (weight/input/output stall).
  CycleBreakdown breakdown;
};

/// Schedules folds one after another on one array and attributes every cycle.
class FoldSequencer {
 public:
  explicit FoldSequencer(const ArrayConfig& array);

  /// Schedules the next fold. `ready_cycle` is when its operands are available (may be before
  /// mark(), then the fold is not delayed by it).
  FoldSchedule schedule(const FoldShape& fold, uint64_t ready_cycle);

  /// Ends the sequence at or after `not_before`: returns the cycle the array is empty and the
  /// breakdown of [mark, that cycle) (pending drain).
  FoldSchedule finish(uint64_t not_before);

  uint64_t mark() const { return mark_; }

 private:
  ArrayConfig array_;
  uint64_t mark_ = 0;
  uint64_t pending_drain_ = 0;  ///< drain cycles of the last fold not yet attributed
};

/// Latency of one isolated fold (from an empty array to its last output), for tests and `describe`.
uint64_t isolated_fold_cycles(const ArrayConfig& array, const FoldShape& fold);

}  // namespace tpusim::arch::timing
