#pragma once
/// The shape of one fold (a tile operation of the matrix unit): the part of the array it uses
/// and its stream length. Pure data, shared by the program (sim/mapper) and the timing models.
#include <cstdint>

namespace tpusim::arch::timing {

/// A row-stationary processing pass (arch/matrix/timing/DERIVATION.md, "Row stationary"): the PE
/// sets it places on the array and the 1-D convolution every PE of them runs. A set is `filter_rows`
/// PE rows (one filter row each, partial sums accumulating up the rows) by one PE column per
/// output row; `bands` sets (or pieces of a folded set) are stacked vertically. All fields are 0
/// in a fold of the other dataflows.
struct RsPass {
  uint32_t filter_rows = 0;  ///< h: PE rows of a set, one filter row each (0: not a row-stationary pass)
  uint32_t bands = 0;        ///< sets stacked vertically: the fold's rows_used is bands x filter_rows
  uint32_t filter_cols = 0;  ///< S: weights of one filter row
  uint32_t channels = 0;     ///< q: input channels each PE interleaves
  uint32_t filters = 0;      ///< p: filters each PE interleaves (its ifmap value is reused p times)
  uint32_t stride = 1;       ///< U: ifmap columns between two output positions of a row
  uint64_t rows_per_column = 0;  ///< n: output rows each PE column computes in turn (one per image)
  uint64_t row_length = 0;       ///< F: output positions of one row

  bool active() const { return filter_rows > 0; }
  /// Q = q x S: MACs of one partial sum in one PE.
  uint64_t macs_per_psum() const { return uint64_t{channels} * filter_cols; }
  /// Partial sums each PE produces: n x F x p.
  uint64_t psums() const { return rows_per_column * row_length * filters; }
  /// Cycles each PE is busy: every partial sum takes Q MACs and one cycle that adds the partial
  /// sum from the PE below (DERIVATION.md). A pass's stream_len.
  uint64_t busy_cycles() const { return psums() * (macs_per_psum() + 1); }
  bool operator==(const RsPass& o) const {
    return filter_rows == o.filter_rows && bands == o.bands && filter_cols == o.filter_cols &&
           channels == o.channels && filters == o.filters && stride == o.stride &&
           rows_per_column == o.rows_per_column && row_length == o.row_length;
  }
};

/// The part of the array a fold uses and how long its stream is (all >= 1).
struct FoldShape {
  FoldShape() = default;
  FoldShape(uint64_t rows, uint64_t cols, uint64_t stream, const RsPass& pass = {})
      : rows_used(rows), cols_used(cols), stream_len(stream), rs(pass) {}

  uint64_t rows_used = 1;   ///< <= array rows
  uint64_t cols_used = 1;   ///< <= array cols
  uint64_t stream_len = 1;  ///< elements streamed through each used row/col (rs: each PE's busy cycles)
  RsPass rs;                ///< row-stationary passes only (rs.active())
};

}  // namespace tpusim::arch::timing
