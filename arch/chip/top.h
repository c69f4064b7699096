#pragma once
/// The accelerator, elaborated from the architecture config: controller, matrix unit, vector
/// unit, SRAM buffers, DMA engine and DRAM, and with /sparse_core the SparseCore-like unit's DMA
/// and lanes. Instance names are the config keys (top.array, top.dma, top.dram, top.<buffer
/// name>, top.sparse_dma, top.sparse_vector).
#include <memory>
#include <vector>

#include <systemc>

#include "arch/control/controller.h"
#include "arch/control/core_ports.h"
#include "arch/memory/dma_engine.h"
#include "arch/memory/dram/dram.h"
#include "arch/matrix/matrix_unit.h"
#include "arch/control/scoreboard.h"
#include "arch/memory/sram_buffer.h"
#include "arch/vector/vector_unit.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class Top : public sc_core::sc_module, public CorePorts {
 public:
  /// `trace` (may be null) receives every unit's activity. With `fast_forward`, runs of identical
  /// blocks in a periodic state are skipped exactly (arch/control/fast_forward.h); the cycle model
  /// of the array steps every fold, so it turns the fast-forward off.
  Top(sc_core::sc_module_name name, const ArchConfig& arch, ProgramSource& program, TraceSink* trace = nullptr,
      bool fast_forward = true);

  const Controller& controller() const { return *controller_; }
  const IDram& dram() const { return *dram_; }
  const DmaEngine& dma() const { return *dma_; }
  const std::vector<std::unique_ptr<SramBuffer>>& buffers() const { return buffers_; }
  /// Every module's counters, registered under their instance names (top.dram.read_bytes, ...).
  const stats::Registry& stats() const override { return stats_; }

 private:
  UnitQueue& queue(const Instr& instr) override;
  void begin_layer(LayerUnit unit, uint64_t start_cycle) override;
  CycleAccount end_layer(LayerUnit unit, uint64_t end_cycle) override;
  void count_sram(const Instr& instr) override;
  void advance_counters(const stats::Snapshot& delta, uint64_t times, uint64_t cycles) override;
  void begin_graph(OpCounters* ops, CounterRange controller, CounterRange& buffers) override;
  bool matrix_covers(const stats::Snapshot& delta, uint64_t times, uint64_t cycles) const override {
    return matrix_account(delta, times).total() == cycles;
  }
  /// The matrix unit's classes in `times` x `delta`.
  CycleAccount matrix_account(const stats::Snapshot& delta, uint64_t times) const;
  void finish_graph(uint64_t end_cycle) override;
  ClassTimeline& timeline() override { return array_->timeline(); }

  stats::Registry stats_;
  std::unique_ptr<ShiftedTrace> trace_;  ///< null without a trace
  Scoreboard scoreboard_;
  std::unique_ptr<IDram> dram_;
  std::unique_ptr<DmaEngine> dma_;
  std::unique_ptr<MatrixUnit> array_;
  std::unique_ptr<VectorUnit> vector_;
  /// The SparseCore-like unit (null without /sparse_core): its gathers share the DRAM.
  std::unique_ptr<DmaEngine> sparse_dma_;
  std::unique_ptr<VectorUnit> sparse_vector_;
  std::vector<std::unique_ptr<SramBuffer>> buffers_;
  std::unique_ptr<Controller> controller_;
  /// Each module's counters in the registry (for the graph mode's per-op attribution).
  CounterRange array_counters_, vector_counters_, dma_counters_, buffer_counters_, dram_counters_;
  CounterRange sparse_dma_counters_, sparse_vector_counters_;
};

}  // namespace tpusim::arch
