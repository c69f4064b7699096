#include "arch/memory/dma_engine.h"

#include <algorithm>

#include "arch/clock_domain.h"
#include "sim/base/math.h"

namespace tpusim::arch {

DmaEngine::DmaEngine(sc_core::sc_module_name name, const ArchConfig& arch, IDram& dram,
                     std::vector<SramBuffer*> buffers, Scoreboard& scoreboard, TraceSink* trace, uint64_t channels)
    : sc_module(name),
      channels_(channels > 0 ? channels : arch.dma.channels),
      burst_bytes_(arch.dma.burst_bytes),
      dram_burst_bytes_(arch.dram.burst_bytes),
      dram_(dram),
      buffers_(std::move(buffers)),
      scoreboard_(scoreboard),
      trace_(trace) {
  SC_THREAD(load_thread);
  SC_THREAD(store_thread);
}

void DmaEngine::register_stats(stats::Registry& r) {
  const std::string n = name();
  r.add(n + ".descriptors", stats::Unit::count, "load and store descriptors served", &descriptors_);
  r.add(n + ".bursts", stats::Unit::count, "DRAM bursts of the descriptors (payload rounded up to dma.burst_bytes)",
        &bursts_);
}

uint64_t DmaEngine::gather(const Instr& instr, std::deque<uint64_t>& in_flight) {
  // Each row is its own access: it takes a free channel (the oldest outstanding access frees one
  // when all are busy), crosses the bus as the bursts it touches, and holds the channel until its
  // data has arrived (bus time plus the DRAM latency). The rows of the gather go out in order.
  const uint64_t row = instr.gather_row_bytes, dram_burst = dram_burst_bytes_;
  uint64_t done = 0;
  for (uint64_t i = 0; i < instr.gather_rows; ++i) {
    while (!in_flight.empty() && in_flight.front() <= now_cycles()) in_flight.pop_front();
    if (in_flight.size() >= channels_) {
      wait_until(in_flight.front());
      in_flight.pop_front();
    }
    const uint64_t j = instr.gather_first_row + i;  // row j of a burst-aligned table of such rows
    const auto offset = static_cast<uint64_t>(static_cast<unsigned __int128>(j) * row % dram_burst);
    bursts_ += ceil_div(row, burst_bytes_);
    const uint64_t row_done = dram_.transfer(row, now_cycles(), false, offset);
    in_flight.push_back(row_done);
    done = std::max(done, row_done);
  }
  // The caller records the gather's completion (its last row's, or later if the SRAM port is) as
  // the last outstanding access: it stands for the last row.
  in_flight.pop_back();
  return done;
}

void DmaEngine::load_thread() { serve(loads_, false); }
void DmaEngine::store_thread() { serve(stores_, true); }

void DmaEngine::serve(UnitQueue& queue, bool is_write) {
  std::deque<uint64_t>& in_flight = is_write ? stores_in_flight_ : loads_in_flight_;
  for (;;) {
    const Instr instr = queue.pop();
    const uint64_t popped = now_cycles();
    CycleClass waited_on = CycleClass::idle;
    bool cross_op = false;
    const uint64_t ready = scoreboard_.wait_ready(instr, &waited_on, &cross_op);
    wait_until(ready);
    while (!in_flight.empty() && in_flight.front() <= now_cycles()) in_flight.pop_front();
    if (in_flight.size() >= channels_) {  // every channel busy: wait for the oldest
      wait_until(in_flight.front());
      in_flight.pop_front();
    }
    OpCounters::Scope op_scope(op_counters_, instr.op, {touched_[0], touched_[1], touched_[2]});
    ++descriptors_;
    // A gather waits for channels as it issues its rows; what it leaves behind is recorded from
    // its last claim (an op's span and the stall timeline never start before now).
    uint64_t done = instr.gather_rows > 0 ? gather(instr, in_flight) : 0;
    const uint64_t claimed = now_cycles();
    if (instr.gather_rows == 0) {
      bursts_ += ceil_div(instr.dram_bytes, burst_bytes_);
      done = dram_.transfer(instr.dram_bytes, claimed, is_write);
    }
    // What the transfer leaves behind: the DRAM's bus state and each buffer's port timeline.
    UnitRecord rec;
    rec.start = claimed;
    for (uint64_t c : {popped, ready, claimed, done}) rec.cycle(c);
    rec.rel(dram_.state_after(claimed));
    // The buffer side: a load writes its SRAM bytes, a store reads them, through the ports.
    for (size_t b = 0; b < buffers_.size(); ++b) {
      const uint64_t bytes = is_write ? instr.sram_read_bytes[b] : instr.sram_write_bytes[b];
      if (!bytes) continue;
      const uint64_t port_free = buffers_[b]->claim(bytes, claimed);
      rec.cycle(port_free);
      done = std::max(done, port_free);
    }
    in_flight.push_back(done);
    // Who waits for this transfer waits for memory, unless the transfer itself waited for a result
    // of an earlier op (a load of a tensor that op was still writing): then for that result.
    const CycleClass cause = cross_op && waited_on == CycleClass::raw_stall && ready > popped ? CycleClass::raw_stall
                             : instr.operand == Operand::weights                 ? CycleClass::weight_stall
                             : instr.operand == Operand::inputs                  ? CycleClass::input_stall
                                                                                 : CycleClass::output_stall;
    scoreboard_.complete(instr, done, cause, rec);
    if (trace_)
      trace_->span(is_write ? TraceLane::dma_store : TraceLane::dma_load, to_string(instr.operand), now_cycles(), done,
                   instr.id, instr.op);
  }
}

}  // namespace tpusim::arch
