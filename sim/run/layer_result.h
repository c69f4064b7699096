#pragma once
/// What a run measured for one layer and for the whole workload: plain counters filled by the
/// timing model (native SystemC model or a compatibility mode); ratios and energies are derived
/// when reports are written.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/cycle_account.h"
#include "sim/base/stats.h"
#include "sim/compat/scalesim/scalesim_v2.h"
#include "sim/spec/workload.h"

namespace tpusim {

/// How SCALE-Sim v2 ran a matrix layer: the GEMM of one group (or GEMM copy), its CALC-mode
/// numbers for that copy (percentages exactly as SCALE-Sim prints them) and the number of copies.
struct ScalesimMapping {
  arch::timing::ScalesimGemm gemm;
  arch::timing::ScalesimLayerStats stats;
  uint64_t copies = 1;
};

/// The costs a chip adds to an op around its simulated folds (arch/chip/README.md): each is
/// serial, the matrix units do not run meanwhile. Present when the architecture has any of them.
struct ChipCosts {
  uint64_t kernel_cycles = 0;          ///< /chip/kernel_overhead_ns in core cycles (not for fused ops)
  uint64_t convert_in_elements = 0;    ///< streamed-operand elements converted to /array/native_type
  uint64_t convert_in_cycles = 0;
  uint64_t writeback_elements = 0;     ///< results taken from the accumulators to the output buffer
  uint64_t writeback_cycles = 0;
  uint64_t total() const { return kernel_cycles + convert_in_cycles + writeback_cycles; }
};

struct LayerResult {
  std::string name;
  OpKind op = OpKind::gemm;
  GemmShape gemm;                 ///< matrix ops: the lowered GEMM (count = groups/heads)
  uint64_t cycles = 0;            ///< layer cycles, core clock: end_cycle - start_cycle
  /// Its span in the run (core clock): barrier mode, from the barrier before it to its end; graph
  /// mode, from its first instruction's start to its last completion (spans overlap).
  uint64_t start_cycle = 0, end_cycle = 0;
  uint64_t compute_cycles = 0;    ///< useful_mac + unused_mac + weight_shift + non_matrix
  uint64_t stall_cycles = 0;      ///< weight, input, raw and output stall
  uint64_t macs = 0;              ///< useful MACs (0 for vector ops)
  /// MACs under sparsity (sim/mapper/sparsity.h), in the units of `macs`: executed = MACs the
  /// PEs stepped through (N:M zeros skipped), effective = MACs with both operands nonzero (the
  /// rest are gated). Both equal `macs` for a dense layer.
  double executed_macs = 0, effective_macs = 0;
  uint64_t vector_ops = 0;        ///< lane-operations on the vector unit
  uint64_t folds = 0;             ///< matmul folds (tile operations) executed
  double mapping_efficiency = 0;  ///< mean share of PEs mapped per fold, 0..1
  /// SCALE-Sim's Compute Util (0..1), only in scalesim-v2 timing.
  std::optional<double> compute_utilization;
  /// Utilization override: scalesim-v2 reports SCALE-Sim's own Overall Util; native derives it.
  std::optional<double> utilization_override;
  uint64_t dram_read_bytes = 0;
  uint64_t dram_write_bytes = 0;
  /// SRAM traffic per buffer name: bytes in native timing, words in scalesim-v2 (1-byte words).
  std::map<std::string, uint64_t> sram_reads;
  std::map<std::string, uint64_t> sram_writes;
  CycleAccount breakdown;         ///< by class, sums to `cycles`
  /// Every counter of the stats registry over the layer, by full name, in registration order
  /// (native timing; empty in compatibility modes).
  std::vector<std::pair<std::string, uint64_t>> counters;
  /// A compatibility mode's notes on how it ran the layer (SCALE-Sim's view of it, settings it
  /// ignores), echoed in the report's `mapping`. The native mapper's choices are in the
  /// MappedWorkload.
  std::map<std::string, std::string> notes;
  /// The chip's costs around the op (native timing, when the architecture has any).
  std::optional<ChipCosts> chip;
  /// How SCALE-Sim ran a matrix layer (scalesim-v2 timing only).
  std::optional<ScalesimMapping> scalesim;
};

struct RunResult {
  std::vector<LayerResult> layers;
  /// The stats registry's counters (name, unit, description) in registration order, the order of
  /// every layer's `counters` (native timing; empty in compatibility modes).
  std::vector<stats::CounterInfo> counters;
  /// Every counter over the whole run (the registry when the run ended), in `counters`' order. In
  /// graph mode ops overlap: the matrix unit's class counters of an op are those of its span, so
  /// only this total is the run's; the other counters are the sums of the ops'.
  std::vector<uint64_t> total_counters;
  /// Folds (vector chunks) the periodic fast-forward skipped: not part of any report, which is
  /// the same with and without it.
  uint64_t skipped_blocks = 0;
  /// Graph mode (ops overlap): the run's end, and the matrix unit's classes over the whole run.
  /// Unset in barrier and compatibility modes, where the totals are the layers' sums.
  std::optional<uint64_t> makespan_cycles;
  std::optional<CycleAccount> total_breakdown;
};

}  // namespace tpusim
