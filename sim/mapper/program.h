#pragma once
/// The program: a stream of coarse instructions (DMA loads, matmul folds, vector ops, DMA
/// stores) with dependencies, produced lazily layer by layer so memory does not grow with the
/// workload. Pure data; `--dump-program` prints it.
#include <array>
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

/// Generates one layer's instructions in program order (a valid topological order: every
/// dependency precedes its user, so in-order units never deadlock).
class LayerProgram {
 public:
  /// Lowers `mapped` (made by the mapper: its plan is used as it is, never made again).
  LayerProgram(const ArchConfig& arch, const MappedLayer& mapped);
  /// Next instruction, or false at the end of the layer.
  bool next(Instr& out);
  bool is_matrix() const { return matrix_; }
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
  Instr make(InstrKind kind);
  struct SlotRing;
  /// A DMA load of `operand` into `buffer`, waiting for the slot it refills.
  Instr make_load(Operand operand, uint64_t dram_bytes, uint64_t sram_bytes, size_t buffer, const SlotRing& ring);
  size_t buffer_index(BufferRole role) const;

  const ArchConfig& arch_;
  const Layer& layer_;
  bool matrix_;
  LayerContext ctx_;
  GemmPlan gemm_;
  VectorPlan vec_;
  uint64_t next_id_ = 0;

  // Loop state: fold index decomposed as (group, outer, middle, reduction).
  uint64_t fold_ = 0, folds_ = 0;
  int phase_ = 0;  ///< which instruction of the current fold comes next
  struct Pending {
    bool load_a = false, load_b = false, store = false, first_reduction = false;
    bool load_psum = false, spill_psum = false;  ///< partial sums round-trip through DRAM
    uint64_t a_bytes = 0, b_bytes = 0, out_bytes = 0;
    uint64_t a_dram_bytes = 0;                   ///< A's tile scaled to its unique footprint
    uint64_t psum_bytes = 0;
    arch::timing::FoldShape shape;
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
