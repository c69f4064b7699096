#include "sim/mapper/unit_share.h"

#include <algorithm>

namespace tpusim::mapper {

namespace {

/// The part of `total` the `i`-th of equal shares of `share` elements holds (the first ones full).
uint64_t dealt(uint64_t total, uint64_t share, uint64_t i) {
  const uint64_t before = std::min(total, share * i);
  return std::min(share, total - before);
}

/// Adds to `out` (core-major, core c's unit u at c x units + u) the MACs each unit does for
/// `folds` folds of shape (r, c, s) on the gang's array, dealt as the gang deals them.
void deal_fold(const ArchConfig& arch, const GemmPlan& p, uint64_t r, uint64_t c, uint64_t s, uint64_t folds,
               std::vector<uint64_t>& out) {
  const Gang& g = p.gang;
  const uint64_t R = arch.array.rows, C = arch.array.cols;
  const bool core_cols = g.core_split == CoreSplit::cols;
  const uint64_t unit_stream_ways = g.split == UnitSplit::stream ? g.units : 1;
  // The streamed rows are dealt in the padded shares unit_fold times (one per stream way).
  const uint64_t stream_share = p.unit_fold(arch, {std::min(r, R), std::min(c, C), s}).stream_len;
  const uint64_t core_width = C * (g.split == UnitSplit::cols ? g.units : 1);
  for (uint64_t core = 0; core < g.cores; ++core) {
    const uint64_t core_c = core_cols ? dealt(c, core_width, core) : c;
    for (uint64_t u = 0; u < g.units; ++u) {
      const uint64_t rows = g.split == UnitSplit::rows ? dealt(r, R, u) : r;
      const uint64_t cols = g.split == UnitSplit::cols ? dealt(core_c, C, u) : core_c;
      const uint64_t way = (core_cols ? 0 : core * unit_stream_ways) + (g.split == UnitSplit::stream ? u : 0);
      const uint64_t stream = dealt(s, stream_share, way);
      out[core * g.units + u] += rows * cols * stream * folds;
    }
  }
}

}  // namespace

std::vector<uint64_t> unit_macs(const ArchConfig& arch, const GemmPlan& p) {
  std::vector<uint64_t> out(uint64_t(p.gang.units) * p.gang.cores, 0);
  // Each loop has full tiles and, when the tile does not divide its dimension, one last partial
  // one: at most 2 x 2 x 2 fold shapes, each as many times as its tiles' counts multiply.
  struct Extent { uint64_t size, count; };
  const auto extents = [](uint64_t dim, uint64_t tile, uint64_t folds) {
    const uint64_t last = dim - (folds - 1) * tile;
    std::vector<Extent> e;
    if (last == tile) return std::vector<Extent>{{tile, folds}};
    if (folds > 1) e.push_back({tile, folds - 1});
    e.push_back({last, 1});
    return e;
  };
  for (const Extent& r : extents(p.dims.sr, p.tile_rows, p.row_folds))
    for (const Extent& c : extents(p.dims.sc, p.tile_cols, p.col_folds))
      for (const Extent& s : extents(p.dims.t, p.tile_t, p.t_chunks))
        deal_fold(arch, p, r.size, c.size, s.size, r.count * c.count * s.count * p.gemm.count, out);
  return out;
}

}  // namespace tpusim::mapper
