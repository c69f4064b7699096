#pragma once
/// The mapper's tiling decisions for one layer: how its GEMM lands on the array (dataflow), the
/// fold counts, the streamed chunk length that fits the buffers, and which operands stay
/// resident in SRAM. Pure C++.
#include <cstdint>
#include <string>

#include "sim/config/arch_config.h"
#include "sim/config/workload.h"

namespace tpusim::mapper {

/// The three loop dimensions of a fold under a dataflow (see arch/timing/fold_timing.h):
/// Sr on array rows, Sc on array columns, T streamed in time.
struct MappedDims {
  uint64_t sr = 1, sc = 1, t = 1;
};
MappedDims map_dims(Dataflow df, const GemmShape& g);

/// Element counts of the operand tiles one fold touches.
struct FoldTiles {
  uint64_t a = 0;    ///< activations (inputs)
  uint64_t b = 0;    ///< weights
  uint64_t out = 0;  ///< partial sums / outputs
};
FoldTiles fold_tiles(Dataflow df, uint64_t rows_used, uint64_t cols_used, uint64_t t);

struct GemmPlan {
  GemmShape gemm;
  Dataflow dataflow = Dataflow::ws;
  MappedDims dims;
  uint64_t tile_rows = 1, tile_cols = 1, tile_t = 1;    ///< full-tile sizes (<= array, <= dims)
  uint64_t row_folds = 1, col_folds = 1, t_chunks = 1;  ///< per GEMM instance
  bool a_resident = false;  ///< all of A fits beside the other tiles: fetched from DRAM once
  bool b_resident = false;  ///< all of B fits: fetched once
  /// Partial sums stay on chip across the reduction loop (always true here: the reduction
  /// loop is innermost and the chunk is sized so the partial-sum tile fits).
  uint64_t folds() const { return gemm.count * row_folds * col_folds * t_chunks; }
  /// Share of PEs mapped, averaged over folds (weighted equally).
  double mapping_efficiency(const ArchConfig& arch) const;
};

/// Chooses the tiling of a matrix layer. InputError (naming the buffer's capacity pointer) when
/// a buffer cannot hold the smallest legal tile.
GemmPlan plan_gemm(const ArchConfig& arch, const Layer& layer);

/// Vector-unit layers are processed in chunks of elements that fit the buffers.
struct VectorPlan {
  uint64_t chunk_elements = 1;  ///< output elements per chunk
  uint64_t chunks = 1;
};
VectorPlan plan_vector(const ArchConfig& arch, const Layer& layer);

}  // namespace tpusim::mapper
