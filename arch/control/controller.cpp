#include "arch/control/controller.h"

#include <algorithm>

#include "arch/clock_domain.h"
#include "sim/base/error.h"

namespace tpusim::arch {

Controller::Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard,
                       CorePorts& core, TraceSink* trace)
    : sc_module(name), program_(program), scoreboard_(scoreboard), core_(core), trace_(trace) {
  scoreboard_.set_references(this);
  SC_THREAD(run);
}

void Controller::register_stats(stats::Registry& r) {
  r.add(std::string(name()) + ".instructions", stats::Unit::count, "instructions issued to the units' queues",
        &instructions_);
}

void Controller::run() {
  while (program_.next_layer()) {
    LayerTiming t;
    t.start_cycle = now_cycles();
    const stats::Snapshot before = core_.stats().snapshot();
    const bool matrix = program_.layer_is_matrix();
    scoreboard_.reset();
    core_.begin_layer(matrix, t.start_cycle);

    Instr instr;
    uint64_t layer_instructions = 0;
    while (program_.next_instr(instr)) {
      core_.count_sram(instr);
      ++layer_instructions;
      ++instructions_;
      instr.issue_cycle = now_cycles();
      TPUSIM_ASSERT(instr.kind != InstrKind::matmul || matrix, "matmul in a vector layer");
      TPUSIM_ASSERT(instr.kind != InstrKind::vector_op || !matrix, "vector op in a matrix layer");
      scoreboard_.reference(instr);
      core_.queue(instr.kind).push(instr);
    }
    // Barrier: every instruction registered its completion, and that time has come.
    while (scoreboard_.registered() < layer_instructions) wait(scoreboard_.progress());
    t.end_cycle = std::max(now_cycles(), scoreboard_.last_completion());
    wait_until(t.end_cycle);
    t.breakdown = core_.end_layer(matrix, t.end_cycle);
    TPUSIM_ASSERT(t.breakdown.total() == t.end_cycle - t.start_cycle,
                  "cycle breakdown does not sum to the layer's cycles");
    t.counters = stats::difference(core_.stats().snapshot(), before);
    if (trace_) trace_->span(TraceLane::layers, "layer", t.start_cycle, t.end_cycle, layers_.size());
    layers_.push_back(std::move(t));
  }
  finished_ = true;
}

}  // namespace tpusim::arch
