#include "arch/control/scoreboard.h"

#include <algorithm>
#include <string>

#include "sim/base/error.h"

namespace tpusim::arch {

Scoreboard::Scoreboard(size_t ring_entries) : ring_(ring_entries), mask_(ring_entries - 1) {
  TPUSIM_ASSERT(ring_entries > 0 && (ring_entries & (ring_entries - 1)) == 0, "ring size not a power of two");
}

void Scoreboard::reset() {
  std::fill(ring_.begin(), ring_.end(), Entry{});
  pinned_.clear();
  sweep_at_ = 64;
  registered_ = 0;
  last_completion_ = 0;
}

Scoreboard::Entry* Scoreboard::find(uint64_t id) {
  Entry& e = ring_[id & mask_];
  if (e.id == id) return &e;
  const auto it = pinned_.find(id);
  return it == pinned_.end() ? nullptr : &it->second;
}

bool Scoreboard::needed(const Entry& e) const {
  return e.refs > 0 || e.cycle == kUnknown || (refs_ && refs_->may_reference(e.id));
}

void Scoreboard::sweep() {
  for (auto it = pinned_.begin(); it != pinned_.end();) it = needed(it->second) ? std::next(it) : pinned_.erase(it);
  sweep_at_ = std::max<size_t>(64, 2 * pinned_.size());
}

Scoreboard::Entry& Scoreboard::entry(uint64_t id) {
  if (Entry* e = find(id)) return *e;
  Entry& slot = ring_[id & mask_];
  Entry fresh;
  fresh.id = id;
  if (slot.id != kUnknown && slot.id > id) {  // a newer id holds the slot: this one lives aside
    Entry& aside = pinned_[id];
    aside = fresh;
    return aside;
  }
  if (slot.id != kUnknown && needed(slot)) {
    pinned_[slot.id] = slot;
    if (pinned_.size() >= sweep_at_) sweep();
  }
  slot = fresh;
  return slot;
}

void Scoreboard::reference(const Instr& instr) {
  for (uint8_t i = 0; i < instr.dep_count; ++i) ++entry(instr.deps[i]).refs;
}

void Scoreboard::complete(const Instr& instr, uint64_t cycle, CycleClass cause, const UnitRecord& record,
                          uint64_t inputs_released, uint64_t weights_released) {
  const uint64_t id = instr.id;
  Entry& e = entry(id);
  TPUSIM_ASSERT(e.cycle == kUnknown, "instruction " + std::to_string(id) + " completed twice");
  e.cycle = cycle;
  e.inputs_released = std::min(inputs_released, cycle);
  e.weights_released = std::min(weights_released, cycle);
  e.cause = cause;
  e.op = instr.op;
  if (ff_) ff_->on_complete(instr, cycle, e.inputs_released, e.weights_released, cause, record);
  if (op_observer_) op_observer_->op_progress(instr, record.start, cycle);
  ++registered_;
  last_completion_ = std::max(last_completion_, cycle);
  progress_.notify(sc_core::SC_ZERO_TIME);
}

uint64_t Scoreboard::wait_ready(const Instr& instr, CycleClass* cause, bool* cross_op) {
  uint64_t ready = 0;
  for (uint8_t i = 0; i < instr.dep_count; ++i) {
    const uint64_t dep = instr.deps[i];
    Entry* e = find(dep);
    TPUSIM_ASSERT(e != nullptr && e->refs > 0, "dependency " + std::to_string(dep) + " was not referenced");
    while (e->cycle == kUnknown) {
      sc_core::wait(progress_);
      e = find(dep);  // the entry may have moved aside meanwhile
    }
    const bool release = (instr.release_deps >> i) & 1u;
    const uint64_t at = !release ? e->cycle : instr.operand == Operand::weights ? e->weights_released : e->inputs_released;
    if (at >= ready) {
      ready = at;
      // Waiting on another op's instruction is waiting for its result, unless that result comes
      // from the vector unit (the matrix unit then waits while non-matrix work runs).
      if (cause) *cause = e->op != instr.op && e->cause != CycleClass::non_matrix ? CycleClass::raw_stall : e->cause;
      if (cross_op) *cross_op = e->op != instr.op;
    }
  }
  for (uint8_t i = 0; i < instr.dep_count; ++i) {
    Entry* e = find(instr.deps[i]);
    --e->refs;
    if (e != &ring_[e->id & mask_] && !needed(*e)) pinned_.erase(e->id);
  }
  return ready;
}

}  // namespace tpusim::arch
