#pragma once
/// SCALE-Sim v2's per-layer numbers in its stall-free CALC bandwidth mode, in closed form.
/// Pure C++ (no SystemC).
///
/// Source: scalesim-project/scale-sim-v2 at 22f88b17 (v2.0.2): topology_utils.py (conv -> GEMM),
/// compute/systolic_compute_{os,ws,is}.py (folds, demand matrices, per-fold utilisation),
/// single_layer_sim.py (report items). ../shared/reference/scalesim/README.md derives every
/// formula used here, and cases.json holds SCALE-Sim's own outputs the tests compare against.
///
/// SCALE-Sim builds the skewed demand matrices of every fold and steps through them one line
/// per cycle. In CALC mode nothing ever stalls, so its results depend only on the number of
/// folds, their shapes and the fold length; this file computes them without building a matrix.
#include <cstddef>  // cycle_breakdown.h uses size_t without including it
#include <cstdint>

#include "sim/base/cycle_breakdown.h"
#include "sim/spec/types.h"

namespace tpusim::arch::timing {

/// A conv layer as a SCALE-Sim topology row gives it (the ifmap is pre-padded; no dilation).
struct ScalesimConv {
  uint64_t ifmap_h = 1, ifmap_w = 1;
  uint64_t filter_h = 1, filter_w = 1;
  uint64_t channels = 1;
  uint64_t num_filters = 1;
  uint64_t stride_h = 1, stride_w = 1;
};

/// The GEMM SCALE-Sim runs for a layer: P ofmap pixels per filter, K = window (reduction),
/// N filters. MACs = P * K * N.
struct ScalesimGemm {
  uint64_t p = 1;  ///< ofmap pixels per filter, E * F (including SCALE-Sim's extra edge row/col)
  uint64_t k = 1;  ///< window size R * S * C
  uint64_t n = 1;  ///< number of filters
};

/// SCALE-Sim's output size along one axis: ceil((in - filter + stride) / stride). It is
/// floor((in - filter) / stride) + 1 plus one when stride does not divide in - filter (the extra
/// output reads past the ifmap edge; SCALE-Sim gives those reads null addresses).
/// Requires filter <= in and stride >= 1.
uint64_t scalesim_output_size(uint64_t in, uint64_t filter, uint64_t stride);

/// conv -> GEMM exactly as topology_utils.topo_calc_hyperparams does it.
ScalesimGemm scalesim_gemm_of(const ScalesimConv& conv);

/// A GEMM-form topology row (M, N, K) is run by SCALE-Sim as an M x K ifmap with a 1 x K filter,
/// one channel, N filters and stride 1, so P = M.
ScalesimGemm scalesim_gemm_of_mnk(uint64_t m, uint64_t n, uint64_t k);

/// What SCALE-Sim v2 reports for one layer in CALC mode (its COMPUTE_REPORT.csv and the SRAM
/// columns of DETAILED_ACCESS_REPORT.csv). Percentages are 0..100 as SCALE-Sim prints them.
struct ScalesimLayerStats {
  uint64_t total_cycles = 0;          ///< folds * fold_cycles - 1 (SCALE-Sim's 0-based last cycle)
  uint64_t stall_cycles = 0;          ///< always 0 in CALC mode
  double overall_util_pct = 0;        ///< 100 * MACs / (total_cycles * AR * AC)
  double mapping_efficiency_pct = 0;  ///< 100 * mean over folds of used PEs / (AR * AC)
  double compute_util_pct = 0;        ///< 100 * mean over folds of used PEs * T / (AR * AC * Lu)
  uint64_t sram_ifmap_reads = 0;      ///< words
  uint64_t sram_filter_reads = 0;     ///< words
  uint64_t sram_ofmap_writes = 0;     ///< words, with the OS (AR + AC) per-fold overcount
  uint64_t macs = 0;                  ///< P * K * N
  uint64_t row_folds = 0;             ///< ceil(Sr / AR)
  uint64_t col_folds = 0;             ///< ceil(Sc / AC)
  uint64_t fold_cycles = 0;           ///< length of every fold (partial folds cost full time)
  uint64_t sr = 0, sc = 0, t = 0;     ///< the dataflow's spatial rows, spatial cols, temporal dims
  /// Cycles by category; sums to total_cycles (see scalesim_v2_calc for the split).
  CycleBreakdown breakdown;

  uint64_t folds() const { return row_folds * col_folds; }
};

/// SCALE-Sim v2 CALC-mode numbers for one GEMM on an rows x cols array.
/// Requires rows, cols >= 1 and p, k, n >= 1; InternalError if the counts would overflow 64 bits.
ScalesimLayerStats scalesim_v2_calc(uint64_t rows, uint64_t cols, Dataflow dataflow, const ScalesimGemm& gemm);

/// The ratio r (0..1) near pct / 100 whose r * 100.0 comes closest to `pct` in double
/// arithmetic: exactly `pct` for most values, otherwise one ulp of `pct` off (doubles near r
/// are spaced wider, times 100, than those near pct), so byte-exact reports print the
/// percentage itself (see sim/run/scalesim_v2_layer.h), not ratio * 100.
double ratio_from_pct(double pct);

}  // namespace tpusim::arch::timing
