// Closed form of a row-stationary processing pass (DERIVATION.md, "Row stationary"), the
// FoldSequencer's ClosedForm::row_stationary. Equal, cycle for cycle, to the PE-level engine
// (arch/matrix/cycle_model/pe_array_rs.cpp; tests/unit/test_rs_timing.cpp).
//
// A pass places `bands` sets of h PE rows; each PE is busy s = P (Q + 1) cycles (P partial sums
// of Q MACs, each closed by one cycle that adds the partial sum from the PE below). The start
// climbs each set one row per L cycles with the first partial sums, so row i of a set starts at
// S + i L and the set's top row, the last, holds the corner PE: A = S + (h - 1) L. Passes do not
// overlap: a pass starts once the previous one's last partial sum has reached the global buffer.
//
//   S = max(ready, E_p),  ld = S (nothing is shifted in: the DMA wrote the filter scratchpads),
//   A = S + (h - 1) L,  last MAC + 1 = A + s,  E = A + s + L - 1.
#include "arch/matrix/timing/fold_timing.h"

#include <algorithm>

namespace tpusim::arch::timing {

FoldSequencer::Events FoldSequencer::row_stationary_events(const FoldShape& fold, int64_t ready) const {
  const int64_t L = array_.mac_latency_cycles;
  const int64_t h = fold.rs.filter_rows;
  const int64_t s = static_cast<int64_t>(fold.stream_len);
  Events e;
  e.S = has_prev_ ? std::max(ready, static_cast<int64_t>(prev_outputs_done_)) : ready;
  e.ld = e.load_end = e.S;
  e.A = e.S + (h - 1) * L;
  e.mac_end = e.A + s;
  e.E = e.A + s + L - 1;
  return e;
}

}  // namespace tpusim::arch::timing
