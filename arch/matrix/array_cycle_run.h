#pragma once
/// The matrix unit's cycle mode: the register-level PE array model (arch/matrix/cycle_model/pe_array.h) run
/// over each layer's folds with the same operand-ready cycles the unit scheduled them with.
///
/// Why per layer and not per fold: the unit must know a fold's end (to take the next fold) before
/// the next fold is known, while the stepped model cannot step a cycle in which that next fold
/// might already start (a hidden load starts before the current fold's end). The closed form has
/// no such problem, so the unit schedules with it, records every fold, and at the end of the layer
/// steps them all through the register-level model. Every fold's load, stream, anchor, end and
/// output times and its cycle labels must then equal the closed form's (InternalError otherwise),
/// the model's results are checked against a reference (`/array/verify_results`), and the layer's
/// breakdown is the stepped model's.
#include <cstdint>
#include <utility>
#include <vector>

#include "arch/matrix/timing/fold_timing.h"
#include "arch/matrix/cycle_model/pe_array.h"
#include "sim/base/cycle_breakdown.h"
#include "sim/spec/arch_config.h"

namespace tpusim::arch {

class ArrayCycleRun {
 public:
  explicit ArrayCycleRun(const ArchConfig& arch);

  void begin_layer(uint64_t start_cycle);
  /// One fold as the unit scheduled it: its true operand-ready cycle and the closed form's
  /// schedule (absolute cycles).
  void record(const timing::FoldShape& fold, uint64_t ready_cycle, const timing::FoldSchedule& analytic);
  /// Steps the layer's folds and checks them against the closed form: every fold's events and
  /// array-state labels, and the layer's labels of [start, end) (`analytic`, with the final wait
  /// labelled output_stall). InternalError on any difference.
  void end_layer(uint64_t end_cycle, const CycleBreakdown& analytic);

  /// Records the registers of the array's corner PEs on every stepped cycle (for a waveform).
  void enable_probes();
  const std::vector<std::pair<uint32_t, uint32_t>>& probe_pes() const { return probe_pes_; }
  /// Recorded samples: cycle k is sample_cycles()[k] (absolute), its PEs' registers
  /// samples()[k * probe_pes().size() + p]. Only cycles where a register changed are kept.
  const std::vector<uint64_t>& sample_cycles() const { return sample_cycles_; }
  const std::vector<timing::PeProbeSample>& samples() const { return samples_; }

  uint64_t stepped_pe_cycles() const { return stepped_pe_cycles_; }

 private:
  struct Record {
    timing::FoldShape fold;
    uint64_t ready_cycle;
    timing::FoldSchedule analytic;
  };

  ArrayConfig array_;
  timing::PeDataTypes types_;
  uint64_t start_cycle_ = 0;
  uint64_t layer_index_ = 0;
  std::vector<Record> records_;
  std::vector<std::pair<uint32_t, uint32_t>> probe_pes_;
  std::vector<uint64_t> sample_cycles_;
  std::vector<timing::PeProbeSample> samples_;
  uint64_t stepped_pe_cycles_ = 0;
};

}  // namespace tpusim::arch
