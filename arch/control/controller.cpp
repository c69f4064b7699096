#include "arch/control/controller.h"

#include <algorithm>

#include "arch/clock_domain.h"
#include "sim/base/error.h"

namespace tpusim::arch {

Controller::Controller(sc_core::sc_module_name name, ProgramSource& program, Scoreboard& scoreboard,
                       CorePorts& core, ShiftedTrace* trace, uint64_t fast_forward_trailing, bool barrier)
    : sc_module(name), program_(program), scoreboard_(scoreboard), core_(core), trace_(trace), barrier_(barrier) {
  scoreboard_.set_references(this);
  if (fast_forward_trailing > 0) {
    // The registry, and in graph mode each current op's share of it (skipped periods add to both).
    ff_ = std::make_unique<FastForward>(fast_forward_trailing, [this] {
      stats::Snapshot s = core_.stats().snapshot();
      if (op_counters_)
        for (uint32_t op : program_.current_ops()) {
          const stats::Snapshot o = op_counters_->of(op);
          s.values.insert(s.values.end(), o.values.begin(), o.values.end());
        }
      return s;
    });
    scoreboard_.set_fast_forward(ff_.get());
  }
  SC_THREAD(run);
}

void Controller::register_stats(stats::Registry& r) {
  own_counters_.begin = r.size();
  r.add(std::string(name()) + ".instructions", stats::Unit::count, "instructions issued to the units' queues",
        &instructions_);
  own_counters_.end = r.size();
}

void Controller::try_skip() {
  if (!barrier_) {
    // Graph mode: every earlier op's span must be settled (a span must not end inside the skipped
    // stretch, whose classes have no positions).
    const uint32_t op = program_.current_op();
    for (uint32_t i = 0; i < op && i < ops_.size(); ++i)
      if (!ops_[i].settled && ops_[i].pushed > 0) return;
  }
  const auto skip = ff_->plan_skip(program_.identical_blocks_ahead(), [&](const FastForward::Skip& s) {
    const stats::Snapshot registry{std::vector<uint64_t>(s.delta.values.begin(), s.delta.values.begin() +
                                                                                     core_.stats().size())};
    return barrier_ || core_.matrix_covers(registry, s.periods, s.cycles);
  });
  if (!skip) return;
  const uint64_t now = now_cycles();
  program_.skip_blocks(skip->blocks);
  // The delta holds the registry's counters, then (graph mode) each current op's.
  const size_t n = core_.stats().size();
  stats::Snapshot registry_delta{std::vector<uint64_t>(skip->delta.values.begin(), skip->delta.values.begin() + n)};
  core_.advance_counters(registry_delta, skip->periods, skip->cycles);
  if (op_counters_) {
    const std::vector<uint32_t> ops = program_.current_ops();
    TPUSIM_ASSERT(skip->delta.values.size() == n * (1 + ops.size()), "a skip's counters of another layout");
    for (size_t k = 0; k < ops.size(); ++k) {
      const auto from = skip->delta.values.begin() + static_cast<long>(n * (1 + k));
      op_counters_->advance(ops[k], stats::Snapshot{std::vector<uint64_t>(from, from + static_cast<long>(n))},
                            skip->periods);
    }
  }
  if (trace_) {
    trace_->sink()->span(TraceLane::array, "fast-forward", now + cycle_offset_, now + cycle_offset_ + skip->cycles,
                         skip->blocks, program_.current_op());
    trace_->shift(skip->cycles, skip->instructions);
  }
  cycle_offset_ += skip->cycles;
}

void Controller::issue(Instr& instr) {
  OpCounters::Scope op_scope(op_counters_.get(), instr.op, {own_counters_, buffer_counters_});  // (ends before the push waits)
  core_.count_sram(instr);
  ++instructions_;
  instr.issue_cycle = now_cycles();
  scoreboard_.reference(instr);
  if (ff_) ff_->on_push(instr);
}

bool Controller::fetch(Instr& instr, uint64_t& block, bool& in_block) {
  end_block(in_block);
  if (!program_.next_instr(instr)) return false;
  if (!in_block) {
    ++block;
    in_block = true;
  }
  instr.block = block;
  return true;
}

void Controller::end_block(bool& in_block) {
  if (!in_block || !program_.at_block_boundary()) return;
  in_block = false;
  if (ff_) {
    ff_->close_block();
    try_skip();
  }
}

void Controller::run() {
  barrier_ ? run_barrier() : run_graph();
  finished_ = true;
}

void Controller::run_barrier() {
  uint64_t block = 0;
  while (program_.next_layer()) {
    LayerTiming t;
    const uint64_t start = now_cycles();
    t.start_cycle = start + cycle_offset_;
    const stats::Snapshot before = core_.stats().snapshot();
    const LayerUnit unit = program_.layer_unit();
    const bool matrix = unit == LayerUnit::matrix, fused = unit == LayerUnit::fused;
    scoreboard_.reset();
    core_.begin_layer(unit, start);
    if (ff_) ff_->begin_layer();
    block = 0;
    Instr instr;
    uint64_t layer_instructions = 0;
    bool in_block = false;
    while (fetch(instr, block, in_block)) {
      TPUSIM_ASSERT(instr.kind != InstrKind::matmul || matrix || fused, "matmul in a vector layer");
      TPUSIM_ASSERT(instr.kind != InstrKind::vector_op || !matrix, "vector op in a matrix layer");
      ++layer_instructions;
      issue(instr);
      core_.queue(instr).push(instr);
    }
    if (ff_) ff_->close_block();
    // Barrier: every instruction registered its completion, and that time has come.
    while (scoreboard_.registered() < layer_instructions) wait(scoreboard_.progress());
    const uint64_t end = std::max(now_cycles(), scoreboard_.last_completion());
    wait_until(end);
    t.end_cycle = end + cycle_offset_;
    t.breakdown = core_.end_layer(unit, end);
    TPUSIM_ASSERT(t.breakdown.total() == t.end_cycle - t.start_cycle,
                  "cycle breakdown does not sum to the layer's cycles");
    t.counters = stats::difference(core_.stats().snapshot(), before);
    if (trace_) trace_->sink()->span(TraceLane::layers, "layer", t.start_cycle, t.end_cycle, layers_.size(),
                                      static_cast<uint32_t>(layers_.size()));
    layers_.push_back(std::move(t));
  }
  makespan_ = layers_.empty() ? 0 : layers_.back().end_cycle;
}

void Controller::run_graph() {
  op_counters_ = std::make_unique<OpCounters>(core_.stats());
  core_.begin_graph(op_counters_.get(), own_counters_, buffer_counters_);
  scoreboard_.set_op_observer(this);
  Instr instr;
  uint64_t issued = 0, block = 0;
  bool in_block = false;
  while (program_.next_layer()) {
    const uint32_t op = program_.current_op();
    if (ops_.size() <= op) ops_.resize(op + 1);
    while (fetch(instr, block, in_block)) {
      if (ops_.size() <= instr.op) ops_.resize(instr.op + 1);  // an epilogue of a later op
      ++ops_[instr.op].pushed;
      ++issued;
      issue(instr);
      core_.queue(instr).push(instr);
    }
    ops_[op].closed = true;
  }
  if (ff_) ff_->close_block();
  while (scoreboard_.registered() < issued) wait(scoreboard_.progress());
  const uint64_t end = std::max(now_cycles(), scoreboard_.last_completion());
  wait_until(end);
  core_.finish_graph(end);
  makespan_ = end + cycle_offset_;
  settle_ops(true);
  const stats::Registry& reg = core_.stats();
  for (uint32_t op = 0; op < ops_.size(); ++op) {
    const OpSpan& o = ops_[op];
    LayerTiming t;
    if (o.pushed == 0) {  // an op without instructions (fused away entirely): an empty span at its producer
      t.start_cycle = t.end_cycle = o.start == UINT64_MAX ? 0 : o.start;
    } else {
      t.start_cycle = o.start;
      t.end_cycle = o.end;
      t.breakdown = o.account;
    }
    TPUSIM_ASSERT(t.breakdown.total() == t.end_cycle - t.start_cycle, "an op's classes do not sum to its span");
    t.counters = op_counters_->of(op);
    // The matrix unit's class counters of the op are those of its span, not of its folds alone.
    for (size_t i = 0; i < kCycleClassCount; ++i) {
      const std::string name = "top.array." + std::string(to_string(static_cast<CycleClass>(i))) + "_cycles";
      if (reg.has(name)) t.counters.values[reg.index(name)] = t.breakdown.cycles[i];
    }
    if (trace_ && o.pushed > 0) trace_->sink()->span(TraceLane::layers, "layer", t.start_cycle, t.end_cycle, op, op);
    layers_.push_back(std::move(t));
  }
}

void Controller::op_progress(const Instr& instr, uint64_t start_cycle, uint64_t end_cycle) {
  OpSpan& o = ops_.at(instr.op);
  const uint64_t start = start_cycle + cycle_offset_, end = end_cycle + cycle_offset_;
  if (start < o.start) {
    o.start = start;
    o.start_pending = true;
  }
  o.end = std::max(o.end, end);
  ++o.done;
  settle_ops(false);
}

void Controller::settle_ops(bool final) {
  ClassTimeline& tl = core_.timeline();
  uint64_t keep_from = now_cycles() + cycle_offset_;  // no later start or end lies before now
  for (OpSpan& o : ops_) {
    if (o.settled || o.done == 0) continue;
    if (o.start_pending && tl.frontier() >= o.start) {
      o.at_start = tl.cumulative_at(o.start);
      o.start_pending = false;
    }
    const bool complete = o.closed && o.done == o.pushed;
    if (complete && !o.start_pending && tl.frontier() >= o.end) {
      o.account = tl.cumulative_at(o.end).since(o.at_start);
      o.settled = true;
      continue;
    }
    TPUSIM_ASSERT(!final, "an op's span ends beyond the matrix unit's classed cycles");
    // Its start is still to be looked up; an earlier start found later lies after now.
    if (o.start_pending) keep_from = std::min(keep_from, o.start);
  }
  tl.prune_before(std::min(keep_from, tl.frontier()));
}

}  // namespace tpusim::arch
