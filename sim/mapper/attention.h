#pragma once
/// The fused attention op (`attention`, flash-style): how it is cut into tiles and lowered into
/// the instructions of one kernel. Per group (the op's `count`) the m query rows are cut into
/// blocks of q_block rows; each block is one *instance* of three steps, planned as ordinary ops:
///
///   scores   S = Q_blk K^T    matmul, q_block x k x n; S stays in on-chip memory (no store)
///   softmax  P = softmax(S)   vector op over q_block x n, reading S and writing P on chip
///   context  O = P V          matmul, q_block x n x k, reading P on chip and V from memory;
///                             O is stored
///
/// Q is read once, K and V once per block (the re-reads a flash kernel makes), the scores and
/// probabilities never reach DRAM. A block holds a whole row of keys (the kernel's key block is
/// n), so no online-softmax rescaling is needed or counted. The steps of consecutive instances are
/// software-pipelined as a fused kernel issues them: S(t+1) is emitted before O(t), so the
/// softmax of one block runs on the vector unit while the matrix units compute the next block's
/// scores; up to four score-sized tiles are live (S(t+1), S(t) and P(t) in the softmax, P(t-1)
/// in the context), and every step is planned with the others reserved (LayerContext::reserved_bytes).
/// The rules and the choice of q_block are in sim/mapper/README.md ("Fused attention").
#include <array>
#include <cstdint>
#include <memory>

#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/program.h"

namespace tpusim::mapper {

/// The tiling of one fused attention op.
struct AttentionPlan {
  uint64_t q_block = 0;    ///< query rows per block
  uint64_t blocks = 0;     ///< blocks per group: ceil(m / q_block)
  uint64_t tail_rows = 0;  ///< rows of each group's last block (q_block when it divides m)
  uint64_t groups = 0;     ///< the op's count
  uint64_t score_tile_bytes = 0;  ///< one block's scores (q_block x n at /datatypes/output)
  /// The three steps of a block, as layers and their plans (the last block's when it is shorter).
  struct Tile {
    Layer scores, softmax, context;
    MappedLayer scores_plan, softmax_plan, context_plan;
  };
  Tile full, tail;
  uint64_t instances() const { return groups * blocks; }
  /// The tile of instance t (group-major: a group's blocks are consecutive).
  const Tile& tile(uint64_t t) const { return t % blocks + 1 == blocks ? tail : full; }
  /// Folds and vector chunks the op steps (the work bound of `run --max-folds`).
  double steps() const;
};

/// Plans a fused attention layer: its own q_block if it gives one (InputError at /q_block when the
/// block does not fit), else the largest of m, ceil(m / 2), ceil(m / 4), ... rounded up to a
/// multiple of 8 rows whose four score tiles and steps fit; InputError when even 8 rows do not, or
/// when no one buffer holds both inputs and outputs (the scores stay where the matrix unit writes
/// and the vector unit reads them).
std::shared_ptr<const AttentionPlan> plan_attention(const ArchConfig& arch, const Layer& layer);

/// Generates a fused attention layer's instructions: the instances' steps as LayerPrograms, one
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
  enum class Step { scores, softmax, context };
  /// Starts the program of stage `stage_` (false when all are done).
  bool start_stage();
  void finish_stage();

  const ArchConfig& arch_;
  std::shared_ptr<const AttentionPlan> plan_;  ///< shared: the MappedLayer may be a temporary
  GraphLinks links_;
  uint64_t stage_ = 0, stages_ = 0;
  Step step_ = Step::scores;
  uint64_t instance_ = 0;
  std::unique_ptr<LayerProgram> sub_;
  uint64_t next_id_ = 0;
  SlotRings rings_;
  /// Final instruction ids of the recent steps, by instance parity: what later steps depend on.
  std::array<uint64_t, 2> scores_last_{UINT64_MAX, UINT64_MAX}, softmax_last_{UINT64_MAX, UINT64_MAX};
};

}  // namespace tpusim::mapper
