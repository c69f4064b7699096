#include "arch/control/controller.h"

#include <algorithm>

#include "arch/clock_domain.h"
#include "sim/base/error.h"

namespace tpusim::arch {

Controller::Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard,
                       CorePorts& core, TraceSink* trace)
    : sc_module(name), program_(program), scoreboard_(scoreboard), core_(core), trace_(trace) {
  SC_THREAD(run);
}

void Controller::run() {
  while (program_.next_layer()) {
    LayerTiming t;
    t.start_cycle = now_cycles();
    const size_t buffers = core_.buffer_count();
    t.sram_read_bytes.assign(buffers, 0);
    t.sram_write_bytes.assign(buffers, 0);
    const CoreCounters before = core_.counters();
    const bool matrix = program_.layer_is_matrix();
    scoreboard_.reset();
    core_.begin_layer(matrix, t.start_cycle);

    Instr instr;
    while (program_.next_instr(instr)) {
      core_.count_sram(instr);
      for (size_t b = 0; b < buffers; ++b) {
        t.sram_read_bytes[b] += instr.sram_read_bytes[b];
        t.sram_write_bytes[b] += instr.sram_write_bytes[b];
      }
      ++t.instructions;
      instr.issue_cycle = now_cycles();
      TPUSIM_ASSERT(instr.kind != InstrKind::matmul || matrix, "matmul in a vector layer");
      TPUSIM_ASSERT(instr.kind != InstrKind::vector_op || !matrix, "vector op in a matrix layer");
      core_.queue(instr.kind).push(instr);
    }
    // Barrier: every instruction registered its completion, and that time has come.
    while (scoreboard_.registered() < t.instructions) wait(scoreboard_.progress());
    t.end_cycle = std::max(now_cycles(), scoreboard_.last_completion());
    wait_until(t.end_cycle);
    t.breakdown = core_.end_layer(matrix, t.end_cycle);
    TPUSIM_ASSERT(t.breakdown.total() == t.end_cycle - t.start_cycle,
                  "cycle breakdown does not sum to the layer's cycles");
    const CoreCounters after = core_.counters();
    t.folds = after.folds - before.folds;
    t.macs = after.macs - before.macs;
    t.vector_cycles = after.vector_cycles - before.vector_cycles;
    t.dram_read_bytes = after.dram_read_bytes - before.dram_read_bytes;
    t.dram_write_bytes = after.dram_write_bytes - before.dram_write_bytes;
    if (trace_) trace_->span(TraceLane::layers, "layer", t.start_cycle, t.end_cycle, layers_.size());
    layers_.push_back(std::move(t));
  }
  finished_ = true;
}

}  // namespace tpusim::arch
