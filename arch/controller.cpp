#include "arch/controller.h"

#include <algorithm>

#include "arch/clock.h"
#include "sim/base/error.h"

namespace tpusim::arch {

Controller::Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard,
                       DmaEngine& dma, MatrixUnit& matrix, VectorUnit& vector, std::vector<SramBuffer*> buffers,
                       Dram& dram, TraceSink* trace)
    : sc_module(name),
      program_(program),
      scoreboard_(scoreboard),
      dma_(dma),
      matrix_(matrix),
      vector_(vector),
      buffers_(std::move(buffers)),
      dram_(dram),
      trace_(trace) {
  SC_THREAD(run);
}

void Controller::run() {
  while (program_.next_layer()) {
    LayerTiming t;
    t.start_cycle = now_cycles();
    t.sram_read_bytes.assign(buffers_.size(), 0);
    t.sram_write_bytes.assign(buffers_.size(), 0);
    const uint64_t dram_read0 = dram_.read_bytes(), dram_write0 = dram_.write_bytes();
    const uint64_t folds0 = matrix_.folds(), macs0 = matrix_.macs(), vec0 = vector_.busy_cycles();
    const bool matrix = program_.layer_is_matrix();
    scoreboard_.reset();
    matrix ? matrix_.begin_layer(t.start_cycle) : vector_.begin_layer(t.start_cycle);

    Instr instr;
    while (program_.next_instr(instr)) {
      for (size_t b = 0; b < buffers_.size(); ++b) {
        buffers_[b]->count(instr.sram_read_bytes[b], instr.sram_write_bytes[b]);
        t.sram_read_bytes[b] += instr.sram_read_bytes[b];
        t.sram_write_bytes[b] += instr.sram_write_bytes[b];
      }
      ++t.instructions;
      instr.issue_cycle = now_cycles();
      switch (instr.kind) {
        case InstrKind::load: dma_.loads().push(instr); break;
        case InstrKind::store: dma_.stores().push(instr); break;
        case InstrKind::matmul:
          TPUSIM_ASSERT(matrix, "matmul in a vector layer");
          matrix_.queue().push(instr);
          break;
        case InstrKind::vector_op:
          TPUSIM_ASSERT(!matrix, "vector op in a matrix layer");
          vector_.queue().push(instr);
          break;
      }
    }
    // Barrier: every instruction registered its completion, and that time has come.
    while (scoreboard_.registered() < t.instructions) wait(scoreboard_.progress());
    t.end_cycle = std::max(now_cycles(), scoreboard_.last_completion());
    wait_until(t.end_cycle);
    t.breakdown = matrix ? matrix_.end_layer(t.end_cycle) : vector_.end_layer(t.end_cycle);
    TPUSIM_ASSERT(t.breakdown.total() == t.end_cycle - t.start_cycle,
                  "cycle breakdown does not sum to the layer's cycles");
    t.folds = matrix_.folds() - folds0;
    t.macs = matrix_.macs() - macs0;
    t.vector_cycles = vector_.busy_cycles() - vec0;
    t.dram_read_bytes = dram_.read_bytes() - dram_read0;
    t.dram_write_bytes = dram_.write_bytes() - dram_write0;
    if (trace_) trace_->span(TraceLane::layers, "layer", t.start_cycle, t.end_cycle, layers_.size());
    layers_.push_back(std::move(t));
  }
  finished_ = true;
}

}  // namespace tpusim::arch
