#pragma once
/// The controller: pulls the program layer by layer and issues each instruction, in program
/// order, to the queue of the unit that executes it (DMA loads/stores, matrix unit, vector
/// unit). Units run decoupled and overlap as dependencies and buffer slots allow. Layers are
/// separated by a barrier: a layer ends when all its instructions have completed. At block
/// boundaries the controller may skip periodic runs of identical blocks (fast_forward.h); times it
/// reports (layers, trace) are then shifted by what it skipped.
#include <cstdint>
#include <vector>

#include <systemc>

#include <memory>

#include "arch/control/core_ports.h"
#include "arch/control/fast_forward.h"
#include "arch/control/scoreboard.h"
#include "arch/isa/isa.h"
#include "arch/trace.h"
#include "sim/base/cycle_account.h"

namespace tpusim::arch {

/// What the hardware measured for one layer.
struct LayerTiming {
  uint64_t start_cycle = 0, end_cycle = 0;
  CycleAccount breakdown;  ///< by class, sums to end_cycle - start_cycle
  /// Every registered counter's increase over the layer (indexed as CorePorts::stats()).
  stats::Snapshot counters;
};

class Controller : public sc_core::sc_module, public Scoreboard::References {
 public:
  SC_HAS_PROCESS(Controller);
  /// `fast_forward_trailing`: see FastForward (0: no fast-forward).
  Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard, CorePorts& core,
             ShiftedTrace* trace, uint64_t fast_forward_trailing);

  bool finished() const { return finished_; }
  /// Whether the program may still name `id` (Scoreboard::References).
  bool may_reference(uint64_t id) const override { return program_.may_reference(id); }
  /// Registers instructions (issued) under this module's name.
  void register_stats(stats::Registry& registry);
  const std::vector<LayerTiming>& layers() const { return layers_; }
  /// Blocks the fast-forward skipped (0 without it).
  uint64_t skipped_blocks() const { return ff_ ? ff_->skipped_blocks() : 0; }

 private:
  void run();
  /// At a block boundary: skips what the periodic state allows.
  void try_skip();

  ProgramSource& program_;
  Scoreboard& scoreboard_;
  CorePorts& core_;
  ShiftedTrace* trace_;
  std::unique_ptr<FastForward> ff_;  ///< null without the fast-forward
  uint64_t cycle_offset_ = 0;        ///< reported cycle = SystemC cycle + offset
  std::vector<LayerTiming> layers_;
  bool finished_ = false;
  uint64_t instructions_ = 0;
};

}  // namespace tpusim::arch
