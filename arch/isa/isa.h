#pragma once
/// The instructions the controller issues to the decoupled units (DMA, matrix unit, vector
/// unit), and the interface through which it receives them. The mapper (sim/mapper) produces
/// them; the hardware model only executes them. Pure data.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "arch/isa/fold_shape.h"

namespace tpusim::arch {

constexpr size_t kMaxBuffers = 8;
constexpr size_t kMaxDeps = 8;

enum class InstrKind { load, matmul, vector_op, store };
const char* to_string(InstrKind k);

/// The unit that runs a layer's compute: the matrix unit, the vector unit, or the lanes of the
/// SparseCore-like unit (/sparse_core: an embedding_bag on a chip that has one).
/// The unit whose account a layer's cycles are (`fused`: the matrix unit's, a kernel that also
/// runs vector ops between its folds, such as the fused attention).
enum class LayerUnit { matrix, vector, sparse_core, fused };

/// What a DMA transfer moves (decides the stall category when a consumer waits for it).
enum class Operand { inputs, weights, outputs };
const char* to_string(Operand o);

struct Instr {
  uint64_t id = 0;  ///< program order, from 0 in each layer
  InstrKind kind = InstrKind::load;
  Operand operand = Operand::inputs;   ///< load/store: what moves
  uint64_t dram_bytes = 0;             ///< load/store: payload bytes to/from DRAM
  /// load: a gather (an embedding lookup) of `gather_rows` rows of `gather_row_bytes` at
  /// scattered addresses, each its own DRAM access holding a DMA channel (dram_bytes = rows x row
  /// bytes). Row j of the op's gather sequence (j = gather_first_row + i) starts at byte
  /// j x row bytes of a burst-aligned table, so rows straddle bursts as those offsets say
  /// (sim/mapper/README.md, "Embedding lookups"). 0: one sequential transfer.
  uint64_t gather_rows = 0;
  uint64_t gather_row_bytes = 0;
  uint64_t gather_first_row = 0;
  /// load, store, vector_op: runs on the SparseCore-like unit (its DMA and lanes), not the core's.
  bool on_sparse_core = false;
  timing::FoldShape fold;              ///< matmul
  uint64_t vector_cycles = 0;          ///< vector_op: busy cycles on the vector unit
  uint64_t macs = 0;                   ///< matmul: useful MACs
  std::array<uint64_t, kMaxDeps> deps{};  ///< ids this instruction waits for (all < id)
  uint8_t dep_count = 0;
  /// Bit i set: deps[i] is the last reader of the buffer slot this load refills, and the load
  /// waits until that reader has *released* its operand (read it into the array), not until
  /// it completes.
  uint8_t release_deps = 0;
  uint64_t issue_cycle = 0;  ///< when the controller queued it (set by the controller)
  /// The block (fold or vector chunk: the instructions of one tile step) it belongs to, counted
  /// by the controller from 1 in each layer (ProgramSource::at_block_boundary).
  uint64_t block = 0;
  /// The op (layer index in the workload) it belongs to (set by the controller).
  uint32_t op = 0;
  /// matmul: bytes of the fold's stationary and streamed operands read from their buffers, by
  /// all units and cores (a broadcast read counted once): what a double-buffered preload shares
  /// a buffer's ports with (/array/preload_shares_ports, arch/matrix/README.md).
  uint64_t stationary_read_bytes = 0;
  uint64_t streamed_read_bytes = 0;
  /// SRAM bytes read and written, by buffer index in ArchConfig::buffers.
  std::array<uint64_t, kMaxBuffers> sram_read_bytes{};
  std::array<uint64_t, kMaxBuffers> sram_write_bytes{};

  void add_dep(uint64_t dep);
  /// A dependency on the release of this load's operand slot by instruction `dep`.
  void add_release_dep(uint64_t dep);
};

/// A stream of layers, each a stream of instructions in a valid topological order.
class ProgramSource {
 public:
  virtual ~ProgramSource() = default;
  /// Moves to the next layer; false when the workload is done.
  virtual bool next_layer() = 0;
  /// Next instruction of the current layer; false at its end.
  virtual bool next_instr(Instr& out) = 0;
  /// The unit the current layer's compute runs on.
  virtual LayerUnit layer_unit() const = 0;
  /// The current layer's index in the workload (its op).
  virtual uint32_t current_op() const = 0;
  /// The ops whose instructions the current layer generates: its own, then its fused epilogues'.
  virtual std::vector<uint32_t> current_ops() const = 0;
  /// Whether an instruction not yet generated may name instruction `id` as a dependency (the
  /// scoreboard keeps such entries when their ring slot is needed).
  virtual bool may_reference(uint64_t id) const = 0;

  // Blocks, for the periodic fast-forward (arch/control/README.md). A block is the instructions
  // of one tile step (a fold with its loads and stores, a vector chunk).
  /// Whether the next instruction (if any) starts a new block.
  virtual bool at_block_boundary() const = 0;
  /// At a block boundary: how many of the following blocks are guaranteed identical to the last
  /// one (same instructions, same dependency distances), so that they may be skipped.
  virtual uint64_t identical_blocks_ahead() const = 0;
  /// At a block boundary: skips `blocks` (<= identical_blocks_ahead()) blocks without generating
  /// them. Instruction ids do not advance: the next block names the last generated ones as it
  /// would have named the last skipped ones.
  virtual void skip_blocks(uint64_t blocks) = 0;
};

}  // namespace tpusim::arch
