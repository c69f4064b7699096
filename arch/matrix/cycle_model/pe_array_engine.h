#pragma once
/// Internal to the cycle model (pe_array.cpp, pe_array_ws.cpp, pe_array_os.cpp, pe_array_rs.cpp):
/// the operand views of a fold and the register-level engines. Not part of the public interface.
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "arch/matrix/cycle_model/pe_array.h"

namespace tpusim::arch::timing {

/// Strided views of one fold's operands (already rounded to their datatypes) and where its
/// results go. Element (t, i) of a view is base[(t & t_mask) * t_stride + i * i_stride].
struct PeArrayModel::FoldData {
  FoldShape shape;
  uint64_t ready_cycle = 0;
  /// ws/is: the stationary tile, element (i = reduction row < r, j = column < c) as (i, j).
  const double* stat = nullptr;
  int64_t stat_i = 0, stat_j = 0;
  /// ws/is: the streamed operand, element (t < s, i < r); os: A, element (k < s, row < r).
  const double* strm = nullptr;
  int64_t strm_t = 0, strm_i = 0;
  /// os only: B, element (k < s, column < c).
  const double* strm2 = nullptr;
  int64_t strm2_t = 0, strm2_j = 0;
  uint64_t t_mask = ~uint64_t{0};  ///< run_folds() wraps a short random stream
  /// Output (ws/is: (t, j); os: (row, j)) goes to out[out_base + a * out_a + j * out_j]; results
  /// are added (ws/is folds over K accumulate), outside the timed array.
  int64_t out_base = 0, out_a = 0, out_j = 0;
};

/// What an engine needs besides the folds.
template <class Acc>
struct EngineIo {
  Acc* out = nullptr;  ///< null: results are not collected (timing runs)
  const std::vector<std::pair<uint32_t, uint32_t>>* probe_pes = nullptr;
  const ProbeCallback* probe = nullptr;
};

/// Register value of an operand: wraps integers at the accumulator width.
template <class Acc>
inline Acc to_register(double v) {
  if constexpr (std::is_floating_point_v<Acc>) {
    return static_cast<Acc>(v);
  } else {
    return static_cast<Acc>(static_cast<int64_t>(v));
  }
}

/// A register as the value it represents (integers are two's complement of their width).
template <class Acc>
inline double register_value(Acc v) {
  if constexpr (std::is_same_v<Acc, uint32_t>) return static_cast<double>(static_cast<int32_t>(v));
  else if constexpr (std::is_same_v<Acc, uint64_t>) return static_cast<double>(static_cast<int64_t>(v));
  else return static_cast<double>(v);
}

/// ws and is share one engine (stationary operand in the PEs, partial sums flowing down);
/// os has outputs stationary. Acc is uint32_t, uint64_t (two's complement) or float.
template <class Acc>
ArrayTiming run_ws_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io);
template <class Acc>
ArrayTiming run_os_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io);
/// Row stationary (pe_array_rs.cpp): each fold is a pass (FoldShape::rs) whose operands are drawn
/// from the pools stat (weights), strm (ifmap) and strm2 (partial sums from the global buffer)
/// by a hash of their coordinates, masked by t_mask; pass f's outputs go to out[out_base + (band
/// x cols_used + column) x psums + k].
template <class Acc>
ArrayTiming run_rs_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io);
/// Whether pass number `pass` (its index in the run) wrote the plain reference of its 2-D
/// convolution pieces, summed in the PEs' order.
template <class Acc>
bool rs_pass_matches_reference(const PeArrayModel::FoldData& d, uint64_t pass, const Acc* out);

/// Per-cycle labels shared by both engines (DERIVATION.md, "Cycle categories"): a cycle with a
/// real MAC at the corner PE is compute; else fill if any PE does a real MAC or a started fold
/// has not reached the corner; else weight_load if the stationary loader shifts; else drain if
/// results are in flight; else idle. Cuts the per-fold segments at each compute window's end.
class CycleLabeller {
 public:
  explicit CycleLabeller(const std::vector<PeArrayModel::FoldData>& folds, ArrayTiming& out);
  /// Labels cycle `x`. `folds_started` counts folds whose stream has started by the end of x.
  void label(uint64_t x, bool corner_mac, bool any_mac, size_t folds_started, bool loading,
             bool outputs_pending);
  /// Labels `n` idle cycles from x (a skipped wait with nothing in flight).
  void label_idle(uint64_t n) {
    segment_[CycleCategory::idle] += n;
    out_.breakdown[CycleCategory::idle] += n;
  }
  /// Ends the run: the cycles after the last compute window become ArrayTiming::tail.
  void finish(uint64_t total_cycles);

 private:
  const std::vector<PeArrayModel::FoldData>& folds_;
  ArrayTiming& out_;
  CycleBreakdown segment_;
  size_t fold_ = 0;          ///< fold whose compute window the corner is in or waits for
  uint64_t seen_ = 0;        ///< corner MACs of fold_ so far
};

}  // namespace tpusim::arch::timing
