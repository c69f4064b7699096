#include "arch/control/controller.h"

#include <algorithm>

#include "arch/clock_domain.h"
#include "sim/base/error.h"

namespace tpusim::arch {

Controller::Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard,
                       CorePorts& core, ShiftedTrace* trace, uint64_t fast_forward_trailing)
    : sc_module(name), program_(program), scoreboard_(scoreboard), core_(core), trace_(trace) {
  scoreboard_.set_references(this);
  if (fast_forward_trailing > 0) {
    ff_ = std::make_unique<FastForward>(fast_forward_trailing, [this] { return core_.stats().snapshot(); });
    scoreboard_.set_fast_forward(ff_.get());
  }
  SC_THREAD(run);
}

void Controller::register_stats(stats::Registry& r) {
  r.add(std::string(name()) + ".instructions", stats::Unit::count, "instructions issued to the units' queues",
        &instructions_);
}

void Controller::try_skip() {
  const auto skip = ff_->plan_skip(program_.identical_blocks_ahead());
  if (!skip) return;
  const uint64_t now = now_cycles();
  program_.skip_blocks(skip->blocks);
  core_.advance_counters(skip->delta, skip->periods);
  if (trace_) {
    trace_->sink()->span(TraceLane::array, "fast-forward", now + cycle_offset_, now + cycle_offset_ + skip->cycles,
                         skip->blocks);
    trace_->shift(skip->cycles, skip->instructions);
  }
  cycle_offset_ += skip->cycles;
}

void Controller::run() {
  while (program_.next_layer()) {
    LayerTiming t;
    const uint64_t start = now_cycles();
    t.start_cycle = start + cycle_offset_;
    const stats::Snapshot before = core_.stats().snapshot();
    const bool matrix = program_.layer_is_matrix();
    scoreboard_.reset();
    core_.begin_layer(matrix, start);
    if (ff_) ff_->begin_layer();

    Instr instr;
    uint64_t layer_instructions = 0, block = 0;
    bool in_block = false;
    for (;;) {
      if (in_block && program_.at_block_boundary()) {
        in_block = false;
        if (ff_) {
          ff_->close_block();
          try_skip();
        }
      }
      if (!program_.next_instr(instr)) break;
      if (!in_block) {
        ++block;
        in_block = true;
      }
      instr.block = block;
      core_.count_sram(instr);
      ++layer_instructions;
      ++instructions_;
      instr.issue_cycle = now_cycles();
      TPUSIM_ASSERT(instr.kind != InstrKind::matmul || matrix, "matmul in a vector layer");
      TPUSIM_ASSERT(instr.kind != InstrKind::vector_op || !matrix, "vector op in a matrix layer");
      scoreboard_.reference(instr);
      if (ff_) ff_->on_push(instr);
      core_.queue(instr.kind).push(instr);
    }
    if (ff_) ff_->close_block();
    // Barrier: every instruction registered its completion, and that time has come.
    while (scoreboard_.registered() < layer_instructions) wait(scoreboard_.progress());
    const uint64_t end = std::max(now_cycles(), scoreboard_.last_completion());
    wait_until(end);
    t.end_cycle = end + cycle_offset_;
    t.breakdown = core_.end_layer(matrix, end);
    TPUSIM_ASSERT(t.breakdown.total() == t.end_cycle - t.start_cycle,
                  "cycle breakdown does not sum to the layer's cycles");
    t.counters = stats::difference(core_.stats().snapshot(), before);
    if (trace_) trace_->sink()->span(TraceLane::layers, "layer", t.start_cycle, t.end_cycle, layers_.size());
    layers_.push_back(std::move(t));
  }
  finished_ = true;
}

}  // namespace tpusim::arch
