#pragma once
/// The whole workload as a ProgramSource: layers in order, each lowered lazily by LayerProgram
/// from its mapped plan.
#include <memory>

#include "arch/isa/isa.h"
#include "sim/base/error.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/program.h"

namespace tpusim::mapper {

class WorkloadProgram : public arch::ProgramSource {
 public:
  /// `mapped` must be planned (native timing) and outlive the program.
  explicit WorkloadProgram(const MappedWorkload& mapped) : mapped_(mapped) {
    TPUSIM_ASSERT(mapped.planned(), "a program needs a planned mapping (native timing)");
  }

  bool next_layer() override {
    if (next_ >= mapped_.size()) return false;
    current_ = std::make_unique<LayerProgram>(mapped_.arch(), mapped_.layer(next_));
    ++next_;
    return true;
  }
  bool next_instr(Instr& out) override { return current_->next(out); }
  bool layer_is_matrix() const override { return current_->is_matrix(); }
  bool may_reference(uint64_t id) const override { return current_ && current_->may_reference(id); }
  bool at_block_boundary() const override { return current_->at_block_boundary(); }
  uint64_t identical_blocks_ahead() const override { return current_->identical_blocks_ahead(); }
  void skip_blocks(uint64_t blocks) override { current_->skip_blocks(blocks); }

 private:
  const MappedWorkload& mapped_;
  size_t next_ = 0;
  std::unique_ptr<LayerProgram> current_;
};

}  // namespace tpusim::mapper
