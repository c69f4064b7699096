#pragma once
/// The program: a stream of coarse instructions (DMA loads, matmul folds, vector ops, DMA
/// stores) with dependencies, produced lazily layer by layer so memory does not grow with the
/// workload. Pure data; `--dump-program` prints it.
#include <array>
#include <memory>
#include <utility>
#include <cstdint>
#include <string>

#include "arch/isa/isa.h"
#include "sim/base/cycle_breakdown.h"
#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/plan.h"

namespace tpusim::mapper {

using arch::Instr;
using arch::InstrKind;
using arch::Operand;

/// A buffer-slot ring as one op leaves it to the next (graph mode): the next op's first loads
/// into that buffer wait for the previous op's last users of its slots.
struct SlotRingState {
  size_t buffer = SIZE_MAX;         ///< buffer index; SIZE_MAX: none
  std::array<uint64_t, 2> users{};  ///< ids of the last two users
  uint64_t count = 0;               ///< pushes so far (its parity says which user is older)
  /// Bytes the op holds in the buffer until its last use (an operand kept whole, resident
  /// activations), and that last use: a next op whose tiles do not fit beside them waits for it.
  uint64_t held_bytes = 0;
  uint64_t last_use = UINT64_MAX;
};
/// The rings by the role of their buffer: inputs, weights, outputs (accumulators of a matrix op);
/// and the SparseCore-like unit's, on its scratchpad (indices, gathered rows, pooled rows), which
/// the core's ops pass through untouched as the SparseCore's pass the core's.
struct SlotRings {
  SlotRingState inputs, weights, outputs;
  SlotRingState sparse_inputs, sparse_weights, sparse_outputs;
};

/// How a layer's program joins the graph (graph mode). The default is a layer alone, as in
/// barrier mode: ids from 0, fresh rings, no dependency on other ops.
struct GraphLinks {
  uint32_t op = 0;          ///< the layer's index: every instruction's `op`
  uint64_t first_id = 0;    ///< the id of its first instruction
  /// For each input tensor, the id of the producer's final instruction (kNoProducer: the
  /// workload input): the first instruction reading that tensor waits for it.
  std::vector<uint64_t> producers;
  static constexpr uint64_t kNoProducer = UINT64_MAX;
  SlotRings rings;          ///< as the previous op left them
};

class AttentionProgram;  // sim/mapper/attention.h: a fused attention layer's steps

/// Generates one layer's instructions in program order (a valid topological order: every
/// dependency precedes its user, so in-order units never deadlock).
class LayerProgram {
 public:
  /// Lowers `mapped` (made by the mapper: its plan is used as it is, never made again). A matrix
  /// layer runs `epilogues` (the mapped layers fused into it) on each finished output tile.
  LayerProgram(const ArchConfig& arch, const MappedLayer& mapped, const GraphLinks& links = {},
               std::vector<const MappedLayer*> epilogues = {});
  ~LayerProgram();
  LayerProgram(const LayerProgram&) = delete;
  LayerProgram& operator=(const LayerProgram&) = delete;
  /// The rings as this layer leaves them (for the next op, graph mode), with the bytes it holds
  /// to its last fold where it kept an operand whole (or held activations resident).
  SlotRings rings_after() const;
  /// The id of the last instruction generated (the layer's final one once next() is false).
  uint64_t last_id() const { return next_id() - 1; }
  bool empty() const { return next_id() == links_.first_id; }
  /// Next instruction, or false at the end of the layer.
  bool next(Instr& out);
  bool is_matrix() const { return matrix_; }
  /// The unit its compute runs on (a fused attention: the matrix unit, with vector ops between
  /// its folds).
  arch::LayerUnit unit() const {
    if (attention_) return arch::LayerUnit::fused;
    return matrix_ ? arch::LayerUnit::matrix : sparse_ ? arch::LayerUnit::sparse_core : arch::LayerUnit::vector;
  }
  /// Whether a later instruction of this layer may name `id` as a dependency: one of the last users
  /// of a buffer-slot ring, or an instruction of the current fold (vector chunk).
  bool may_reference(uint64_t id) const;
  // Blocks (arch::ProgramSource): a block is one fold with its loads and store (one vector chunk).
  /// Whether the next instruction, if any, starts a new fold (chunk).
  bool at_block_boundary() const;
  /// At a boundary: how many folds (chunks) after the last one are guaranteed to produce the same
  /// instructions with the same dependency distances. Those are the folds of the innermost loop
  /// strictly between the last one and the loop's final fold (which may be partial, and may end
  /// a reduction), provided the last fold is not the loop's first and every slot ring it waits on
  /// is pushed in it and past its warm-up.
  uint64_t identical_blocks_ahead() const;
  /// At a boundary: moves `blocks` (<= identical_blocks_ahead()) folds ahead without generating
  /// them; ids do not advance, slot rings keep their last users (their counts advance).
  void skip_blocks(uint64_t blocks);
  const GemmPlan& gemm_plan() const { return gemm_; }
  const VectorPlan& vector_plan() const { return vec_; }

 private:
  bool next_matrix(Instr& out);
  bool next_vector(Instr& out);
  uint64_t next_id() const;
  std::unique_ptr<AttentionProgram> attention_;  ///< a fused attention layer: its steps' programs
  Instr make(InstrKind kind);
  struct SlotRing;
  /// A DMA load of `operand` into `buffer`, waiting for the slot it refills.
  Instr make_load(Operand operand, uint64_t dram_bytes, uint64_t sram_bytes, size_t buffer, const SlotRing& ring);
  size_t buffer_index(BufferRole role) const;
  mutable std::array<size_t, 5> buffer_of_{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};  ///< by role, looked up once

  const ArchConfig& arch_;
  const Layer& layer_;
  bool matrix_;
  bool sparse_;  ///< an embedding_bag on the SparseCore-like unit: its buffers are the scratchpad
  LayerContext ctx_;
  GemmPlan gemm_;
  VectorPlan vec_;
  uint64_t next_id_ = 0;

  /// Adds the producers of input `input` not yet named to `out` (as many as fit).
  void add_producer_deps(size_t input, Instr& out);
  GraphLinks links_;
  std::vector<const MappedLayer*> epilogues_;
  std::vector<bool> producer_named_;  ///< by input: its producer dependency has been emitted
  size_t epilogue_ = 0;               ///< the next epilogue of the current fold
  bool swapped_ = false;              ///< the current fold loads B before A
  uint64_t last_matmul_id_ = UINT64_MAX;

  // Loop state: fold index decomposed as (group, outer, middle, reduction).
  uint64_t fold_ = 0, folds_ = 0;
  int phase_ = 0;  ///< which instruction of the current fold comes next
  struct Pending {
    bool load_a = false, load_b = false, store = false, first_reduction = false;
    bool load_psum = false, spill_psum = false;  ///< partial sums round-trip through DRAM
    uint64_t a_bytes = 0, b_bytes = 0, out_bytes = 0;
    uint64_t a_dram_bytes = 0;                   ///< A's tile scaled to its unique footprint (and coded)
    uint64_t out_dram_bytes = 0;                 ///< the output tile as it crosses the link (coded)
    uint64_t psum_bytes = 0;
    arch::timing::FoldShape shape;  ///< what the array runs
    uint64_t macs = 0;              ///< MACs of the fold's extents
    FoldTiles tiles;
  } cur_;
  /// Identifies an operand tile: its group and two of (row fold, col fold, t chunk).
  struct TileKey {
    uint64_t g = 0, x = 0, y = 0;
    bool operator==(const TileKey& o) const { return g == o.g && x == o.x && y == o.y; }
  };
  /// Slot reuse: a load into a buffer slot waits for the consumer of the load `slots` earlier.
  struct SlotRing {
    std::array<uint64_t, 2> users{};  ///< ids of the instructions that consumed the last loads
    uint64_t count = 0;
    uint64_t slots = 1;
    bool must_wait() const { return count >= slots; }
    uint64_t wait_for() const { return users[(count - slots) % 2]; }
    void push(uint64_t user) { users[count++ % 2] = user; }
    /// Whether `id` is a user a later load may still wait for.
    bool holds(uint64_t id) const {
      for (uint64_t j = count > slots ? count - slots : 0; j < count; ++j)
        if (users[j % 2] == id) return true;
      return false;
    }
  };
  SlotRing a_ring_, b_ring_, out_ring_, in_ring_;
  TileKey a_prev_, b_prev_;
  bool have_prev_ = false;
  uint64_t load_a_id_ = 0, load_b_id_ = 0, load_psum_id_ = 0, compute_id_ = 0;
  uint64_t fold_first_id_ = 0;  ///< id of the current fold's (chunk's) first instruction
  void prepare_fold();
  /// Splits a fold index into its group and its index along each loop (by Loop).
  uint64_t decompose(uint64_t fold, uint64_t idx[3]) const;
  /// The tiles of A and B fold (g, idx) uses.
  std::pair<TileKey, TileKey> tile_keys(uint64_t g, const uint64_t idx[3]) const;
  /// The last generated fold (chunk), at a boundary; folds_ when none.
  uint64_t last_fold() const;
  /// Whether the fold just generated waits on no slot ring it does not also push, and every ring
  /// it waits on is past its warm-up (so later identical folds name the same distances).
  bool steady_rings() const;
};

}  // namespace tpusim::mapper
