#pragma once
/// Periodic fast-forward: a layer of millions of identical folds does not cost millions of events.
/// Pure C++ (no SystemC); the controller drives it (arch/control/README.md has the argument).
///
/// The model is deterministic and exactly translation-invariant in time (every timeline is
/// integer: DRAM in exact ticks, SRAM ports, the fold closed forms). Instructions come in blocks
/// (a fold with its loads and stores). For every block the detector hashes what each of its
/// instructions did, relative to the block's reference cycle (when its first instruction was
/// queued): the instruction itself with its dependency distances, its issue, completion and
/// release cycles, and the times its unit computed and kept as state (UnitRecord). When blocks
/// retire (all their instructions processed), a block whose hash equals that of the block P
/// earlier, with the same time shift as its predecessor, extends a periodic run. Once such a run
/// covers the model's memory (the blocks that can be queued or held, plus the dependency distance:
/// every value the state holds was produced by an event of those blocks), the state when the
/// block after the run was queued equals the state P blocks before, shifted, so the model is in a
/// periodic state: from there it repeats with period P, shifted by
/// the same number of cycles each period, for as long as its input (the program) repeats. Then k
/// blocks that the program guarantees identical can be skipped: reported time advances by k/P
/// shifts, every counter by k/P times its increase over the last period, and the program jumps k
/// blocks ahead; nothing in the simulation itself moves. The blocks in flight at the skip are
/// checked to keep the period (InternalError otherwise), and a test compares every report with
/// and without the fast-forward on random layers.
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "arch/isa/isa.h"
#include "arch/trace.h"
#include "sim/base/cycle_account.h"
#include "sim/base/stats.h"

namespace tpusim::arch {

/// What processing one instruction left in its unit: absolute cycles the unit computed and keeps
/// (they shift with the model), and words that are already relative (such as the DRAM's bus state
/// relative to the claim cycle).
struct UnitRecord {
  static constexpr size_t kMax = 14;
  uint64_t start = 0;  ///< when the instruction began to occupy its unit (an op's span begins there)
  std::array<uint64_t, kMax> cycles{};
  std::array<int64_t, 3> relative{};  ///< cause, MAC carry, a shared-port preload's streamed bytes
  uint8_t cycle_count = 0, relative_count = 0;
  void cycle(uint64_t c) { cycles[cycle_count++] = c; }
  void rel(int64_t r) { relative[relative_count++] = r; }
};

/// A trace sink that shifts times and ids by what the fast-forward skipped, so that a timeline
/// reads as if every block had been simulated.
class ShiftedTrace : public TraceSink {
 public:
  explicit ShiftedTrace(TraceSink* sink) : sink_(sink) {}
  void span(TraceLane lane, const char* name, uint64_t start_cycle, uint64_t end_cycle, uint64_t id,
            uint32_t op) override {
    const uint64_t shown_id = lane == TraceLane::layers ? id : id + id_offset_;
    sink_->span(lane, name, start_cycle + cycle_offset_, end_cycle + cycle_offset_, shown_id, op);
  }
  void shift(uint64_t cycles, uint64_t ids) {
    cycle_offset_ += cycles;
    id_offset_ += ids;
  }
  TraceSink* sink() const { return sink_; }

 private:
  TraceSink* sink_;
  uint64_t cycle_offset_ = 0, id_offset_ = 0;
};

class FastForward {
 public:
  /// `trailing_blocks`: how many blocks before the oldest unfinished one can still have left
  /// values in the state (the DMA's descriptors in flight, a unit's last instruction).
  FastForward(uint64_t trailing_blocks, std::function<stats::Snapshot()> snapshot);

  /// Starts a layer: nothing of the previous one carries over (layers are separated by a barrier).
  void begin_layer();
  /// The controller queues `instr` (instr.block set; a block's instructions have consecutive ids).
  void on_push(const Instr& instr);
  /// Every instruction of the current block has been queued.
  void close_block();
  /// A unit registered `instr`'s completion; `record` holds what its processing left behind.
  void on_complete(const Instr& instr, uint64_t cycle, uint64_t inputs_released, uint64_t weights_released,
                   CycleClass cause, const UnitRecord& record);

  struct Skip {
    uint64_t blocks = 0;         ///< blocks skipped (a multiple of the period)
    uint64_t cycles = 0;         ///< reported time they take
    uint64_t instructions = 0;   ///< instructions they hold
    uint64_t periods = 0;        ///< times `delta` is added to the counters
    stats::Snapshot delta;       ///< every counter's increase over one period
  };
  /// At a block boundary, with `identical_ahead` blocks identical to the last one to come: the
  /// skip the model's periodic state allows, if any (it records that the skip was taken).
  /// `allowed` may veto a skip it would otherwise take.
  std::optional<Skip> plan_skip(uint64_t identical_ahead, const std::function<bool(const Skip&)>& allowed);

  /// Blocks skipped so far (all layers), for reports and tests.
  uint64_t skipped_blocks() const { return skipped_blocks_; }

  static constexpr uint64_t kMaxPeriod = 256;  ///< longest period looked for, in blocks

 private:
  struct OpenBlock {
    uint64_t block = 0, first_id = 0, t_ref = 0;
    uint64_t pushed = 0, completed = 0;
    uint64_t content = 0;    ///< hash of the instructions as queued
    uint64_t behaviour = 0;  ///< sum of the instructions' hashes, relative to t_ref
    uint64_t max_dep_distance = 0;
    uint64_t lag = 0;  ///< blocks between it and the oldest unfinished block when it was queued
    bool closed = false;
  };
  struct Retired {
    uint64_t block = 0, signature = 0, content = 0, t_ref = 0, instructions = 0, max_dep_distance = 0;
    stats::Snapshot counters;  ///< the registry when the block retired
  };
  OpenBlock& open(uint64_t block);
  void retire(const OpenBlock& b);
  const Retired& back(size_t p) const { return history_[history_.size() - 1 - p]; }

  uint64_t trailing_;
  std::function<stats::Snapshot()> snapshot_;
  std::deque<OpenBlock> open_;       ///< blocks queued and not yet retired, oldest first
  std::deque<Retired> history_;      ///< the last retired blocks, oldest first
  std::vector<uint64_t> run_, shift_;  ///< by period P: run length and time shift
  static constexpr size_t kHistory = 1024;  ///< a power of two > 2 kMaxPeriod + 1
  std::vector<uint64_t> signatures_, t_refs_;  ///< of the last retired blocks, by block % kHistory
  uint64_t content_run_ = 0;         ///< closed blocks in a row with the last one's content
  uint64_t last_content_ = 0;
  uint64_t run_lag_ = 0;             ///< the largest lag of the blocks of that content run
  uint64_t check_until_block_ = 0;   ///< blocks up to it were in flight at a skip: must keep the period
  uint64_t checked_period_ = 0;
  uint64_t skipped_blocks_ = 0;
};

}  // namespace tpusim::arch
