#pragma once
/// The mapper's tiling decisions for one layer: how its GEMM lands on the array (dataflow), the
/// fold counts, the streamed chunk length that fits the buffers, and which operands stay
/// resident in SRAM. Pure C++.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/isa/fold_shape.h"
#include "arch/matrix/dataflow/dataflow.h"
#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/mapper/rs_mapping.h"

namespace tpusim::mapper {

/// The loop dimensions of a fold and the operand tiles it touches, as the dataflow's traits
/// define them (arch/matrix/dataflow/dataflow.h).
using MappedDims = arch::dataflow::MappedDims;
using FoldTiles = arch::dataflow::FoldTiles;
inline MappedDims map_dims(Dataflow df, const GemmShape& g) { return arch::dataflow::traits_of(df).map_dims(g); }
inline FoldTiles fold_tiles(Dataflow df, uint64_t rows_used, uint64_t cols_used, uint64_t t) {
  return arch::dataflow::traits_of(df).fold_tiles(rows_used, cols_used, t);
}

/// Thrown by the planners when resident activations leave no room for the tiles.
struct NoFit {};

/// Where a layer's activations are at its boundaries (decided by MappedWorkload, sim/mapper/mapped_workload.h).
struct LayerContext {
  bool inputs_on_chip = false;  ///< the input is already in the inputs buffer: no DRAM loads
  bool outputs_stay = false;    ///< the output stays in the outputs buffer: no DRAM stores
  /// Bytes other tensors hold in the outputs buffer meanwhile (a fused kernel's other score
  /// tiles, sim/mapper/attention.h); the op's tiles must fit beside them.
  uint64_t reserved_bytes = 0;
};

/// How the chip's matrix units share each fold of a matrix op (arch/chip/README.md): a core's
/// units work on a fold together (a gang), split as `split` says; the cores either each take a
/// share of the fold's streamed rows (core_split stream, each with its own copy of the stationary
/// tile) or each their own output columns (core_split cols, each with a copy of the streamed
/// tile). The fold is planned on the gang's array (rows x rows_factor by cols x cols_factor); each
/// unit times the largest share (unit_fold).
struct Gang {
  UnitSplit split = UnitSplit::cols;        ///< a core's units: never auto once planned
  CoreSplit core_split = CoreSplit::stream; ///< the cores: never auto once planned
  uint32_t units = 1;                       ///< matrix units per core
  uint32_t cores = 1;
  uint64_t rows_factor() const { return split == UnitSplit::rows ? units : 1; }
  uint64_t cols_factor() const {
    return (split == UnitSplit::cols ? units : 1) * (core_split == CoreSplit::cols ? uint64_t(cores) : 1);
  }
  /// Shares the streamed rows are cut into: the cores when they split the stream, times the units
  /// when they do.
  uint64_t stream_ways() const {
    return (core_split == CoreSplit::stream ? uint64_t(cores) : 1) * (split == UnitSplit::stream ? units : 1);
  }
  /// Copies of the streamed (A) and stationary (B) tiles the cores hold: each core its own.
  uint64_t a_copies() const { return core_split == CoreSplit::cols ? cores : 1; }
  uint64_t b_copies() const { return core_split == CoreSplit::stream ? cores : 1; }
  bool single() const { return units == 1 && cores == 1; }
};

/// The three fold loops: row folds (array rows), column folds (array cols), stream chunks.
using Loop = arch::dataflow::Loop;
using LoopOrder = tpusim::LoopOrder;  ///< outermost first; parse_loop_order and its spellings: sim/spec/types.h
using tpusim::to_string;

struct GemmPlan {
  GemmShape gemm;
  Dataflow dataflow = Dataflow::ws;
  MappedDims dims;
  uint64_t tile_rows = 1, tile_cols = 1, tile_t = 1;    ///< full-tile sizes (<= array, <= dims)
  uint64_t row_folds = 1, col_folds = 1, t_chunks = 1;  ///< per GEMM instance
  LoopOrder order{Loop::col, Loop::stream, Loop::row};
  /// An operand is *kept* when all the tiles it reuses between two uses fit in its buffer, so
  /// each of its tiles is fetched from DRAM once; otherwise a tile is fetched again each time
  /// its reuse loop comes back to it (unless the previous fold used the same tile).
  bool keep_a = false, keep_b = false;
  /// Partial sums make a DRAM round trip between reduction steps (the reduction loop is not
  /// innermost and the live partial sums do not fit on chip).
  bool spill_partials = false;
  /// Unique elements of A per GEMM instance: a conv's input feature map (im2col repeats each
  /// element up to kernel_h*kernel_w times); M*K otherwise. A tile's DRAM bytes scale by
  /// a_footprint / (M*K): halos are assumed to be reused within a tile.
  uint64_t a_footprint = 0;
  /// Dense K of the layer: `gemm` is what the array executes (K shortened by N:M skipping or by
  /// packing several narrow MACs per PE, sim/mapper/sparsity.h); activation tiles are fetched
  /// dense, so A's bytes scale by dense_k / gemm.k.
  uint64_t dense_k = 0;
  /// Weight bytes per GEMM instance as stored (kept values plus N:M metadata); B tiles scale
  /// by weight_bytes / (gemm.k * gemm.n).
  uint64_t weight_bytes = 0;
  /// Bytes of A and B tiles of `elements` executed elements (see dense_k and weight_bytes).
  uint64_t a_tile_bytes(DataType input, uint64_t elements) const;
  uint64_t b_tile_bytes(uint64_t elements) const;
  LayerContext context;
  /// How the chip's units share the folds (one unit: the identity).
  Gang gang;
  /// The fold one unit runs for a fold of the gang's array: the largest share of the rows and
  /// columns a unit holds and of the streamed rows a core (or unit) takes, padded to the layout
  /// tile (/chip/layout_rows, /chip/layout_lanes; never beyond the unit's array). Identity for one
  /// unit without padding.
  arch::timing::FoldShape unit_fold(const ArchConfig& arch, const arch::timing::FoldShape& fold) const;
  /// Executed elements of K each kernel position reduces over on its own (`/array/conv_lowering`
  /// `channels_on_rows`: in_c / groups), or 0 when K is one reduction (im2col). The folds of K's
  /// loop are then ceil(k_segment / tile) per kernel position, the last of each maybe partial.
  uint64_t k_segment = 0;
  /// Row stationary (`rs`): how each pass places PE sets (rs_mapping.h); the tiles above are a
  /// pass's K, N and M extents, not parts of the array. Empty under the other dataflows.
  std::optional<RsMapping> rs;
  /// The traffic model the mapper minimised (bytes, all GEMM instances).
  uint64_t est_dram_read_bytes = 0, est_dram_write_bytes = 0;

  uint64_t folds() const { return gemm.count * row_folds * col_folds * t_chunks; }
  /// The extent of fold `i` of loop `l`: its tile, or less at the end of the loop's dimension
  /// (or, for K's loop under channels_on_rows, at the end of a kernel position's channels).
  uint64_t extent(Loop l, uint64_t i) const;
  /// Whether the folds of loop `l` are all of one extent but maybe the loop's last.
  bool uniform(Loop l) const;
  uint64_t loop_count(Loop l) const { return l == Loop::row ? row_folds : l == Loop::col ? col_folds : t_chunks; }
  const arch::dataflow::DataflowTraits& traits() const { return arch::dataflow::traits_of(dataflow); }
  /// The loop over the GEMM's K (os: stream, ws/is: rows).
  Loop reduction() const { return traits().reduction_loop(); }
  /// The loop that does not index A's (B's) tiles: along it the same tile is reused.
  Loop reuse_loop_a() const { return traits().reuse_loop(arch::dataflow::GemmOperand::a); }
  Loop reuse_loop_b() const { return traits().reuse_loop(arch::dataflow::GemmOperand::b); }
  int position(Loop l) const;  ///< 0 outermost .. 2 innermost
  /// Share of PEs mapped, averaged over folds (weighted equally).
  double mapping_efficiency(const ArchConfig& arch) const;
};

/// Chooses the tiling of a matrix layer. InputError (naming the buffer's capacity pointer) when
/// a buffer cannot hold the smallest legal tile. Under a dataflow whose traits lower layers into
/// row-stationary passes the plan is plan_rs's (rs_plan.h), on one unit only.
/// With `gang`, the tiles are those of the gang's array (see Gang).
GemmPlan plan_gemm(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx = {}, const Gang& gang = {});

/// The gangs a matrix op may use on `arch`: each unit split (the op's `mapping.unit_split` if
/// pinned, else /core/unit_split; auto: cols, rows and stream, in that order) with each core split
/// (`mapping.core_split`, else /chip/core_split; auto: stream, then cols); earlier wins ties. And
/// the planned one of least estimated cycles (estimate_cycles), ties to the least estimated DRAM
/// traffic. One unit on one core: the identity.
std::vector<Gang> candidate_gangs(const ArchConfig& arch, const Layer& layer);
GemmPlan plan_gemm_on_chip(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx = {});

/// A plan's cycles, estimated for choosing between gangs: per fold the unit's stationary load
/// (unless double-buffered), its stream and the array's fill and drain, against the DRAM traffic at
/// the DRAM bandwidth; the larger of the two, plus the serial vector-path work (vector_path_work).
double estimate_cycles(const ArchConfig& arch, const GemmPlan& p);

/// For a plan whose tiles are set: the loop order and kept operands with the least DRAM traffic
/// whose tiles fit the buffers (order, keep_a/keep_b, spill_partials and the traffic estimate
/// filled in; ties go to the conventional order, the reduction innermost, and to keeping both
/// operands), or nothing when none fits. A pinned loop order is the only one tried.
std::optional<GemmPlan> best_loop_order(const ArchConfig& arch, const Layer& layer, const GemmPlan& tiled);

/// What a plan costs on the chip's vector path, serial with the matrix units (arch/chip/README.md,
/// "Costs around an op"): the streamed operand (A) converted to /array/native_type when its stored
/// type differs, and the results written back from the accumulators. Each core works on its own
/// rows of A (cores on the stream) or its own copy of A (cores on the columns), padded to
/// /chip/layout_rows by /chip/layout_lanes, and writes back its own share of the output, at the
/// per-core rates of /vector/convert_in_elems_per_cycle and writeback_elems_per_cycle.
struct VectorPathWork {
  uint64_t convert_in_elements = 0, convert_in_cycles = 0;
  uint64_t writeback_elements = 0, writeback_cycles = 0;
};
VectorPathWork vector_path_work(const ArchConfig& arch, const GemmPlan& p);

/// Vector-unit layers are processed in chunks of elements that fit the buffers.
struct VectorPlan {
  uint64_t chunk_elements = 1;  ///< output elements per chunk
  uint64_t chunks = 1;
};
VectorPlan plan_vector(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx = {});

/// Bytes of a layer's input activations (unique elements) and of its output.
uint64_t input_bytes(const ArchConfig& arch, const Layer& layer);
uint64_t output_bytes(const ArchConfig& arch, const Layer& layer);

}  // namespace tpusim::mapper
