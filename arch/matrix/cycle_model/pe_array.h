#pragma once
/// Register-level, cycle-stepped model of the systolic PE array (pure C++, no SystemC).
///
/// It moves real operand values with the systolic skew of the configured dataflow, computes
/// with the configured datatypes and produces the real output tile; its timing is the reference
/// the analytic FoldSequencer (fold_timing.h) must match cycle for cycle. The microarchitecture
/// (where operands enter, how the stationary operand is shifted in and swapped, how results
/// leave) is described in arch/matrix/timing/DERIVATION.md.
///
/// One loop steps the whole R x C array each cycle over contiguous register arrays (unused PEs
/// are stepped too, so they cannot change the timing). A small controller starts each fold's
/// stationary load and stream when the resources it needs are free (per-row/column injection
/// ports, the shadow registers, the accumulators' drain chain), as hardware would.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "arch/matrix/timing/fold_timing.h"
#include "sim/base/cycle_breakdown.h"
#include "sim/spec/arch_config.h"
#include "sim/spec/types.h"

namespace tpusim::arch::timing {

/// Numeric formats of the array. Supported: integer inputs (int4, int8, int16, int32) with an
/// int32 accumulator, or int64 with `int64_accumulator` (two's-complement wrap-around, as
/// hardware); float inputs (bf16, fp16, fp32) with an fp32 accumulator (bf16/fp16 operands are
/// rounded to nearest-even from the given values before entering the array).
struct PeDataTypes {
  DataType input = DataType::int8;
  DataType weight = DataType::int8;
  DataType accumulator = DataType::int32;
  /// 64-bit integer accumulator (accumulator must be int32: DataType has no int64 yet).
  bool int64_accumulator = false;
};

/// A row-major matrix of accumulator values.
struct GemmOutput {
  uint64_t rows = 0, cols = 0;
  bool is_float = false;
  std::vector<int64_t> ints;   ///< integer accumulators, sign-extended from the accumulator width
  std::vector<float> floats;   ///< fp32 accumulators

  bool operator==(const GemmOutput& o) const {
    return rows == o.rows && cols == o.cols && is_float == o.is_float && ints == o.ints &&
           floats == o.floats;
  }
};

/// Timing observed by the cycle model. Per fold, FoldSchedule's fields are measured, not
/// computed: load/stream start when the controller started them, anchor and array_free_cycle
/// when the corner PE (ws/is: bottom-left, os: top-left) saw the fold's first and last element,
/// outputs_done_cycle one past the fold's last output capture. mac_end_cycle is not observed (0).
/// breakdown: per-cycle labels (see DERIVATION.md) of [previous array_free, array_free).
struct ArrayTiming {
  std::vector<FoldSchedule> folds;
  CycleBreakdown tail;          ///< labels of [last array_free, total_cycles) (finish())
  CycleBreakdown breakdown;     ///< all cycles; total() == total_cycles
  uint64_t total_cycles = 0;    ///< one past the last output of the last fold
  uint64_t stepped_cycles = 0;  ///< cycles actually stepped (long idle waits are skipped)
  uint64_t pe_cycles = 0;       ///< stepped_cycles x rows x cols
};

struct GemmRun {
  GemmOutput c;
  ArrayTiming timing;
  bool matches_reference = true;  ///< false only if verification ran and found a difference
};

/// Registers of one PE after a cycle, for waveform tracing. Values are converted to double.
struct PeProbeSample {
  uint32_t row = 0, col = 0;
  double moving = 0;      ///< ws/is: the streamed operand in the PE; os: the A operand
  double stationary = 0;  ///< ws/is: the active stationary operand; os: the B operand
  double result = 0;      ///< ws/is: the partial sum leaving the PE; os: the accumulator
  bool valid = false;     ///< a real MAC of a fold happened in this PE this cycle
};
/// Called once per stepped cycle with one sample per probed PE, in the order they were given.
using ProbeCallback = std::function<void(uint64_t cycle, const PeProbeSample* samples, size_t n)>;

/// Folds of a GEMM in the order the model runs them (column folds outer, row folds inner, as
/// SCALE-Sim): os rows<-M cols<-N stream<-K; ws rows<-K cols<-N stream<-M; is rows<-K cols<-M
/// stream<-N.
std::vector<FoldShape> gemm_folds(const ArrayConfig& array, uint64_t m, uint64_t n, uint64_t k);

/// Deterministic operands exactly representable in `t` (splitmix64 of seed and index):
/// integers uniform over the type's range, floats uniform in [-2, 2) rounded to `t`.
std::vector<double> random_operands(DataType t, uint64_t count, uint64_t seed);

/// `v` rounded to the nearest value of type t (bf16/fp16/fp32: round-to-nearest-even via fp32).
double round_to(DataType t, double v);

/// Plain triple-loop C = A[m x k] * B[k x n] with the array's arithmetic: operands rounded to
/// their types; integers wrap at the accumulator width; floats sum k in order within each chunk
/// of `k_chunk` (the array's reduction tile: R for ws/is, k for os) and add chunks in order.
GemmOutput reference_gemm(const PeDataTypes& types, uint64_t m, uint64_t n, uint64_t k,
                          const std::vector<double>& a, const std::vector<double>& b,
                          uint64_t k_chunk);

/// Why the cycle model cannot compute with these datatypes, or "" when it can (every dataflow
/// supports the same datatypes).
std::string unsupported_types_reason(const PeDataTypes& types);

class PeArrayModel {
 public:
  /// Throws InputError for an unsupported datatype combination and InternalError for an array
  /// or MAC latency of 0.
  PeArrayModel(const ArrayConfig& array, const PeDataTypes& types);

  /// Runs C = A * B (row-major, A is m x k, B is k x n) fold by fold. `ready_cycles`, if not
  /// empty, holds one operand-arrival cycle per fold of gemm_folds(). Verifies the result
  /// against reference_gemm() when array.verify_results and throws InternalError on a mismatch.
  GemmRun run_gemm(uint64_t m, uint64_t n, uint64_t k, const std::vector<double>& a,
                   const std::vector<double>& b, const std::vector<uint64_t>& ready_cycles = {});

  /// Times a sequence of folds with pseudo-random operands (seed != 0) or zeros (seed == 0).
  /// `ready_cycles` empty means all 0. With random operands and array.verify_results, each
  /// fold's output tile is collected and checked against a plain reference of that fold
  /// (InternalError on a mismatch), so arbitrary fold sequences are checked, not just GEMMs.
  ArrayTiming run_folds(const std::vector<FoldShape>& folds,
                        const std::vector<uint64_t>& ready_cycles = {}, uint64_t seed = 1);

  /// Observes the registers of the given PEs (row, col) every stepped cycle.
  void set_probe(std::vector<std::pair<uint32_t, uint32_t>> pes, ProbeCallback callback);

  const ArrayConfig& array() const { return array_; }

  /// Operand views and output target of one fold, used by the engines (pe_array.cpp).
  struct FoldData;

 private:
  /// run_folds() under rs: each fold is a processing pass with operands of its own geometry.
  ArrayTiming run_rs_passes(const std::vector<FoldShape>& folds, const std::vector<uint64_t>& ready_cycles,
                            uint64_t seed);

  ArrayConfig array_;
  PeDataTypes types_;
  std::vector<std::pair<uint32_t, uint32_t>> probe_pes_;
  ProbeCallback probe_;
};

}  // namespace tpusim::arch::timing
