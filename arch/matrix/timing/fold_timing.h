#pragma once
/// Analytic timing of the systolic array, fold by fold. Pure C++ (no SystemC).
///
/// A *fold* is one placement of the stationary operand on the array followed by streaming the
/// moving operand through it. How a GEMM maps onto rows, columns and stream, and which closed
/// form times a dataflow's folds, are the dataflow's traits (arch/matrix/dataflow/dataflow.h):
///   os: rows <- M, cols <- N, stream <- K   (ClosedForm::output_stationary)
///   ws: rows <- K, cols <- N, stream <- M   (ClosedForm::stationary_operand)
///   is: rows <- K, cols <- M, stream <- N   (ClosedForm::stationary_operand)
///   rs: a processing pass of PE sets (FoldShape::rs)  (ClosedForm::row_stationary, rs_fold_timing.cpp)
///
/// The closed forms below are derived in arch/matrix/timing/DERIVATION.md and are equal, cycle for
/// cycle, to the register-level model in arch/matrix/cycle_model/pe_array.h (tests/unit/test_fold_timing.cpp).
/// Notation: R x C array, a fold uses r x c PEs and streams s elements, L = mac_latency_cycles.
#include <cstddef>
#include <cstdint>

#include "arch/isa/fold_shape.h"
#include "arch/matrix/dataflow/dataflow.h"
#include "sim/base/cycle_breakdown.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch::timing {

/// Result of scheduling one fold on the array's timeline.
struct FoldSchedule {
  uint64_t start_cycle = 0;         ///< first cycle the fold occupies the array (ws/is: its
                                    ///< stationary load starts; os: its first operand enters);
                                    ///< may precede the previous mark (hidden load, overlap)
  uint64_t array_free_cycle = 0;    ///< the sequencer's new mark: the next fold may be scheduled from here
  uint64_t outputs_done_cycle = 0;  ///< the last output of this fold has left the array (exclusive)
  /// Cycles of [previous mark, array_free_cycle) by category. Cycles spent waiting for the
  /// operands (ready_cycle after the mark) with nothing in flight are reported as `idle`; the
  /// caller relabels them by cause (weight/input/output stall).
  CycleBreakdown breakdown;
  // Event times of this fold (absolute cycles), for tests, traces and the cycle model's checks.
  uint64_t load_start_cycle = 0;    ///< ws/is: first cycle of the stationary shift-in (os: = stream_start_cycle)
  uint64_t stream_start_cycle = 0;  ///< first stream element enters the first used row (S)
  uint64_t anchor_cycle = 0;        ///< first stream element reaches the corner PE every fold uses (A);
                                    ///< [A, A + s) are this fold's compute cycles and A + s is the new mark
  uint64_t mac_end_cycle = 0;       ///< one past the last MAC issued by any PE of the fold
};

/// Schedules folds one after another on one array and attributes every cycle.
/// Invariant: the breakdowns of all schedule() calls plus finish() sum to the final mark().
class FoldSequencer {
 public:
  explicit FoldSequencer(const ArrayConfig& array);

  /// Schedules the next fold. `ready_cycle` is when its operands (stationary and streaming) are
  /// available: no part of the fold (load or stream) starts before it. Pass the true arrival
  /// cycle even when it is before mark(): a double-buffered load or an overlapped stream starts
  /// before the mark, hidden behind the previous fold, so clamping ready to the mark forfeits
  /// double buffering and overlap. Throws InternalError on a shape the array cannot hold.
  FoldSchedule schedule(const FoldShape& fold, uint64_t ready_cycle);

  /// Ends the sequence at or after `not_before`: returns the cycle the array is empty and the
  /// breakdown of [mark, that cycle) (pending skew and drain, then idle).
  FoldSchedule finish(uint64_t not_before);

  /// Cycle up to which every cycle has been attributed (end of the last fold's compute window).
  uint64_t mark() const { return mark_; }
  /// Latest MAC end and latest output of all folds scheduled so far (state a later fold sees).
  uint64_t max_mac_end() const { return max_mac_end_; }
  uint64_t max_outputs_done() const { return max_outputs_done_; }

 private:
  /// A fold's event times (DERIVATION.md notation), signed: some lower bounds may be negative.
  struct Events {
    int64_t ld = 0, S = 0, A = 0, mac_end = 0, E = 0;
    int64_t load_end = 0;  ///< end of the unhidden stationary shift [ld, load_end) (= ld: none)
  };
  /// The closed forms, one per dataflow::ClosedForm, from the previous fold's events.
  Events stationary_operand_events(const FoldShape& fold, int64_t ready) const;
  Events output_stationary_events(const FoldShape& fold, int64_t ready) const;
  Events row_stationary_events(const FoldShape& fold, int64_t ready) const;  // rs_fold_timing.cpp

  ArrayConfig array_;
  dataflow::ClosedForm closed_form_;
  uint64_t mark_ = 0;
  bool has_prev_ = false;
  FoldShape prev_shape_{};
  uint64_t prev_stream_start_ = 0;
  uint64_t prev_load_start_ = 0;
  uint64_t prev_anchor_ = 0;
  uint64_t prev_outputs_done_ = 0;
  uint64_t max_mac_end_ = 0;       ///< latest MAC end of all scheduled folds (exclusive)
  uint64_t max_outputs_done_ = 0;  ///< latest output of all scheduled folds (exclusive)
  uint64_t floor_cycle_ = 0;       ///< set by finish(): nothing of a later fold starts before it
};

/// Latency of one isolated fold (from an empty array, operands ready at 0, to its last output):
///   ws/is: R + s + r*L + c - 2        (shift-in R, then the skewed stream and the psum pipeline)
///   os:    s + r + c + L - 3 + R      (skewed stream, MAC latency, R-cycle drain through the bottom)
///   rs:    (h - 1) L + s + L - 1      (the start climbs the set's h rows, each PE busy s cycles)
/// Throws InternalError on a shape the array cannot hold.
uint64_t isolated_fold_cycles(const ArrayConfig& array, const FoldShape& fold);

/// Checks 1 <= rows_used <= rows, 1 <= cols_used <= cols, stream_len >= 1, mac latency >= 1;
/// under rs also a complete pass (FoldShape::rs) with rows_used = bands x h and stream_len its
/// busy cycles, and no pass geometry under the other dataflows.
void check_fold_shape(const ArrayConfig& array, const FoldShape& fold);

}  // namespace tpusim::arch::timing
