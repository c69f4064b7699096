#pragma once
/// Completion times of instructions, so units can resolve dependencies. A unit registers an
/// instruction's completion cycle when it issues it (the model is loosely timed: the completion is
/// known ahead); waiters compute their ready time from it.
///
/// Memory is bounded by the dependency window, not by the workload. Entries live in a ring indexed
/// by instruction id. Each entry counts the fetched instructions that name it and have not yet
/// resolved their dependencies; when a newer id needs its ring slot, an entry is kept aside
/// ("pinned") only if such an instruction exists or the program may still name it later
/// (References::may_reference: the last users of its buffer-slot rings). Everything else is
/// dropped. The ring's size changes speed only, never a result.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "arch/control/fast_forward.h"
#include "arch/isa/isa.h"
#include "sim/base/cycle_account.h"

namespace tpusim::arch {

class Scoreboard {
 public:
  static constexpr uint64_t kUnknown = UINT64_MAX;

  /// Who knows which ids instructions not yet generated may name.
  class References {
   public:
    virtual ~References() = default;
    virtual bool may_reference(uint64_t id) const = 0;
  };
  /// Who follows ops' spans (graph mode): told of every completion with its start.
  class OpObserver {
   public:
    virtual ~OpObserver() = default;
    virtual void op_progress(const Instr& instr, uint64_t start_cycle, uint64_t end_cycle) = 0;
  };
  void set_op_observer(OpObserver* o) { op_observer_ = o; }

  /// `ring_entries` (a power of two) entries are kept without any lookup.
  explicit Scoreboard(size_t ring_entries = 4096);
  void set_references(const References* refs) { refs_ = refs; }
  /// Completions are also reported to the periodic fast-forward (null: none).
  void set_fast_forward(FastForward* ff) { ff_ = ff; }

  /// Starts a new layer (instruction ids restart at 0).
  void reset();
  /// The controller fetched `instr`: its dependencies are kept until it has resolved them.
  void reference(const Instr& instr);
  /// Records `instr` (of class `cause` when waited for) completing at `cycle`, having released its
  /// input and weight buffer slots at the given cycles (kUnknown: at completion); `record` holds
  /// the times its unit kept (for the fast-forward).
  void complete(const Instr& instr, uint64_t cycle, CycleClass cause, const UnitRecord& record,
                uint64_t inputs_released = kUnknown, uint64_t weights_released = kUnknown);
  /// Blocks the calling thread until every dependency of `instr` (referenced before) is
  /// registered; returns the cycle when the last completes and, via `cause`, the stall class of
  /// that last one: its own class, or raw_stall when it belongs to another op (a result of an
  /// earlier op) and is not vector work. The dependencies are then no longer referenced by `instr`.
  /// `cross_op` (optional) tells whether that last one belongs to another op.
  uint64_t wait_ready(const Instr& instr, CycleClass* cause, bool* cross_op = nullptr);
  uint64_t registered() const { return registered_; }
  /// Latest completion registered in this layer.
  uint64_t last_completion() const { return last_completion_; }
  sc_core::sc_event& progress() { return progress_; }
  /// Entries kept aside because a newer id took their ring slot while they could still be named.
  size_t pinned() const { return pinned_.size(); }

 private:
  struct Entry {
    uint64_t id = kUnknown;
    uint64_t cycle = kUnknown;  ///< kUnknown: referenced, not yet registered
    uint64_t inputs_released = kUnknown, weights_released = kUnknown;
    uint32_t refs = 0;          ///< fetched instructions naming it, not yet resolved
    CycleClass cause = CycleClass::idle;
    uint32_t op = 0;
  };
  /// The entry of `id` (registered or referenced), else null.
  Entry* find(uint64_t id);
  /// The entry of `id`, created empty (in its ring slot, or aside) if there is none.
  Entry& entry(uint64_t id);
  /// Whether `e` must survive losing its ring slot.
  bool needed(const Entry& e) const;
  /// Drops pinned entries no longer needed (amortized: when the set has doubled).
  void sweep();

  std::vector<Entry> ring_;
  uint64_t mask_;
  std::unordered_map<uint64_t, Entry> pinned_;
  size_t sweep_at_ = 64;
  const References* refs_ = nullptr;
  FastForward* ff_ = nullptr;
  OpObserver* op_observer_ = nullptr;
  uint64_t registered_ = 0;
  uint64_t last_completion_ = 0;
  sc_core::sc_event progress_;
};

}  // namespace tpusim::arch
