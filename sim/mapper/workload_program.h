#pragma once
/// The whole workload as a ProgramSource: layers in order, each lowered lazily by LayerProgram
/// from its mapped plan. In barrier mode each layer stands alone (ids from 0). In graph mode ids
/// run on across layers, each layer's first reads of a tensor wait for that tensor's producer,
/// buffer-slot rings continue from one op to the next (a load into a slot waits for the previous
/// op's last use of it), and matrix layers run their fused epilogues.
#include <memory>
#include <vector>

#include "arch/isa/isa.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/program.h"

namespace tpusim::mapper {

class WorkloadProgram : public arch::ProgramSource {
 public:
  /// `mapped` must be planned (native timing) and outlive the program.
  explicit WorkloadProgram(const MappedWorkload& mapped);

  bool next_layer() override;
  bool next_instr(Instr& out) override;
  arch::LayerUnit layer_unit() const override { return current_->unit(); }
  uint32_t current_op() const override { return static_cast<uint32_t>(next_ - 1); }
  std::vector<uint32_t> current_ops() const override;
  bool may_reference(uint64_t id) const override;
  bool at_block_boundary() const override { return current_->at_block_boundary(); }
  uint64_t identical_blocks_ahead() const override { return current_->identical_blocks_ahead(); }
  void skip_blocks(uint64_t blocks) override { current_->skip_blocks(blocks); }

 private:
  /// The current layer has generated everything: remember its final id for its consumers.
  void finish_layer();

  const MappedWorkload& mapped_;
  size_t next_ = 0;
  std::unique_ptr<LayerProgram> current_;
  bool done_ = false;               ///< the current layer has generated everything
  uint64_t next_id_ = 0;            ///< graph mode: the id of the next layer's first instruction
  SlotRings rings_;                 ///< graph mode: as the last layer left them
  std::vector<uint64_t> final_id_;  ///< graph mode: by layer, its final instruction (UINT64_MAX: none yet)
  std::vector<size_t> readers_left_;  ///< graph mode: by layer, consumers not yet generating
};

}  // namespace tpusim::mapper
