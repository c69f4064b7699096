#pragma once
/// The controller: pulls the program op by op and issues each instruction, in program order, to
/// the queue of the unit that executes it (DMA loads/stores, matrix unit, vector unit). Units run
/// decoupled and overlap as dependencies and buffer slots allow. With /core/layer_barrier a layer
/// ends when all its instructions have completed and the next begins then; without it the
/// controller issues across op boundaries (graph mode) and each op's span runs from its first
/// instruction's start to its last completion (arch/control/README.md). At block
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

class Controller : public sc_core::sc_module, public Scoreboard::References, public Scoreboard::OpObserver {
 public:
  SC_HAS_PROCESS(Controller);
  /// `fast_forward_trailing`: see FastForward (0: no fast-forward). `barrier`: /core/layer_barrier.
  Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard, CorePorts& core,
             ShiftedTrace* trace, uint64_t fast_forward_trailing, bool barrier);

  bool finished() const { return finished_; }
  /// Whether the program may still name `id` (Scoreboard::References).
  bool may_reference(uint64_t id) const override { return program_.may_reference(id); }
  /// Registers instructions (issued) under this module's name.
  void register_stats(stats::Registry& registry);
  /// Graph mode: the registry range of the buffers' counters, which issuing updates too.
  void set_buffer_counters(CounterRange buffers) { buffer_counters_ = buffers; }
  const std::vector<LayerTiming>& layers() const { return layers_; }
  /// Graph mode: the end of the run (reported cycles).
  uint64_t makespan_cycles() const { return makespan_; }
  /// Graph mode: a completion of an op's instruction (Scoreboard::OpObserver).
  void op_progress(const Instr& instr, uint64_t start_cycle, uint64_t end_cycle) override;
  /// Blocks the fast-forward skipped (0 without it).
  uint64_t skipped_blocks() const { return ff_ ? ff_->skipped_blocks() : 0; }

 private:
  void run();
  void run_barrier();
  void run_graph();
  /// Queues `instr` to its unit (counting it, the fast-forward told); waits while the queue is full.
  void issue(Instr& instr);
  /// At a block boundary between instructions (`in_block`: one was issued since the last).
  void end_block(bool& in_block);
  /// The current layer's next instruction into `instr`, numbered with its block (`block` counts
  /// blocks, `in_block` says whether one is open; a block boundary closes it first); false at the
  /// layer's end.
  bool fetch(Instr& instr, uint64_t& block, bool& in_block);
  /// Graph mode: works out the class accounts of op spans the timeline has reached; `final`: the
  /// run is over (every span is complete).
  void settle_ops(bool final);
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
  bool barrier_;
  uint64_t makespan_ = 0;

  /// Graph mode: an op's span and what the matrix unit did during it.
  struct OpSpan {
    uint64_t start = UINT64_MAX, end = 0;  ///< reported cycles
    uint64_t pushed = 0, done = 0;
    bool closed = false;                   ///< every instruction of it has been issued
    bool start_pending = false;            ///< at_start not yet taken for `start`
    bool settled = false;                  ///< its account is final
    CycleAccount at_start, account;
  };
  std::vector<OpSpan> ops_;
  std::unique_ptr<OpCounters> op_counters_;
  CounterRange own_counters_, buffer_counters_;  ///< set by register_stats and begin_graph
};

}  // namespace tpusim::arch
