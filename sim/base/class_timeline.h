#pragma once
/// The matrix unit's cycles as a timeline of classed intervals, so that the cycles before any
/// time t can be told by class (cumulative_at), and an op's window [start, end) is the difference
/// of two such sums. Intervals are appended in time order without gaps. A bulk interval holds an
/// account without positions (a stretch the periodic fast-forward skipped); a time strictly
/// inside one cannot be asked for. Memory stays bounded: what lies before a time no question will
/// reach back to is folded into a base sum (prune_before). Pure C++.
#include <algorithm>
#include <cstdint>
#include <deque>

#include "sim/base/cycle_account.h"
#include "sim/base/error.h"

namespace tpusim {

class ClassTimeline {
 public:
  /// The end of the last interval (where the next one begins).
  uint64_t frontier() const { return frontier_; }
  /// The earliest time cumulative_at may be asked for.
  uint64_t floor() const { return pieces_.empty() ? frontier_ : pieces_.front().begin; }

  /// Appends [frontier, end) as class `c` (nothing when end == frontier).
  void add(uint64_t end, CycleClass c) {
    TPUSIM_ASSERT(end >= frontier_, "timeline interval before the frontier");
    if (end == frontier_) return;
    Piece& last = pieces_.empty() ? dummy_ : pieces_.back();
    if (!pieces_.empty() && !last.bulk && last.cls == c) {
      last.end = end;
    } else {
      Piece p;
      p.begin = frontier_;
      p.end = end;
      p.cls = c;
      pieces_.push_back(p);
    }
    frontier_ = end;
  }
  /// Appends [frontier, frontier + a.total()) holding the cycles `a`, positions unknown.
  void add_bulk(const CycleAccount& a) {
    if (a.total() == 0) return;
    Piece p;
    p.begin = frontier_;
    p.end = frontier_ + a.total();
    p.bulk = true;
    p.account = a;
    pieces_.push_back(p);
    frontier_ = p.end;
  }

  /// The cycles of [0, t) by class; floor() <= t <= frontier(), t not inside a bulk interval.
  CycleAccount cumulative_at(uint64_t t) const {
    TPUSIM_ASSERT(t >= floor() && t <= frontier_, "timeline asked outside what it keeps");
    CycleAccount out = base_;
    for (const Piece& p : pieces_) {
      if (p.begin >= t) break;
      if (p.bulk) {
        TPUSIM_ASSERT(p.end <= t, "an op's span begins or ends inside a stretch the fast-forward skipped");
        out += p.account;
      } else {
        out[p.cls] += std::min(t, p.end) - p.begin;
      }
    }
    return out;
  }

  /// Folds what ends before `t` into the base sum (no question will reach before t).
  void prune_before(uint64_t t) {
    while (!pieces_.empty() && pieces_.front().end <= t) {
      const Piece& p = pieces_.front();
      if (p.bulk) base_ += p.account;
      else base_[p.cls] += p.end - p.begin;
      pieces_.pop_front();
    }
  }

 private:
  struct Piece {
    uint64_t begin = 0, end = 0;
    CycleClass cls = CycleClass::idle;
    bool bulk = false;
    CycleAccount account;
  };
  std::deque<Piece> pieces_;
  Piece dummy_;
  CycleAccount base_;  ///< the cycles of the pruned pieces
  uint64_t frontier_ = 0;
};

}  // namespace tpusim
