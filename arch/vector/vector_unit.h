#pragma once
/// The vector unit for non-matrix ops (pooling, activations, softmax, layernorm, add): one
/// thread that takes vector ops in order and is busy `vector_cycles` for each (lanes elements
/// per cycle, computed by the mapper). Instance name "vector".
#include <cstdint>

#include <systemc>

#include "arch/control/op_counters.h"
#include "arch/control/scoreboard.h"
#include "arch/trace.h"
#include "arch/control/unit_queue.h"
#include "sim/base/cycle_account.h"
#include "sim/base/stats.h"

namespace tpusim::arch {

class VectorUnit : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(VectorUnit);
  VectorUnit(sc_core::sc_module_name name, Scoreboard& scoreboard, TraceSink* trace);

  UnitQueue& queue() { return queue_; }
  void begin_layer(uint64_t start_cycle);
  /// The layer's cycles [start, end_cycle) by class, as the matrix unit sees them while the layer
  /// runs here: busy -> non_matrix, waiting -> the stall of the last dependency, the end -> output_stall.
  CycleAccount end_layer(uint64_t end_cycle);
  uint64_t busy_cycles() const { return busy_cycles_; }
  /// The end of the last vector op it has taken.
  uint64_t busy_until() const { return mark_; }
  /// Graph mode: each vector op's counter updates go to its op.
  void set_op_counters(OpCounters* c, CounterRange own) {
    op_counters_ = c;
    own_counters_ = own;
  }
  /// Registers busy_cycles and the cycles of each category under this module's name.
  void register_stats(stats::Registry& registry);

 private:
  void run();

  Scoreboard& scoreboard_;
  TraceSink* trace_;
  UnitQueue queue_;
  uint64_t mark_ = 0;  ///< cycles before this are attributed
  CycleAccount cycles_;       ///< every attributed cycle since elaboration, by class
  CycleAccount layer_start_;  ///< cycles_ when the current layer began
  uint64_t busy_cycles_ = 0;
  OpCounters* op_counters_ = nullptr;
  CounterRange own_counters_;  ///< its counters in the registry
};

}  // namespace tpusim::arch
