#pragma once
/// Each op's share of every registered counter, when ops overlap (graph mode): a unit wraps the
/// few statements in which it updates counters for one instruction in a Scope, which adds the
/// change of the counters it may touch (a few index ranges of the registry) over that stretch to
/// the instruction's op. No unit waits inside a scope (it is closed before any wait), so no other
/// unit's update can fall into it. In barrier mode a layer is a plain snapshot difference and this
/// is not used.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "sim/base/error.h"
#include "sim/base/stats.h"

namespace tpusim::arch {

/// Registry indices [begin, end): the counters one module registered.
struct CounterRange {
  size_t begin = 0, end = 0;
};

class OpCounters {
 public:
  explicit OpCounters(const stats::Registry& registry) : registry_(registry) {}

  /// Adds the change of the counters in `ranges` from construction to close() to `op`.
  class Scope {
   public:
    static constexpr size_t kMaxCounters = 48;
    Scope(OpCounters* counters, uint32_t op, std::initializer_list<CounterRange> ranges)
        : counters_(counters), op_(op) {
      if (!counters_) return;
      for (const CounterRange& r : ranges) {
        TPUSIM_ASSERT(n_ranges_ < ranges_.size(), "too many counter ranges in a scope");
        ranges_[n_ranges_++] = r;
        for (size_t i = r.begin; i < r.end; ++i) {
          TPUSIM_ASSERT(n_ < kMaxCounters, "too many counters in a scope");
          before_[n_++] = counters_->registry_.value(i);
        }
      }
    }
    ~Scope() { close(); }
    /// Ends the scope early (before the unit waits).
    void close() {
      if (!counters_) return;
      size_t k = 0;
      for (size_t r = 0; r < n_ranges_; ++r)
        for (size_t i = ranges_[r].begin; i < ranges_[r].end; ++i)
          counters_->add(op_, i, counters_->registry_.value(i) - before_[k++]);
      counters_ = nullptr;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    OpCounters* counters_;
    uint32_t op_;
    std::array<CounterRange, 4> ranges_{};
    size_t n_ranges_ = 0, n_ = 0;
    std::array<uint64_t, kMaxCounters> before_{};
  };

  /// Adds `times` x `delta` to `op` (the periods the fast-forward skipped inside it).
  void advance(uint32_t op, const stats::Snapshot& delta, uint64_t times) {
    for (size_t i = 0; i < delta.values.size(); ++i) add(op, i, delta.values[i] * times);
  }

  /// The counters of `op` so far (all zero if it has none).
  stats::Snapshot of(uint32_t op) const {
    if (op < ops_.size()) return ops_[op];
    return stats::Snapshot{std::vector<uint64_t>(registry_.size(), 0)};
  }

 private:
  void add(uint32_t op, size_t counter, uint64_t delta) {
    if (delta == 0) return;
    if (op >= ops_.size()) ops_.resize(op + 1, stats::Snapshot{std::vector<uint64_t>(registry_.size(), 0)});
    ops_[op].values[counter] += delta;
  }

  const stats::Registry& registry_;
  std::vector<stats::Snapshot> ops_;
};

}  // namespace tpusim::arch
