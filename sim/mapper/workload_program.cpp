#include "sim/mapper/workload_program.h"

#include "sim/base/error.h"

namespace tpusim::mapper {

WorkloadProgram::WorkloadProgram(const MappedWorkload& mapped)
    : mapped_(mapped), final_id_(mapped.size(), UINT64_MAX), readers_left_(mapped.size(), 0) {
  TPUSIM_ASSERT(mapped.planned(), "a program needs a planned mapping (native timing)");
  const auto consumers = mapped.workload().consumers();
  for (size_t i = 0; i < consumers.size(); ++i) readers_left_[i] = consumers[i].size();
}

void WorkloadProgram::finish_layer() {
  if (done_ || !current_) return;
  done_ = true;
  if (!mapped_.graph()) return;
  const size_t i = next_ - 1;
  const MappedLayer& m = mapped_.layer(i);
  if (!current_->empty()) final_id_[i] = current_->last_id();
  // A fused layer's output is its host's: its readers wait for the host's final instruction.
  if (m.fused()) final_id_[i] = final_id_[m.fused_into];
  for (size_t e : m.epilogues) final_id_[e] = final_id_[i];
  next_id_ = current_->last_id() + 1;  // (an empty layer leaves it where it was)
  rings_ = current_->rings_after();
}

bool WorkloadProgram::next_layer() {
  finish_layer();
  if (next_ >= mapped_.size()) return false;
  const size_t i = next_++;
  const MappedLayer& m = mapped_.layer(i);
  GraphLinks links;
  links.op = m.op;
  if (mapped_.graph()) {
    links.first_id = next_id_;
    links.rings = rings_;
    for (size_t p : m.layer->inputs) {
      links.producers.push_back(p == Layer::kGraphInput ? GraphLinks::kNoProducer : final_id_[p]);
      if (p != Layer::kGraphInput) --readers_left_[p];
    }
  }
  std::vector<const MappedLayer*> epilogues;
  for (size_t e : m.epilogues) epilogues.push_back(&mapped_.layer(e));
  current_ = std::make_unique<LayerProgram>(mapped_.arch(), m, links, std::move(epilogues));
  done_ = false;
  return true;
}

bool WorkloadProgram::next_instr(Instr& out) {
  if (current_->next(out)) return true;
  finish_layer();
  return false;
}

std::vector<uint32_t> WorkloadProgram::current_ops() const {
  std::vector<uint32_t> ops{current_op()};
  for (size_t e : mapped_.layer(next_ - 1).epilogues) ops.push_back(static_cast<uint32_t>(e));
  return ops;
}

bool WorkloadProgram::may_reference(uint64_t id) const {
  if (current_ && current_->may_reference(id)) return true;
  // Final instructions of generated layers whose readers are still to come.
  for (size_t i = 0; i < next_; ++i)
    if (readers_left_[i] > 0 && final_id_[i] == id) return true;
  return false;
}

}  // namespace tpusim::mapper
