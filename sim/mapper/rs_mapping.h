#pragma once
/// A layer's row-stationary mapping (Chen et al., ISCA 2016 section V and JSSC 2017 section IV):
/// how its processing passes place PE sets on the array. The planner that chooses it is
/// rs_plan.h; this is the pure description GemmPlan carries and the program reads. Pure C++.
///
/// The layer is a convolution per group: C channels, M filters of R x S, E x F outputs per image
/// with a horizontal stride U (a GEMM is a 1x1 convolution over one row of F = M outputs). A PE
/// set is R PE rows by one column per output row; a pass holds r x t sets (r of them on different
/// channel groups, t on different filter groups), each of e output rows, every PE interleaving q
/// channels and p filters over n output rows of F (or `positions`) outputs. The pass covers q r
/// channels (a K chunk of q r R S), p t filters (N) and n e rows of outputs (M): the GEMM tiles
/// the rest of the mapper works with (rows <- K, cols <- N, stream <- M).
#include <cstdint>

#include "arch/isa/fold_shape.h"

namespace tpusim::mapper {

struct RsMapping {
  // The layer, per group.
  uint64_t filter_rows = 1;  ///< R (<= array rows)
  uint64_t filter_cols = 1;  ///< S
  uint64_t stride = 1;       ///< U, horizontal
  uint64_t out_rows = 1;     ///< E per image (1 for a GEMM)
  uint64_t out_cols = 1;     ///< F (M for a GEMM)
  // The mapping.
  uint64_t q = 1;  ///< channels per PE
  uint64_t p = 1;  ///< filters per PE
  uint64_t r = 1;  ///< sets on different channel groups (their sums meet in the global buffer)
  uint64_t t = 1;  ///< sets on different filter groups (they share the ifmap by multicast)
  uint64_t e = 1;  ///< output rows per set (columns; folded into pieces when wider than the array)
  uint64_t n = 1;  ///< output rows each column computes in turn (images)
  /// Outputs of a row per pass: F, or fewer when a GEMM's long row is cut (then e = n = 1).
  uint64_t positions = 1;
  uint32_t array_rows = 1, array_cols = 1;

  /// GEMM extents of a full pass.
  uint64_t k_tile() const { return q * r * filter_rows * filter_cols; }
  uint64_t n_tile() const { return p * t; }
  uint64_t m_tile() const { return positions < out_cols ? positions : n * e * out_cols; }

  /// The pass of k reduction elements (whole channels), c filters and m outputs: its sets share
  /// the channels and filters evenly (q' = ceil(channels / r'), p' = ceil(c / t')), its columns
  /// the output rows (n' rows each). Sets sit side by side in bands of R rows; a set wider than
  /// the array is cut into pieces, one band each (JSSC 2017, IV.A: CONV2's 5 x 27 set as 5 x 14
  /// and 5 x 13).
  arch::timing::FoldShape pass(uint64_t k, uint64_t c, uint64_t m) const;
  /// PEs the pass of those extents maps: sets x e' x R (fewer than bands x R x cols_used when a
  /// band is not full).
  uint64_t pes(uint64_t k, uint64_t c, uint64_t m) const;
  /// Sets a pass of k channels-worth and c filters holds (r' t'), and output rows per set (e').
  uint64_t sets(uint64_t k, uint64_t c) const;
  uint64_t rows_per_set(uint64_t m) const;
};

}  // namespace tpusim::mapper
