#pragma once
/// Embedding lookups (embedding_bag, sim/mapper/README.md "Embedding lookups"): the sizes the
/// plan and the program need, and the DRAM bursts a run of gathered rows touches. Pure C++.
#include <cstdint>

#include "sim/mapper/plan.h"
#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"

namespace tpusim::mapper {

/// Whether `layer` runs on the SparseCore-like unit: an embedding_bag on a chip with /sparse_core.
bool runs_on_sparse_core(const ArchConfig& arch, const Layer& layer);

/// Bytes of one table row (dim elements of the weight type).
uint64_t embedding_row_bytes(const ArchConfig& arch, const Layer& layer);

/// DRAM bursts of `burst` bytes that rows first_row .. first_row + rows - 1 of a burst-aligned
/// table of `row_bytes`-byte rows touch, row j starting at byte j x row_bytes: with row_bytes =
/// q x burst + s, a row touches q bursts if s = 0, else q + 1, plus one more when its offset
/// (j x s mod burst) exceeds burst - s. The count of those rows is a floor sum (closed form).
uint64_t gathered_bursts(uint64_t first_row, uint64_t rows, uint64_t row_bytes, uint64_t burst);

/// Chunks of whole bags (dim output elements each) sized so that a chunk's indices (inputs
/// buffer), gathered rows (weights buffer) and pooled rows (outputs buffer) fit, double-buffered
/// where the buffer is; all three in the scratchpad on the SparseCore-like unit. InputError naming the buffer's capacity if one bag does not fit.
VectorPlan plan_embedding(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx);

}  // namespace tpusim::mapper
