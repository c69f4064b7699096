#pragma once
/// The shape of one fold (a tile operation of the matrix unit): the part of the array it uses
/// and its stream length. Pure data, shared by the program (sim/mapper) and the timing models.
#include <cstdint>

namespace tpusim::arch::timing {

/// The part of the array a fold uses and how long its stream is (all >= 1).
struct FoldShape {
  uint64_t rows_used = 1;   ///< <= array rows
  uint64_t cols_used = 1;   ///< <= array cols
  uint64_t stream_len = 1;  ///< elements streamed through each used row/col
};

}  // namespace tpusim::arch::timing
