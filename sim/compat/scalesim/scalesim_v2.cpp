#include "sim/compat/scalesim/scalesim_v2.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/base/error.h"
#include "sim/base/math.h"

namespace tpusim::arch::timing {

namespace {

/// a * b, or InternalError: the loaders bound layer sizes (MACs < 2^62), so an overflow here is
/// a bug in a caller that skipped them.
uint64_t mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    throw InternalError("scalesim-v2: 64-bit overflow in " + std::to_string(a) + " * " + std::to_string(b));
  return r;
}

uint64_t add(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r))
    throw InternalError("scalesim-v2: 64-bit overflow in " + std::to_string(a) + " + " + std::to_string(b));
  return r;
}

/// a / b the way Python's int / int does it: the correctly rounded quotient of the exact
/// integers. Exact when both fit in a double's 53-bit mantissa (always, for real layers);
/// otherwise a long-double quotient, off by at most an ulp.
double py_div(unsigned __int128 a, unsigned __int128 b) {
  constexpr unsigned __int128 kExact = static_cast<unsigned __int128>(1) << 53;
  if (a < kExact && b < kExact) return static_cast<double>(static_cast<uint64_t>(a)) / static_cast<double>(static_cast<uint64_t>(b));
  return static_cast<double>(static_cast<long double>(a) / static_cast<long double>(b));
}

/// Folds up to this count are summed one by one, in SCALE-Sim's order, so the mean matches its
/// floating-point sum to the last bit; larger layers use the closed form (within ~1e-12).
constexpr uint64_t kExactFoldLoopLimit = 1ULL << 24;

}  // namespace

uint64_t scalesim_output_size(uint64_t in, uint64_t filter, uint64_t stride) {
  TPUSIM_ASSERT(filter <= in && stride >= 1, "scalesim_output_size: filter larger than ifmap or stride 0");
  // ceil((in - filter + stride) / stride) = 1 + ceil((in - filter) / stride)
  return 1 + ceil_div(in - filter, stride);
}

ScalesimGemm scalesim_gemm_of(const ScalesimConv& c) {
  ScalesimGemm g;
  g.p = mul(scalesim_output_size(c.ifmap_h, c.filter_h, c.stride_h), scalesim_output_size(c.ifmap_w, c.filter_w, c.stride_w));
  g.k = mul(mul(c.filter_h, c.filter_w), c.channels);
  g.n = c.num_filters;
  return g;
}

ScalesimGemm scalesim_gemm_of_mnk(uint64_t m, uint64_t n, uint64_t k) {
  // topology_utils.load_arrays_gemm: entries = [m, k, 1, k, 1, n, 1, 1]
  // (ifmap h, ifmap w, filter h, filter w, channels, filters, stride h, stride w).
  ScalesimConv c;
  c.ifmap_h = m;
  c.ifmap_w = k;
  c.filter_h = 1;
  c.filter_w = k;
  c.channels = 1;
  c.num_filters = n;
  return scalesim_gemm_of(c);
}

ScalesimLayerStats scalesim_v2_calc(uint64_t rows, uint64_t cols, Dataflow dataflow, const ScalesimGemm& g) {
  TPUSIM_ASSERT(rows >= 1 && cols >= 1 && g.p >= 1 && g.k >= 1 && g.n >= 1, "scalesim_v2_calc: empty array or GEMM");
  const uint64_t ar = rows, ac = cols;
  ScalesimLayerStats s;
  s.macs = mul(mul(g.p, g.k), g.n);

  // Which GEMM dimension goes on the array rows (Sr), columns (Sc) and in time (T).
  switch (dataflow) {
    case Dataflow::os: s.sr = g.p; s.sc = g.n; s.t = g.k; break;
    case Dataflow::ws: s.sr = g.k; s.sc = g.n; s.t = g.p; break;
    case Dataflow::is: s.sr = g.k; s.sc = g.p; s.t = g.n; break;
    case Dataflow::rs:  // SCALE-Sim has no row-stationary dataflow
      throw InputError("/array/dataflow: scalesim-v2 timing reproduces SCALE-Sim's os, ws and is, got \"rs\"");
  }
  s.row_folds = ceil_div(s.sr, ar);
  s.col_folds = ceil_div(s.sc, ac);
  const uint64_t folds = mul(s.row_folds, s.col_folds);

  // Fold length (every fold, partial or full) and the per-fold split of its cycles:
  //  os:     T streamed + (AR - 1) row skew (fill) + (AC - 1) column skew/drain
  //          = T + AR + AC - 2 (the OFMAP demand matrix: T - 1 prefix + AR rows, skewed over AC).
  //  ws, is: AR cycles loading the stationary block + (AR - 1) fill + T streamed + (AC - 1) drain
  //          = 2*AR + AC + T - 2 (the OFMAP demand matrix: 2*AR - 1 prefix + T rows, skewed over AC).
  // Lu is the fold length SCALE-Sim divides by in Compute Util: the same for os, but for ws and
  // is it is taken from the filter demand matrix, AC - 1 cycles longer: 2*AR + 2*AC + T - 3.
  const bool os = dataflow == Dataflow::os;
  const uint64_t load = os ? 0 : ar;
  const uint64_t fill = ar - 1, drain = ac - 1;
  s.fold_cycles = add(add(load, fill), add(s.t, drain));
  const uint64_t lu = os ? s.fold_cycles : add(s.fold_cycles, ac - 1);

  // total = folds * fold length - 1: SCALE-Sim reports the 0-based index of the cycle at which
  // the last OFMAP demand line is served. CALC mode never stalls (stall_cycles = 0).
  const uint64_t lines = mul(folds, s.fold_cycles);
  s.total_cycles = lines - 1;
  s.stall_cycles = 0;
  s.breakdown[CycleCategory::weight_load] = mul(folds, load);
  s.breakdown[CycleCategory::fill] = mul(folds, fill);
  s.breakdown[CycleCategory::compute] = mul(folds, s.t);
  s.breakdown[CycleCategory::drain] = mul(folds, drain);
  // The -1 is taken off the last fold's drain (the last line is not counted), or, on a 1-column
  // array where folds have no drain, off its fill, then its streaming (T >= 1 so one exists).
  for (CycleCategory c : {CycleCategory::drain, CycleCategory::fill, CycleCategory::compute}) {
    if (s.breakdown[c] > 0) {
      s.breakdown[c] -= 1;
      break;
    }
  }

  // SRAM requests (words): the operand tile of every fold, null padding of partial folds excluded.
  const uint64_t pk = mul(g.p, g.k), kn = mul(g.k, g.n), pn = mul(g.p, g.n);
  switch (dataflow) {
    case Dataflow::os:
      s.sram_ifmap_reads = mul(pk, s.col_folds);
      s.sram_filter_reads = mul(kn, s.row_folds);
      // systolic_compute_os.create_ofmap_demand_mat adds the padded tile's height + width
      // (AR + AC) per fold on top of the real writes: a SCALE-Sim quirk, reproduced.
      s.sram_ofmap_writes = add(pn, mul(folds, ar + ac));
      break;
    case Dataflow::ws:
      s.sram_ifmap_reads = mul(pk, s.col_folds);
      s.sram_filter_reads = kn;
      s.sram_ofmap_writes = mul(pn, s.row_folds);  // partial sums of every K-fold are written
      break;
    case Dataflow::is:
      s.sram_ifmap_reads = pk;
      s.sram_filter_reads = mul(kn, s.col_folds);
      s.sram_ofmap_writes = mul(pn, s.row_folds);
      break;
    case Dataflow::rs: break;  // refused above
  }

  // Utilisations, computed as single_layer_sim.calc_report_data and the compute classes do.
  const uint64_t pes = ar * ac;
  if (s.total_cycles == 0) {
    s.overall_util_pct = 0;  // a 1-cycle layer on a 1x1 array: SCALE-Sim divides by zero here
  } else {
    s.overall_util_pct = py_div(static_cast<unsigned __int128>(s.macs) * 100,
                                static_cast<unsigned __int128>(s.total_cycles) * pes);
  }
  // Per fold: used = min(AR, Sr - fr*AR) * min(AC, Sc - fc*AC); mapping efficiency used / PEs,
  // compute util used * T / (PEs * Lu); plain means over folds, column folds outer.
  const uint64_t last_rows = s.sr - (s.row_folds - 1) * ar, last_cols = s.sc - (s.col_folds - 1) * ac;
  auto fold_map_eff = [&](uint64_t used) { return py_div(used, pes); };
  auto fold_comp_util = [&](uint64_t used) {
    return py_div(static_cast<unsigned __int128>(used) * s.t, static_cast<unsigned __int128>(pes) * lu);
  };
  double map_sum = 0, comp_sum = 0;
  if (folds <= kExactFoldLoopLimit) {
    for (uint64_t fc = 0; fc < s.col_folds; ++fc) {
      const uint64_t used_c = fc + 1 == s.col_folds ? last_cols : ac;
      for (uint64_t fr = 0; fr < s.row_folds; ++fr) {
        const uint64_t used = (fr + 1 == s.row_folds ? last_rows : ar) * used_c;
        map_sum += fold_map_eff(used);
        comp_sum += fold_comp_util(used);
      }
    }
  } else {
    // Four kinds of fold: full/partial in rows x full/partial in columns.
    const double full_r = double(s.row_folds - 1), full_c = double(s.col_folds - 1);
    const uint64_t kinds[4] = {ar * ac, last_rows * ac, ar * last_cols, last_rows * last_cols};
    const double counts[4] = {full_r * full_c, full_c, full_r, 1.0};
    for (int i = 0; i < 4; ++i) {
      map_sum += counts[i] * fold_map_eff(kinds[i]);
      comp_sum += counts[i] * fold_comp_util(kinds[i]);
    }
  }
  s.mapping_efficiency_pct = map_sum / double(folds) * 100;
  s.compute_util_pct = comp_sum / double(folds) * 100;
  return s;
}

double ratio_from_pct(double pct) {
  // pct / 100 rounded does not always multiply back to pct: the ratios near it are spaced
  // wider (times 100) than the percentages, so take the neighbour whose product is closest.
  double best = pct / 100, best_err = std::fabs(best * 100 - pct);
  double lo = best, hi = best;
  for (int i = 0; i < 4 && best_err != 0; ++i) {
    lo = std::nextafter(lo, -INFINITY);
    hi = std::nextafter(hi, INFINITY);
    for (double r : {lo, hi}) {
      const double err = std::fabs(r * 100 - pct);
      if (err < best_err) {
        best = r;
        best_err = err;
      }
    }
  }
  return best;
}

}  // namespace tpusim::arch::timing
