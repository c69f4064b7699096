#include "arch/control/scoreboard.h"

#include <algorithm>

#include "sim/base/error.h"

namespace tpusim::arch {

void Scoreboard::reset() {
  done_.clear();
  registered_ = 0;
  last_completion_ = 0;
}

void Scoreboard::complete(uint64_t id, uint64_t cycle, CycleCategory cause, uint64_t inputs_released,
                          uint64_t weights_released) {
  if (id >= done_.size()) done_.resize(std::max<size_t>(id + 1, done_.size() * 2));
  TPUSIM_ASSERT(done_[id].cycle == kUnknown, "instruction completed twice");
  done_[id] = {cycle, std::min(inputs_released, cycle), std::min(weights_released, cycle), cause};
  ++registered_;
  last_completion_ = std::max(last_completion_, cycle);
  progress_.notify(sc_core::SC_ZERO_TIME);
}

uint64_t Scoreboard::wait_ready(const Instr& instr, CycleCategory* cause) {
  uint64_t ready = 0;
  for (uint8_t i = 0; i < instr.dep_count; ++i) {
    const uint64_t dep = instr.deps[i];
    while (dep >= done_.size() || done_[dep].cycle == kUnknown) sc_core::wait(progress_);
    const Entry& e = done_[dep];
    const bool release = (instr.release_deps >> i) & 1u;
    const uint64_t at = !release ? e.cycle : instr.operand == Operand::weights ? e.weights_released : e.inputs_released;
    if (at >= ready) {
      ready = at;
      if (cause) *cause = e.cause;
    }
  }
  return ready;
}

}  // namespace tpusim::arch
