#pragma once
/// The whole workload as a ProgramSource: layers in order, each lowered lazily by LayerProgram.
#include <memory>

#include "arch/isa/isa.h"
#include "sim/mapper/program.h"

namespace tpusim::mapper {

class WorkloadProgram : public arch::ProgramSource {
 public:
  WorkloadProgram(const ArchConfig& arch, const Workload& workload, std::vector<LayerContext> contexts)
      : arch_(arch), workload_(workload), contexts_(std::move(contexts)) {}

  bool next_layer() override {
    if (next_ >= workload_.layers.size()) return false;
    current_ = std::make_unique<LayerProgram>(arch_, workload_.layers[next_], contexts_[next_]);
    ++next_;
    return true;
  }
  bool next_instr(Instr& out) override { return current_->next(out); }
  bool layer_is_matrix() const override { return current_->is_matrix(); }
  bool may_reference(uint64_t id) const override { return current_ && current_->may_reference(id); }

 private:
  const ArchConfig& arch_;
  const Workload& workload_;
  std::vector<LayerContext> contexts_;
  size_t next_ = 0;
  std::unique_ptr<LayerProgram> current_;
};

}  // namespace tpusim::mapper
