#include "arch/chip/top.h"

#include <algorithm>

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
  std::vector<UnitQueue*> queues = {&dma_->loads(), &dma_->stores(), &array_->queue(), &vector_->queue()};
  if (arch.sparse_core) {
    sparse_dma_ = std::make_unique<DmaEngine>("sparse_dma", arch, *dram_, raw, scoreboard_, trace,
                                              arch.sparse_core->gather_channels());
    sparse_vector_ = std::make_unique<VectorUnit>("sparse_vector", scoreboard_, trace);
    queues.insert(queues.end(), {&sparse_dma_->loads(), &sparse_dma_->stores(), &sparse_vector_->queue()});
  }
  for (UnitQueue* q : queues) q->set_capacity(arch.core.queue_depth);
  // Values older than the oldest unfinished block linger in the DMA's descriptors in flight (one
  // block each at least) and in each unit's last instruction. (The SparseCore's gathers are
  // never skipped: their rows start at other offsets in every chunk.)
  const uint64_t trailing = arch.dma.channels + 2;
  const bool skip = fast_forward && arch.array.model != ArrayModel::cycle;
  controller_ = std::make_unique<Controller>("controller", program, scoreboard_, *this, trace, skip ? trailing : 0,
                                             arch.core.layer_barrier || arch.timing != TimingMode::native);
  const auto registered = [this](auto&& registers) {
    CounterRange r{stats_.size(), 0};
    registers();
    r.end = stats_.size();
    return r;
  };
  controller_->register_stats(stats_);
  array_counters_ = registered([&] { array_->register_stats(stats_); });
  vector_counters_ = registered([&] { vector_->register_stats(stats_); });
  dma_counters_ = registered([&] { dma_->register_stats(stats_); });
  buffer_counters_ = registered([&] {
    for (const auto& b : buffers_) b->register_stats(stats_);
  });
  dram_counters_ = registered([&] { dram_->register_stats(stats_); });
  if (sparse_dma_) {
    sparse_dma_counters_ = registered([&] { sparse_dma_->register_stats(stats_); });
    sparse_vector_counters_ = registered([&] { sparse_vector_->register_stats(stats_); });
  }
}

UnitQueue& Top::queue(const Instr& instr) {
  if (instr.on_sparse_core) {
    TPUSIM_ASSERT(sparse_dma_ && instr.kind != InstrKind::matmul, "SparseCore instruction without one, or a matmul");
    if (instr.kind == InstrKind::vector_op) return sparse_vector_->queue();
    return instr.kind == InstrKind::load ? sparse_dma_->loads() : sparse_dma_->stores();
  }
  switch (instr.kind) {
    case InstrKind::load: return dma_->loads();
    case InstrKind::store: return dma_->stores();
    case InstrKind::matmul: return array_->queue();
    case InstrKind::vector_op: return vector_->queue();
  }
  throw InternalError("instruction of no known kind");
}

void Top::begin_layer(LayerUnit unit, uint64_t start_cycle) {
  switch (unit) {
    case LayerUnit::matrix: return array_->begin_layer(start_cycle);
    case LayerUnit::vector: return vector_->begin_layer(start_cycle);
    case LayerUnit::sparse_core: return sparse_vector_->begin_layer(start_cycle);
    case LayerUnit::fused:  // the matrix unit's account; the vector unit runs ops in between
      vector_->begin_layer(start_cycle);
      return array_->begin_layer(start_cycle);
  }
}

CycleAccount Top::end_layer(LayerUnit unit, uint64_t end_cycle) {
  switch (unit) {
    case LayerUnit::matrix: return array_->end_layer(end_cycle);
    case LayerUnit::vector: return vector_->end_layer(end_cycle);
    case LayerUnit::sparse_core: return sparse_vector_->end_layer(end_cycle);
    case LayerUnit::fused:
      vector_->end_layer(end_cycle);  // its own counters; the layer's account is the matrix unit's
      return array_->end_layer(end_cycle);
  }
  throw InternalError("layer on no known unit");
}

void Top::advance_counters(const stats::Snapshot& delta, uint64_t times, uint64_t cycles) {
  stats_.advance(delta, times);
  array_->skipped(cycles, matrix_account(delta, times));  // for its timeline
}

CycleAccount Top::matrix_account(const stats::Snapshot& delta, uint64_t times) const {
  CycleAccount a;
  for (size_t i = 0; i < kCycleClassCount; ++i)
    a.cycles[i] = delta.values[stats_.index(std::string(array_->name()) + "." + to_string(static_cast<CycleClass>(i)) +
                                            "_cycles")] * times;
  return a;
}

void Top::begin_graph(OpCounters* ops, CounterRange, CounterRange& buffers) {
  array_->enable_timeline();
  array_->set_op_counters(ops, array_counters_);
  vector_->set_op_counters(ops, vector_counters_);
  dma_->set_op_counters(ops, dma_counters_, buffer_counters_, dram_counters_);
  if (sparse_dma_) {
    sparse_dma_->set_op_counters(ops, sparse_dma_counters_, buffer_counters_, dram_counters_);
    sparse_vector_->set_op_counters(ops, sparse_vector_counters_);
  }
  buffers = buffer_counters_;
}

void Top::finish_graph(uint64_t end_cycle) {
  // After the last fold the matrix unit waits on vector work: the core's lanes or the SparseCore's.
  const uint64_t vector_until = std::max(vector_->busy_until(), sparse_vector_ ? sparse_vector_->busy_until() : 0);
  array_->finish_run(end_cycle, vector_until);
}

void Top::count_sram(const Instr& instr) {
  for (size_t b = 0; b < buffers_.size(); ++b) buffers_[b]->count(instr.sram_read_bytes[b], instr.sram_write_bytes[b]);
}

}  // namespace tpusim::arch
