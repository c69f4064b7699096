#pragma once
/// The controller: pulls the program layer by layer and issues each instruction, in program
/// order, to the queue of the unit that executes it (DMA loads/stores, matrix unit, vector
/// unit). Units run decoupled and overlap as dependencies and buffer slots allow. Layers are
/// separated by a barrier: a layer ends when all its instructions have completed.
#include <cstdint>
#include <vector>

#include <systemc>

#include "arch/control/core_ports.h"
#include "arch/control/scoreboard.h"
#include "arch/isa/isa.h"
#include "arch/trace.h"
#include "sim/base/cycle_breakdown.h"

namespace tpusim::arch {

/// What the hardware measured for one layer.
struct LayerTiming {
  uint64_t start_cycle = 0, end_cycle = 0;
  CycleBreakdown breakdown;  ///< sums to end_cycle - start_cycle
  /// Every registered counter's increase over the layer (indexed as CorePorts::stats()).
  stats::Snapshot counters;
};

class Controller : public sc_core::sc_module, public Scoreboard::References {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard, CorePorts& core,
             TraceSink* trace);

  bool finished() const { return finished_; }
  /// Whether the program may still name `id` (Scoreboard::References).
  bool may_reference(uint64_t id) const override { return program_.may_reference(id); }
  /// Registers instructions (issued) under this module's name.
  void register_stats(stats::Registry& registry);
  const std::vector<LayerTiming>& layers() const { return layers_; }

 private:
  void run();

  ProgramSource& program_;
  Scoreboard& scoreboard_;
  CorePorts& core_;
  TraceSink* trace_;
  std::vector<LayerTiming> layers_;
  bool finished_ = false;
  uint64_t instructions_ = 0;
};

}  // namespace tpusim::arch
