#pragma once
/// The systolic matrix unit: one thread that takes matmul folds in order, waits for their
/// operands (and output space), and spends each fold's latency from the analytic timing
/// (arch/matrix/timing) with one wait. Every cycle is attributed to one class, the way TPU v1's
/// performance counters count (sim/base/cycle_account.h; the rules in arch/matrix/README.md).
/// With /array/model "cycle" the layer's folds are also stepped through the register-level
/// model, which must agree cycle for cycle (arch/matrix/array_cycle_run.h). Instance name "array".
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "arch/control/op_counters.h"
#include "arch/matrix/array_cycle_run.h"
#include "arch/matrix/dataflow/dataflow.h"
#include "arch/control/scoreboard.h"
#include "arch/trace.h"
#include "arch/matrix/timing/fold_timing.h"
#include "arch/control/unit_queue.h"
#include "sim/base/class_timeline.h"
#include "sim/base/cycle_account.h"
#include "sim/base/cycle_breakdown.h"
#include "sim/base/stats.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class MatrixUnit : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(MatrixUnit);
  MatrixUnit(sc_core::sc_module_name name, const ArchConfig& arch, Scoreboard& scoreboard, TraceSink* trace);

  UnitQueue& queue() { return queue_; }
  /// Starts attributing cycles of a new layer from `start_cycle`.
  void begin_layer(uint64_t start_cycle);
  /// Ends the layer at `end_cycle` (all its work done); returns its cycles by class, summing to
  /// end_cycle - start_cycle.
  CycleAccount end_layer(uint64_t end_cycle);

  /// Graph mode (no layer barrier): the whole run is one stretch; at its end, classes the last
  /// folds' tail to `end_cycle`.
  /// Cycles after the last folds' tail while the vector unit still works (to `vector_busy_until`)
  /// are non_matrix; the rest waits for the last stores (output_stall).
  void finish_run(uint64_t end_cycle, uint64_t vector_busy_until);
  /// Records the classed intervals of the run (graph mode: ops' windows are read from it).
  void enable_timeline() { timeline_enabled_ = true; }
  const ClassTimeline& timeline() const { return timeline_; }
  ClassTimeline& timeline() { return timeline_; }
  /// The fast-forward skipped `cycles` (reported time) holding `account` at this point of the
  /// unit's attribution: the timeline gets them as one bulk interval.
  void skipped(uint64_t cycles, const CycleAccount& account);

  /// Graph mode: each fold's counter updates go to its op.
  void set_op_counters(OpCounters* c, CounterRange own) {
    op_counters_ = c;
    own_counters_ = own;
  }

  uint64_t folds() const { return folds_; }
  uint64_t macs() const { return macs_; }
  /// Registers folds, macs and the cycles of each class under this module's name.
  void register_stats(stats::Registry& registry);

  /// Cycle mode: creates the VCD file at `path` and traces the corner PEs' registers (call
  /// before sc_start). Throws InputError if the file cannot be created.
  void enable_vcd(const std::string& path);
  /// After the simulation: plays the recorded PE registers into the VCD file (one SystemC time
  /// tick per cycle, after the simulated end), closes it and shifts its times so that time t
  /// is cycle t of the run.
  void write_vcd();

 private:
  void run();
  void replay_vcd();
  /// Attributes the cycles of `s` (scheduled from `mark` with the sequencer's maxima `prev_*`
  /// before it) to classes; `waited_from` is where the fold would have started with its operands
  /// ready at once, `cause` the class of the operand it waited for.
  void account_fold(const timing::FoldSchedule& s, uint64_t mark, uint64_t prev_mac_end, uint64_t prev_outputs_done,
                    const timing::FoldSchedule& unhindered, CycleClass cause, uint64_t macs);

  /// Traced registers of one probed PE.
  struct VcdPe {
    sc_dt::int64 moving_int = 0, stationary_int = 0, result_int = 0;
    double moving = 0, stationary = 0, result = 0;
    bool valid = false;
  };

  ArrayConfig array_;
  const dataflow::DataflowTraits& traits_;  ///< release rule and waveform names of the dataflow
  Scoreboard& scoreboard_;
  TraceSink* trace_;
  UnitQueue queue_;
  std::unique_ptr<timing::FoldSequencer> sequencer_;
  CycleAccount cycles_;       ///< every attributed cycle since elaboration, by class
  CycleAccount layer_start_;  ///< cycles_ when the current layer began
  uint64_t pes_;              ///< rows x cols: MAC steps per cycle of the whole array
  uint64_t mac_carry_ = 0;    ///< MAC steps not yet counted as a whole useful cycle (< pes_)
  /// Cycle mode only: the closed form's own labels (array states), which the stepped model must
  /// reproduce fold by fold.
  CycleBreakdown raw_cycles_, raw_layer_start_;
  OpCounters* op_counters_ = nullptr;
  CounterRange own_counters_;  ///< its counters in the registry
  bool timeline_enabled_ = false;
  ClassTimeline timeline_;        ///< classed intervals in reported cycles (sequencer cycles + offset)
  uint64_t timeline_offset_ = 0;  ///< what the fast-forward skipped before the sequencer's mark
  uint64_t folds_ = 0, macs_ = 0;
  /// /array/preload_shares_ports: the read bandwidth the preload shares with the stream (bytes per
  /// cycle of the buffer holding both operands; 0 = not shared), and the previous fold's stream.
  uint64_t shared_read_bytes_per_cycle_ = 0;
  uint64_t prev_stream_start_ = 0, prev_streamed_bytes_ = 0;
  bool has_prev_fold_ = false;
  /// The earliest cycle a fold's stationary load may start when its preload shares the buffer's
  /// ports with the previous fold's stream (0: no bound).
  uint64_t shared_port_ready(const Instr& instr) const;
  std::unique_ptr<ArrayCycleRun> cycle_;  ///< null with the analytic model
  bool float_types_ = false;
  std::string vcd_path_;
  sc_core::sc_trace_file* vcd_ = nullptr;
  std::vector<VcdPe> vcd_pes_;
  uint64_t vcd_offset_ = 0;
  sc_core::sc_event replay_start_;
};

}  // namespace tpusim::arch
