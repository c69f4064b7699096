#include "arch/matrix/timing/fold_timing.h"

#include <algorithm>
#include <array>
#include <string>

#include "sim/base/error.h"

namespace tpusim::arch::timing {

namespace {

using Cycle = int64_t;  // signed inside: some lower bounds (A_p + s_p - (r - 1) L) may be negative

/// A labelled interval [begin, end) of the timeline; earlier spans in a list win over later ones.
struct Span {
  Cycle begin, end;
  CycleCategory category;
};

/// Adds to `out` the cycles of [from, to) by the first span (in priority order) covering each
/// cycle; cycles no span covers are idle. Spans are few (<= 4), so elementary segments are cheap.
void attribute(Cycle from, Cycle to, const Span* spans, size_t n, CycleBreakdown& out) {
  if (to <= from) return;
  std::array<Cycle, 10> points{};
  size_t np = 0;
  points[np++] = from;
  points[np++] = to;
  for (size_t i = 0; i < n; ++i) {
    points[np++] = std::clamp(spans[i].begin, from, to);
    points[np++] = std::clamp(spans[i].end, from, to);
  }
  std::sort(points.begin(), points.begin() + np);
  for (size_t i = 0; i + 1 < np; ++i) {
    const Cycle x = points[i], y = points[i + 1];
    if (x == y) continue;
    CycleCategory c = CycleCategory::idle;
    for (size_t k = 0; k < n; ++k) {
      if (spans[k].begin <= x && x < spans[k].end) {
        c = spans[k].category;
        break;
      }
    }
    out[c] += static_cast<uint64_t>(y - x);
  }
}

}  // namespace

void check_fold_shape(const ArrayConfig& a, const FoldShape& f) {
  if (f.rows_used < 1 || f.rows_used > a.rows || f.cols_used < 1 || f.cols_used > a.cols ||
      f.stream_len < 1 || a.mac_latency_cycles < 1) {
    throw InternalError("fold " + std::to_string(f.rows_used) + "x" + std::to_string(f.cols_used) +
                        " stream " + std::to_string(f.stream_len) + " does not fit a " +
                        std::to_string(a.rows) + "x" + std::to_string(a.cols) + " array (mac latency " +
                        std::to_string(a.mac_latency_cycles) + ")");
  }
  const RsPass& p = f.rs;
  if (dataflow::traits_of(a.dataflow).closed_form() != dataflow::ClosedForm::row_stationary) {
    if (p.active()) throw InternalError("a row-stationary pass on a " + std::string(to_string(a.dataflow)) + " array");
    return;
  }
  if (!p.active() || p.bands < 1 || p.filter_cols < 1 || p.channels < 1 || p.filters < 1 || p.stride < 1 ||
      p.rows_per_column < 1 || p.row_length < 1 || uint64_t{p.bands} * p.filter_rows != f.rows_used ||
      p.busy_cycles() != f.stream_len) {
    throw InternalError("row-stationary pass " + std::to_string(f.rows_used) + "x" + std::to_string(f.cols_used) +
                        " stream " + std::to_string(f.stream_len) + ": its geometry (h " +
                        std::to_string(p.filter_rows) + ", bands " + std::to_string(p.bands) + ", S " +
                        std::to_string(p.filter_cols) + ", q " + std::to_string(p.channels) + ", p " +
                        std::to_string(p.filters) + ", n " + std::to_string(p.rows_per_column) + ", F " +
                        std::to_string(p.row_length) + ") is incomplete or disagrees with the fold");
  }
}

FoldSequencer::FoldSequencer(const ArrayConfig& array)
    : array_(array), closed_form_(dataflow::traits_of(array.dataflow).closed_form()) {}

// Closed form (DERIVATION.md, "Weight / input stationary"). p is the previous fold, f this one.
//   double-buffered:       ld = max(ready, A_p + c_p - 1)          from the cycle of p's last swap
//   preload_follows_wave:  ld = max(ready, S_p, A_p - R + 1, ld_p + R)   the chain follows p's wave
//                          S  = max(ld + R, A_p + s_p - (r - 1) L, [no overlap] E_p)
//   single-buffered:       ld = max(ready, overlap ? A_p + s_p + c_p - 2 : E_p)   from p's last MAC
//                          S  = ld + R
//   A = S + (r - 1) L,  E = A + s + c + L - 2,  MAC end = A + s + c - 1
inline FoldSequencer::Events FoldSequencer::stationary_operand_events(const FoldShape& fold, Cycle ready) const {
  const Cycle R = array_.rows, L = array_.mac_latency_cycles;
  const Cycle r = static_cast<Cycle>(fold.rows_used), c = static_cast<Cycle>(fold.cols_used);
  const Cycle s = static_cast<Cycle>(fold.stream_len);
  const bool db = array_.double_buffer_stationary, overlap = array_.overlap_folds;
  const Cycle Ap = static_cast<Cycle>(prev_anchor_);
  const Cycle sp = static_cast<Cycle>(prev_shape_.stream_len);
  const Cycle cp = static_cast<Cycle>(prev_shape_.cols_used);
  const Cycle Ep = static_cast<Cycle>(prev_outputs_done_);
  Events e;
  if (db && array_.preload_follows_wave) {
    // The shadow chain's front follows p's swap wave (DERIVATION.md, "Preload follows the
    // wave"): it may start once p streams, when it reaches the corner row no earlier than p's
    // swap there, and once the previous load has left the top of column 0.
    const Cycle Sp = static_cast<Cycle>(prev_stream_start_), ldp = static_cast<Cycle>(prev_load_start_);
    e.ld = has_prev_ ? std::max({ready, Sp, Ap - R + 1, ldp + R}) : ready;
    e.S = e.ld + R;
    if (has_prev_) e.S = std::max({e.S, Ap + sp - (r - 1) * L, overlap ? Cycle{0} : Ep});
  } else if (db) {
    e.ld = has_prev_ ? std::max(ready, Ap + cp - 1) : ready;
    e.S = e.ld + R;
    if (has_prev_) e.S = std::max({e.S, Ap + sp - (r - 1) * L, overlap ? Cycle{0} : Ep});
  } else {
    e.ld = has_prev_ ? std::max(ready, overlap ? Ap + sp + cp - 2 : Ep) : ready;
    e.S = e.ld + R;
  }
  e.load_end = e.ld + R;
  e.A = e.S + (r - 1) * L;
  e.mac_end = e.A + s + c - 1;
  e.E = e.A + s + c + L - 2;
  return e;
}

// Closed form (DERIVATION.md, "Output stationary"):
//   S = max(ready, no overlap ? E_p
//                  : double-buffered ? max(S_p + s_p + r_p - 1, S_p + s_p + r_p + R - s - r)
//                  : S_p + s_p + r_p + R - 2)
//   A = S,  E = S + s + r + c + L - 3 + R,  MAC end = S + s + r + c - 2; no stationary load
inline FoldSequencer::Events FoldSequencer::output_stationary_events(const FoldShape& fold, Cycle ready) const {
  const Cycle R = array_.rows, L = array_.mac_latency_cycles;
  const Cycle r = static_cast<Cycle>(fold.rows_used), c = static_cast<Cycle>(fold.cols_used);
  const Cycle s = static_cast<Cycle>(fold.stream_len);
  const Cycle Sp = static_cast<Cycle>(prev_stream_start_);
  const Cycle sp = static_cast<Cycle>(prev_shape_.stream_len);
  const Cycle rp = static_cast<Cycle>(prev_shape_.rows_used);
  Events e;
  e.S = ready;
  if (has_prev_) {
    if (!array_.overlap_folds) e.S = std::max(e.S, static_cast<Cycle>(prev_outputs_done_));
    else if (array_.double_buffer_stationary) e.S = std::max({e.S, Sp + sp + rp - 1, Sp + sp + rp + R - s - r});
    else e.S = std::max(e.S, Sp + sp + rp + R - 2);
  }
  e.ld = e.load_end = e.A = e.S;
  e.mac_end = e.S + s + r + c - 2;
  e.E = e.S + s + r + c + L - 3 + R;
  return e;
}

FoldSchedule FoldSequencer::schedule(const FoldShape& fold, uint64_t ready_cycle) {
  check_fold_shape(array_, fold);
  const Cycle ready = static_cast<Cycle>(std::max(ready_cycle, floor_cycle_));
  Events e;
  switch (closed_form_) {
    case dataflow::ClosedForm::stationary_operand: e = stationary_operand_events(fold, ready); break;
    case dataflow::ClosedForm::output_stationary: e = output_stationary_events(fold, ready); break;
    case dataflow::ClosedForm::row_stationary: e = row_stationary_events(fold, ready); break;
  }
  const Cycle ld = e.ld, S = e.S, A = e.A, mac_end = e.mac_end, E = e.E;
  const Cycle s = static_cast<Cycle>(fold.stream_len);
  const Cycle mark = static_cast<Cycle>(mark_);
  TPUSIM_ASSERT(A >= mark, "fold anchor before the previous compute window ended");

  FoldSchedule out;
  // Gap [mark, A): skew MACs (fill) > unhidden stationary shift > results in flight > idle.
  const Span spans[] = {
      {mark, static_cast<Cycle>(max_mac_end_), CycleCategory::fill},
      {S, A, CycleCategory::fill},
      {ld, e.load_end, CycleCategory::weight_load},
      {mark, static_cast<Cycle>(max_outputs_done_), CycleCategory::drain},
  };
  attribute(mark, A, spans, 4, out.breakdown);
  out.breakdown[CycleCategory::compute] += static_cast<uint64_t>(s);

  out.start_cycle = static_cast<uint64_t>(ld);
  out.load_start_cycle = static_cast<uint64_t>(ld);
  out.stream_start_cycle = static_cast<uint64_t>(S);
  out.anchor_cycle = static_cast<uint64_t>(A);
  out.mac_end_cycle = static_cast<uint64_t>(mac_end);
  out.array_free_cycle = static_cast<uint64_t>(A + s);
  out.outputs_done_cycle = static_cast<uint64_t>(E);

  has_prev_ = true;
  prev_shape_ = fold;
  prev_stream_start_ = out.stream_start_cycle;
  prev_load_start_ = out.load_start_cycle;
  prev_anchor_ = out.anchor_cycle;
  prev_outputs_done_ = out.outputs_done_cycle;
  max_mac_end_ = std::max(max_mac_end_, out.mac_end_cycle);
  max_outputs_done_ = std::max(max_outputs_done_, out.outputs_done_cycle);
  mark_ = out.array_free_cycle;
  return out;
}

FoldSchedule FoldSequencer::finish(uint64_t not_before) {
  FoldSchedule out;
  const uint64_t end = std::max({mark_, max_outputs_done_, not_before});
  const Cycle mark = static_cast<Cycle>(mark_);
  const Span spans[] = {
      {mark, static_cast<Cycle>(max_mac_end_), CycleCategory::fill},
      {mark, static_cast<Cycle>(max_outputs_done_), CycleCategory::drain},
  };
  attribute(mark, static_cast<Cycle>(end), spans, 2, out.breakdown);
  out.start_cycle = out.load_start_cycle = out.stream_start_cycle = out.anchor_cycle = mark_;
  out.mac_end_cycle = max_mac_end_;
  out.outputs_done_cycle = max_outputs_done_;
  out.array_free_cycle = end;
  mark_ = end;
  // The array is empty from here: a later fold is scheduled like a first fold, no earlier than `end`.
  has_prev_ = false;
  floor_cycle_ = end;
  return out;
}

uint64_t isolated_fold_cycles(const ArrayConfig& array, const FoldShape& fold) {
  check_fold_shape(array, fold);
  const uint64_t R = array.rows, L = array.mac_latency_cycles;
  const uint64_t r = fold.rows_used, c = fold.cols_used, s = fold.stream_len;
  switch (dataflow::traits_of(array.dataflow).closed_form()) {
    case dataflow::ClosedForm::output_stationary: return s + r + c + L - 3 + R;
    case dataflow::ClosedForm::row_stationary: return (fold.rs.filter_rows - 1) * L + s + L - 1;
    case dataflow::ClosedForm::stationary_operand: break;
  }
  return R + s + r * L + c - 2;
}

}  // namespace tpusim::arch::timing
