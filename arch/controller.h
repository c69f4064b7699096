#pragma once
/// The controller: pulls the program layer by layer and issues each instruction, in program
/// order, to the queue of the unit that executes it (DMA loads/stores, matrix unit, vector
/// unit). Units run decoupled and overlap as dependencies and buffer slots allow. Layers are
/// separated by a barrier: a layer ends when all its instructions have completed.
#include <cstdint>
#include <vector>

#include <systemc>

#include "arch/dma_engine.h"
#include "arch/isa.h"
#include "arch/matrix_unit.h"
#include "arch/scoreboard.h"
#include "arch/sram_buffer.h"
#include "arch/vector_unit.h"
#include "sim/base/cycle_breakdown.h"

namespace tpusim::arch {

/// What the hardware measured for one layer.
struct LayerTiming {
  uint64_t start_cycle = 0, end_cycle = 0;
  CycleBreakdown breakdown;  ///< sums to end_cycle - start_cycle
  uint64_t instructions = 0, folds = 0, macs = 0, vector_cycles = 0;
  uint64_t dram_read_bytes = 0, dram_write_bytes = 0;
  std::vector<uint64_t> sram_read_bytes, sram_write_bytes;  ///< by buffer index
};

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard, DmaEngine& dma,
             MatrixUnit& matrix, VectorUnit& vector, std::vector<SramBuffer*> buffers, Dram& dram,
             TraceSink* trace);

  bool finished() const { return finished_; }
  const std::vector<LayerTiming>& layers() const { return layers_; }

 private:
  void run();

  ProgramSource& program_;
  Scoreboard& scoreboard_;
  DmaEngine& dma_;
  MatrixUnit& matrix_;
  VectorUnit& vector_;
  std::vector<SramBuffer*> buffers_;
  Dram& dram_;
  TraceSink* trace_;
  std::vector<LayerTiming> layers_;
  bool finished_ = false;
};

}  // namespace tpusim::arch
