#include "arch/chip/top.h"

#include "sim/base/error.h"

namespace tpusim::arch {

Top::Top(sc_core::sc_module_name name, const ArchConfig& arch, ProgramSource& program, TraceSink* sink,
         bool fast_forward)
    : sc_module(name) {
  if (sink) trace_ = std::make_unique<ShiftedTrace>(sink);
  ShiftedTrace* trace = trace_.get();
  dram_ = make_dram(arch, std::string(this->name()) + ".dram");
  std::vector<SramBuffer*> raw;
  for (const auto& b : arch.buffers) {
    buffers_.push_back(std::make_unique<SramBuffer>(b.name.c_str(), b));
    raw.push_back(buffers_.back().get());
  }
  dma_ = std::make_unique<DmaEngine>("dma", arch, *dram_, raw, scoreboard_, trace);
  array_ = std::make_unique<MatrixUnit>("array", arch, scoreboard_, trace);
  vector_ = std::make_unique<VectorUnit>("vector", scoreboard_, trace);
  // Values older than the oldest unfinished block linger in the DMA's descriptors in flight (one
  // block each at least) and in each unit's last instruction.
  const uint64_t trailing = arch.dma.channels + 2;
  const bool skip = fast_forward && arch.array.model != ArrayModel::cycle;
  controller_ = std::make_unique<Controller>("controller", program, scoreboard_, *this, trace, skip ? trailing : 0);
  controller_->register_stats(stats_);
  array_->register_stats(stats_);
  vector_->register_stats(stats_);
  dma_->register_stats(stats_);
  for (const auto& b : buffers_) b->register_stats(stats_);
  dram_->register_stats(stats_);
}

UnitQueue& Top::queue(InstrKind kind) {
  switch (kind) {
    case InstrKind::load: return dma_->loads();
    case InstrKind::store: return dma_->stores();
    case InstrKind::matmul: return array_->queue();
    case InstrKind::vector_op: return vector_->queue();
  }
  throw InternalError("instruction of no known kind");
}

void Top::begin_layer(bool matrix, uint64_t start_cycle) {
  matrix ? array_->begin_layer(start_cycle) : vector_->begin_layer(start_cycle);
}

CycleAccount Top::end_layer(bool matrix, uint64_t end_cycle) {
  return matrix ? array_->end_layer(end_cycle) : vector_->end_layer(end_cycle);
}

void Top::count_sram(const Instr& instr) {
  for (size_t b = 0; b < buffers_.size(); ++b) buffers_[b]->count(instr.sram_read_bytes[b], instr.sram_write_bytes[b]);
}

}  // namespace tpusim::arch
