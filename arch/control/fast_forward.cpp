#include "arch/control/fast_forward.h"

#include <algorithm>
#include <string>

#include "sim/base/error.h"

namespace tpusim::arch {

namespace {

constexpr uint64_t kUnknownCycle = UINT64_MAX;

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A fast 64-bit combine (a multiply-rotate, as in xxHash's round); blocks are finalized with
/// splitmix, so equal signatures mean equal inputs but for a 2^-64 chance.
uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v * 0x9e3779b97f4a7c15ULL;
  h = (h << 31) | (h >> 33);
  return h * 0xc2b2ae3d27d4eb4fULL;
}

/// The instruction as queued, with its dependencies as distances and its place in the block.
uint64_t content_hash(const Instr& i, uint64_t first_id) {
  uint64_t h = mix(mix(i.id - first_id, static_cast<uint64_t>(i.kind)), i.op);  // blocks of two ops never match
  for (uint64_t v : {static_cast<uint64_t>(i.operand), i.dram_bytes, i.fold.rows_used, i.fold.cols_used,
                     i.fold.stream_len, i.vector_cycles, i.macs, uint64_t{i.dep_count}, uint64_t{i.release_deps}})
    h = mix(h, v);
  for (uint8_t d = 0; d < i.dep_count; ++d) h = mix(h, i.id - i.deps[d]);
  for (size_t b = 0; b < kMaxBuffers; ++b) h = mix(mix(h, i.sram_read_bytes[b]), i.sram_write_bytes[b]);
  h = mix(mix(h, i.stationary_read_bytes), i.streamed_read_bytes);
  return h;
}

/// A cycle relative to the block's reference cycle (wrapping arithmetic keeps it exact).
uint64_t relative(uint64_t cycle, uint64_t t_ref) {
  return cycle == kUnknownCycle ? 0x5bd1e995ULL : cycle - t_ref;
}

}  // namespace

FastForward::FastForward(uint64_t trailing_blocks, std::function<stats::Snapshot()> snapshot)
    : trailing_(trailing_blocks),
      snapshot_(std::move(snapshot)),
      run_(kMaxPeriod + 1, 0),
      shift_(kMaxPeriod + 1, 0),
      signatures_(kHistory, 0),
      t_refs_(kHistory, 0) {}

void FastForward::begin_layer() {
  open_.clear();
  history_.clear();
  std::fill(run_.begin(), run_.end(), 0);
  content_run_ = last_content_ = run_lag_ = 0;
  check_until_block_ = checked_period_ = 0;
}

FastForward::OpenBlock& FastForward::open(uint64_t block) {
  TPUSIM_ASSERT(!open_.empty() && block >= open_.front().block && block - open_.front().block < open_.size(),
                "an instruction of a block that is not open");
  return open_[block - open_.front().block];
}

void FastForward::on_push(const Instr& instr) {
  if (open_.empty() || open_.back().block != instr.block) {
    TPUSIM_ASSERT(open_.empty() || open_.back().closed, "a block began before the previous one closed");
    OpenBlock b;
    b.block = instr.block;
    b.first_id = instr.id;
    b.t_ref = instr.issue_cycle;
    b.lag = open_.empty() ? 0 : b.block - open_.front().block;
    open_.push_back(b);
  }
  OpenBlock& b = open_.back();
  ++b.pushed;
  b.content = mix(b.content, content_hash(instr, b.first_id));
  for (uint8_t d = 0; d < instr.dep_count; ++d) b.max_dep_distance = std::max(b.max_dep_distance, instr.id - instr.deps[d]);
}

void FastForward::close_block() {
  if (open_.empty() || open_.back().closed) return;
  OpenBlock& b = open_.back();
  b.closed = true;
  const bool same = b.content == last_content_;
  content_run_ = same ? content_run_ + 1 : 1;
  run_lag_ = same ? std::max(run_lag_, b.lag) : b.lag;
  last_content_ = b.content;
  while (!open_.empty() && open_.front().closed && open_.front().completed == open_.front().pushed) {
    retire(open_.front());
    open_.pop_front();
  }
}

void FastForward::on_complete(const Instr& instr, uint64_t cycle, uint64_t inputs_released,
                              uint64_t weights_released, CycleClass cause, const UnitRecord& record) {
  OpenBlock& b = open(instr.block);
  uint64_t h = mix(instr.id - b.first_id, relative(instr.issue_cycle, b.t_ref));
  for (uint64_t c : {cycle, inputs_released, weights_released}) h = mix(h, relative(c, b.t_ref));
  h = mix(h, static_cast<uint64_t>(cause));
  for (uint8_t k = 0; k < record.cycle_count; ++k) h = mix(h, relative(record.cycles[k], b.t_ref));
  for (uint8_t k = 0; k < record.relative_count; ++k) h = mix(h, static_cast<uint64_t>(record.relative[k]));
  b.behaviour += h;  // order-free: units finish a block's instructions in any order
  ++b.completed;
  while (!open_.empty() && open_.front().closed && open_.front().completed == open_.front().pushed) {
    retire(open_.front());
    open_.pop_front();
  }
}

void FastForward::retire(const OpenBlock& b) {
  Retired r;
  r.block = b.block;
  r.content = b.content;
  r.signature = splitmix(mix(b.content, b.behaviour));
  r.t_ref = b.t_ref;
  r.instructions = b.pushed;
  r.max_dep_distance = b.max_dep_distance;
  r.counters = snapshot_();
  TPUSIM_ASSERT(history_.empty() || history_.back().block + 1 == r.block, "blocks retired out of order");
  history_.push_back(std::move(r));
  if (history_.size() > kHistory) history_.pop_front();
  const Retired& now = history_.back();
  // Signatures and reference cycles by block, in a ring, for the scan over periods.
  const size_t at = now.block % kHistory;
  signatures_[at] = now.signature;
  t_refs_[at] = now.t_ref;
  const uint64_t periods = std::min<uint64_t>(kMaxPeriod, history_.size() - 1);
  for (uint64_t p = 1; p <= periods; ++p) {
    const size_t old = (now.block - p) % kHistory;
    if (signatures_[old] != now.signature) {
      run_[p] = 0;
      continue;
    }
    const uint64_t shift = now.t_ref - t_refs_[old];
    run_[p] = run_[p] > 0 && shift_[p] == shift ? run_[p] + 1 : 1;
    shift_[p] = shift;
  }
  if (now.block <= check_until_block_ && run_[checked_period_] < 2)
    throw InternalError("internal error: periodic fast-forward: block " + std::to_string(now.block) +
                        ", in flight at a skip, broke the period of " + std::to_string(checked_period_) +
                        " blocks (run again with --no-fast-forward and report it)");
}

std::optional<FastForward::Skip> FastForward::plan_skip(uint64_t identical_ahead,
                                                         const std::function<bool(const Skip&)>& allowed) {
  if (history_.empty() || open_.empty() || identical_ahead < 2) return std::nullopt;
  const Retired& last = back(0);
  const uint64_t ipb = last.instructions;
  const uint64_t last_closed = open_.back().closed ? open_.back().block : open_.back().block - 1;
  // The model's memory in blocks: the blocks in flight when a block of the run was queued, those
  // just before them whose values can linger (trailing_), and how far back a block names (the
  // run's blocks hold the same instructions as the last queued one, dependency distances included).
  const OpenBlock& queued = open_.back();
  TPUSIM_ASSERT(queued.closed, "a skip planned inside a block");
  const uint64_t memory = run_lag_ + trailing_ + (queued.max_dep_distance + ipb - 1) / ipb + 1;
  for (uint64_t p = 1; p <= kMaxPeriod; ++p) {
    // `memory` blocks in a row, each equal to the one P earlier, fix everything the state depends on.
    if (run_[p] < memory || history_.size() < 2 * p + 1) continue;
    // Every block from the run's start to the last queued one holds the same instructions.
    const uint64_t run_start = last.block + 1 - run_[p] - p;
    if (content_run_ < last_closed - run_start + 1) continue;
    // The counters grew the same over the last two periods.
    // Counters are compared over the same layout (the per-op part changes with the layer).
    const size_t n = last.counters.values.size();
    if (back(p).counters.values.size() != n || back(2 * p).counters.values.size() != n) continue;
    const stats::Snapshot delta = stats::difference(last.counters, back(p).counters);
    if (stats::difference(back(p).counters, back(2 * p).counters).values != delta.values) continue;
    // The blocks in flight at the skip become the last skipped ones' successors. They are checked
    // to keep the period, which they must while the `memory` blocks after them are identical too
    // (later, different blocks may legitimately change their timing through shared resources).
    if (identical_ahead <= memory) return std::nullopt;
    const uint64_t step = p % 2 == 0 ? p : 2 * p;  // even, so slot rings keep their parity
    const uint64_t blocks = (identical_ahead - memory) / step * step;
    if (blocks == 0) return std::nullopt;
    Skip s;
    s.blocks = blocks;
    s.periods = blocks / p;
    s.cycles = s.periods * shift_[p];
    s.instructions = blocks * ipb;
    s.delta = delta;
    if (!allowed(s)) return std::nullopt;
    check_until_block_ = open_.back().block;
    checked_period_ = p;
    skipped_blocks_ += blocks;
    return s;
  }
  return std::nullopt;
}

}  // namespace tpusim::arch
