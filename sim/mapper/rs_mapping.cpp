#include "sim/mapper/rs_mapping.h"

#include <algorithm>

#include "sim/base/error.h"
#include "sim/base/math.h"

namespace tpusim::mapper {

namespace {

/// Sets and what each PE does for a pass of `ch` channels and `c` filters.
struct Split {
  uint64_t r, q, t, p;
};

Split split(const RsMapping& m, uint64_t k, uint64_t c) {
  const uint64_t rs = m.filter_rows * m.filter_cols;
  TPUSIM_ASSERT(k >= rs && k % rs == 0 && c >= 1, "a row-stationary pass covers whole channels and some filters");
  const uint64_t ch = k / rs;
  Split s;
  s.r = std::min(m.r, ch);
  s.q = ceil_div(ch, s.r);
  s.t = std::min(m.t, c);
  s.p = ceil_div(c, s.t);
  return s;
}

}  // namespace

uint64_t RsMapping::sets(uint64_t k, uint64_t c) const {
  const Split s = split(*this, k, c);
  return s.r * s.t;
}

uint64_t RsMapping::rows_per_set(uint64_t m) const {
  if (positions < out_cols) return 1;  // a cut GEMM row: one column
  return std::min(e, ceil_div(m, out_cols));
}

arch::timing::FoldShape RsMapping::pass(uint64_t k, uint64_t c, uint64_t m) const {
  const Split s = split(*this, k, c);
  const uint64_t sets = s.r * s.t;
  arch::timing::RsPass rp;
  rp.filter_rows = static_cast<uint32_t>(filter_rows);
  rp.filter_cols = static_cast<uint32_t>(filter_cols);
  rp.channels = static_cast<uint32_t>(s.q);
  rp.filters = static_cast<uint32_t>(s.p);
  rp.stride = static_cast<uint32_t>(stride);
  const uint64_t e_used = rows_per_set(m);
  if (positions < out_cols) {  // one column runs the m outputs of a cut row
    rp.rows_per_column = 1;
    rp.row_length = m;
  } else {
    rp.rows_per_column = ceil_div(ceil_div(m, out_cols), e_used);
    rp.row_length = out_cols;
  }
  uint64_t bands = 0, cols = 0;
  if (e_used <= array_cols) {  // sets side by side, bands of R rows
    const uint64_t per_band = array_cols / e_used;
    bands = ceil_div(sets, per_band);
    cols = std::min(sets, per_band) * e_used;
  } else {  // each set cut into pieces of at most a row of the array, one band each
    bands = sets * ceil_div(e_used, array_cols);
    cols = array_cols;
  }
  rp.bands = static_cast<uint32_t>(bands);
  TPUSIM_ASSERT(bands * filter_rows <= array_rows, "a row-stationary pass taller than the array");
  return arch::timing::FoldShape(bands * filter_rows, cols, rp.busy_cycles(), rp);
}

uint64_t RsMapping::pes(uint64_t k, uint64_t c, uint64_t m) const {
  return sets(k, c) * rows_per_set(m) * filter_rows;
}

}  // namespace tpusim::mapper
