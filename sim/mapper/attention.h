#pragma once
/// The fused attention op (`attention`, flash-style): how it is cut into tiles and lowered into
/// the instructions of one kernel. Per group (the op's `count`) the m query rows are cut into
/// blocks of q_block rows and the n keys into blocks of kv_block keys; each (query block, key
/// block) pair is one *unit* of up to four steps, planned as ordinary ops:
///
///   scores   S = Q_i K_j^T     matmul, q_block x k x kv_block; Q_i is loaded by the block's first
///                              unit and stays; S stays in on-chip memory
///   softmax  P = exp(S - max)  vector op over q_block x kv_block (the online softmax's update)
///   context  O_j = P V_j       matmul, q_block x kv_block x k; V_j from memory
///   combine  O = O a + O_j     vector op over q_block x k (rescale and add; units after a
///                              block's first), the running output staying on chip
///
/// The block's output is stored by its last unit (the context when a block has one key block,
/// the combine otherwise). Q is read once, K and V once per query block, the scores and
/// probabilities never reach DRAM. The units are software-pipelined as a fused kernel issues
/// them: S(u+1) is emitted before O(u), so the softmax of one unit runs on the vector unit while
/// the matrix units compute the next unit's scores; up to four score-sized tiles are live, and
/// every step is planned with the other live tiles reserved (LayerContext::reserved_bytes). The
/// rules and the choice of the blocks are in sim/mapper/README.md ("Fused attention").
#include <array>
#include <cstdint>
#include <memory>

#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/program.h"

namespace tpusim::mapper {

/// The tiling of one fused attention op.
struct AttentionPlan {
  uint64_t q_block = 0;     ///< query rows per block
  uint64_t blocks = 0;      ///< query blocks per group: ceil(m / q_block)
  uint64_t tail_rows = 0;   ///< rows of each group's last query block
  uint64_t kv_block = 0;    ///< keys per key block
  uint64_t kv_blocks = 0;   ///< key blocks: ceil(n / kv_block)
  uint64_t kv_tail = 0;     ///< keys of the last key block
  uint64_t groups = 0;      ///< the op's count
  uint64_t score_tile_bytes = 0;  ///< one unit's scores (q_block x kv_block, the wider of input and output types)
  /// One unit's steps, as layers and their plans. `combine` is planned only for units after a
  /// block's first.
  struct Tile {
    Layer scores, softmax, context, combine;
    MappedLayer scores_plan, softmax_plan, context_plan, combine_plan;
    bool has_combine = false;
    uint64_t steps() const;  ///< folds and vector chunks
  };
  /// By [last query block?][key block position: 0 first, 1 middle, 2 last]; with one key block
  /// only [..][2] is used (first and last at once).
  std::array<std::array<Tile, 3>, 2> tiles;
  uint64_t units() const { return groups * blocks * kv_blocks; }
  /// The key block position of key block j (the index into `tiles`).
  int kv_position(uint64_t j) const { return j + 1 == kv_blocks ? 2 : j == 0 ? 0 : 1; }
  /// The tile of unit u (group-major, then query blocks, then key blocks).
  const Tile& tile(uint64_t u) const {
    const uint64_t i = u / kv_blocks % blocks;
    return tiles[i + 1 == blocks ? 1 : 0][kv_position(u % kv_blocks)];
  }
  /// Units of each tile, by the same indices.
  uint64_t units_of(int last_q, int kv_pos) const;
  /// Folds and vector chunks the op steps (the work bound of `run --max-folds`).
  double steps() const;
};

/// Plans a fused attention layer. With the op's q_block and kv_block where given (InputError at
/// the key when they do not fit), else: whole rows of keys (kv_block = n) with the largest of m,
/// ceil(m / 2), ... rounded up to 8 rows, down to min(m, 512); if none fits, blocks of min(m, 512)
/// rows with the largest key block of n / 2, n / 4, ... (a multiple of 128) that fits; then
/// smaller query blocks with key blocks of 128. InputError when nothing fits, or when no one
/// buffer holds both inputs and outputs.
std::shared_ptr<const AttentionPlan> plan_attention(const ArchConfig& arch, const Layer& layer);

/// Generates a fused attention layer's instructions: the units' steps as LayerPrograms, one
/// after another in the pipelined order, each continuing the ids and buffer-slot rings of the one
/// before. All instructions carry the attention op's index.
class AttentionProgram {
 public:
  AttentionProgram(const ArchConfig& arch, const MappedLayer& mapped, const GraphLinks& links);
  ~AttentionProgram();
  bool next(Instr& out);
  /// The id the next instruction will have.
  uint64_t next_id() const { return next_id_; }
  SlotRings rings_after() const { return rings_; }
  bool may_reference(uint64_t id) const;
  bool at_block_boundary() const;
  uint64_t identical_blocks_ahead() const;
  void skip_blocks(uint64_t blocks);

 private:
  enum class Step { scores, softmax, context, combine };
  /// Starts the program of stage `stage_` (false when all are done).
  bool start_stage();
  void finish_stage();

  const ArchConfig& arch_;
  std::shared_ptr<const AttentionPlan> plan_;  ///< shared: the MappedLayer may be a temporary
  GraphLinks links_;
  uint64_t stage_ = 0, stages_ = 0;
  Step step_ = Step::scores;
  uint64_t unit_ = 0;
  std::unique_ptr<LayerProgram> sub_;
  uint64_t next_id_ = 0;
  SlotRings rings_;
  /// Final instruction ids of the recent steps, by unit parity, and of the running output of the
  /// current query block: what later steps depend on.
  std::array<uint64_t, 2> scores_last_{UINT64_MAX, UINT64_MAX}, softmax_last_{UINT64_MAX, UINT64_MAX},
      context_last_{UINT64_MAX, UINT64_MAX};
  uint64_t output_last_ = UINT64_MAX;
};

}  // namespace tpusim::mapper
