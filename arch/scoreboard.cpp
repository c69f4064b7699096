#include "arch/scoreboard.h"

#include <algorithm>

#include "sim/base/error.h"

namespace tpusim::arch {

void Scoreboard::reset() {
  done_.clear();
  registered_ = 0;
  last_completion_ = 0;
}

void Scoreboard::complete(uint64_t id, uint64_t cycle, CycleCategory cause) {
  if (id >= done_.size()) done_.resize(std::max<size_t>(id + 1, done_.size() * 2));
  TPUSIM_ASSERT(done_[id].cycle == kUnknown, "instruction completed twice");
  done_[id] = {cycle, cause};
  ++registered_;
  last_completion_ = std::max(last_completion_, cycle);
  progress_.notify(sc_core::SC_ZERO_TIME);
}

uint64_t Scoreboard::wait_ready(const Instr& instr, CycleCategory* cause) {
  uint64_t ready = 0;
  for (uint8_t i = 0; i < instr.dep_count; ++i) {
    const uint64_t dep = instr.deps[i];
    while (dep >= done_.size() || done_[dep].cycle == kUnknown) sc_core::wait(progress_);
    if (done_[dep].cycle >= ready) {
      ready = done_[dep].cycle;
      if (cause) *cause = done_[dep].cause;
    }
  }
  return ready;
}

}  // namespace tpusim::arch
