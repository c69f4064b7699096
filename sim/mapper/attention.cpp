#include "sim/mapper/attention.h"

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/spec/json_reader.h"

namespace tpusim::mapper {

namespace {

Layer step_layer(const Layer& parent, const char* what, OpKind op) {
  Layer l;
  l.name = fmt::format("{} ({})", parent.name, what);
  l.op = op;
  l.file = parent.file;
  l.pointer = parent.pointer;
  return l;
}

/// Score tiles live at once: S and P of a lone unit; with a next unit pipelined behind it,
/// S(u+1), S(u), P(u) and P(u-1).
uint64_t live_tiles(uint64_t units) { return units > 1 ? 4 : 2; }

/// What one tiling needs to know to plan a unit.
struct Cut {
  uint64_t rows, cols;          ///< the unit's query rows and keys
  bool first, last;             ///< the query block's first and last key block
  uint64_t units;               ///< units in all (live tiles)
  uint64_t tile_bytes;          ///< a full unit's score tile
  uint64_t q_block;             ///< rows of a full query block (Q_i kept over its key blocks)
};

/// Plans one unit's steps into `tile`; false when they do not fit beside the live tiles (NoFit).
/// InputError when a buffer cannot hold a step's smallest tile at all.
bool plan_tile(const ArchConfig& arch, const Layer& parent, const Cut& c, AttentionPlan::Tile& tile) {
  const GemmShape& g = parent.gemm;
  tile.scores = step_layer(parent, "scores", OpKind::matmul);
  tile.scores.gemm = {c.rows, c.cols, g.k, 1};  // m, n, k: Q_i (rows x k) x K_j^T (k x cols)
  tile.softmax = step_layer(parent, "softmax", OpKind::softmax);
  const uint64_t scores = c.rows * c.cols;
  tile.softmax.vector = {scores, scores, 4 * scores};  // the softmax op's 4 lane-operations per score
  tile.context = step_layer(parent, "context", OpKind::matmul);
  tile.context.gemm = {c.rows, g.k, c.cols, 1};  // P (rows x cols) x V_j (cols x k)
  tile.has_combine = !c.first;
  tile.combine = step_layer(parent, "combine", OpKind::vector);
  const uint64_t out = c.rows * g.k;
  // O a + O_j: the running output and this unit's read, the sum written; 3 lane-operations per
  // element (rescale, add, and the last unit's division by the softmax's sum) and 4 per row for
  // the running maximum and sum.
  tile.combine.vector = {2 * out, out, 3 * out + 4 * c.rows};
  const uint64_t live = live_tiles(c.units) * c.tile_bytes;
  // The block's running output, this unit's context and Q_i stay beside the score tiles.
  const uint64_t eb = std::max(bytes_for(arch.datatypes.input, 1), bytes_for(arch.datatypes.output, 1));
  // (In 128 bits: q_block x k may reach 2^61; a sum beyond the buffer simply does not fit.)
  const unsigned __int128 kept128 = static_cast<unsigned __int128>(3) * c.q_block * g.k * eb;
  const unsigned __int128 cap = arch.buffer_for(BufferRole::outputs)->capacity_bytes;
  if (kept128 + static_cast<unsigned __int128>(live) > cap) return false;
  const uint64_t kept = static_cast<uint64_t>(kept128);
  try {
    // Each step's own resident tensors are in its context (Q in after the first key block, S out;
    // S in and P out; P in, and O_j out unless it is the block's output; O and O_j in); the
    // other live tiles are reserved.
    const bool single = c.first && c.last;
    tile.scores_plan = map_layer(arch, tile.scores, {!c.first, true, live - c.tile_bytes + kept});
    tile.softmax_plan = map_layer(arch, tile.softmax, {true, true, live - std::min(live, 2 * c.tile_bytes) + kept});
    tile.context_plan = map_layer(arch, tile.context, {true, !single, live - c.tile_bytes + kept});
    if (tile.has_combine) tile.combine_plan = map_layer(arch, tile.combine, {true, !c.last, live + c.q_block * g.k * eb});
  } catch (const NoFit&) {
    return false;
  }
  return true;
}

}  // namespace

uint64_t AttentionPlan::Tile::steps() const {
  return scores_plan.gemm.folds() + softmax_plan.vector.chunks + context_plan.gemm.folds() +
         (has_combine ? combine_plan.vector.chunks : 0);
}

uint64_t AttentionPlan::units_of(int last_q, int kv_pos) const {
  const uint64_t q = last_q ? 1 : blocks - 1;
  uint64_t kv = 0;
  if (kv_blocks == 1) kv = kv_pos == 2 ? 1 : 0;
  else kv = kv_pos == 1 ? kv_blocks - 2 : 1;
  return groups * q * kv;
}

double AttentionPlan::steps() const {
  double s = 0;
  for (int q = 0; q < 2; ++q)
    for (int p = 0; p < 3; ++p)
      if (units_of(q, p) > 0) s += static_cast<double>(units_of(q, p)) * static_cast<double>(tiles[q][p].steps());
  return s;
}

std::shared_ptr<const AttentionPlan> plan_attention(const ArchConfig& arch, const Layer& layer) {
  const BufferConfig* in = arch.buffer_for(BufferRole::inputs);
  if (in != arch.buffer_for(BufferRole::outputs))
    config::fail_at(layer.file, layer.pointer + "/op",
                    fmt::format("the fused attention keeps its scores in the buffer the matrix unit writes and the "
                                "vector unit reads: {} needs one buffer holding both inputs and outputs (/buffers); "
                                "use the unfused ops (matmul, softmax, matmul)",
                                arch.file));
  const GemmShape& g = layer.gemm;
  const uint64_t elem_bytes =
      std::max(bytes_for(arch.datatypes.input, 1), bytes_for(arch.datatypes.output, 1));  // a score as stored
  auto plan = std::make_shared<AttentionPlan>();
  plan->groups = g.count;
  const auto attempt = [&](uint64_t rows, uint64_t cols) {
    AttentionPlan& p = *plan;
    p.q_block = rows;
    p.blocks = ceil_div(g.m, rows);
    p.tail_rows = g.m - (p.blocks - 1) * rows;
    p.kv_block = cols;
    p.kv_blocks = ceil_div(g.n, cols);
    p.kv_tail = g.n - (p.kv_blocks - 1) * cols;
    p.score_tile_bytes = rows * cols * elem_bytes;
    for (int q = 0; q < 2; ++q)
      for (int pos = 0; pos < 3; ++pos) {
        if (p.units_of(q, pos) == 0) continue;
        const Cut c{q ? p.tail_rows : rows, pos == 2 ? p.kv_tail : cols, pos == 0 || p.kv_blocks == 1, pos == 2,
                    p.units(), p.score_tile_bytes, rows};
        if (!plan_tile(arch, layer, c, p.tiles[q][pos])) return false;
      }
    return true;
  };
  const BufferConfig* out = arch.buffer_for(BufferRole::outputs);
  const auto refuse = [&](const std::string& where, uint64_t rows, uint64_t cols) {
    config::fail_at(layer.file, layer.pointer + where,
                    fmt::format("a fused attention block of {} query rows x {} keys does not fit {}'s {} ({} bytes: {} "
                                "live score tiles of {} bytes beside the steps' operand tiles); {}",
                                rows, cols, arch.file, out->name, out->capacity_bytes,
                                live_tiles(g.count * ceil_div(g.m, rows) * ceil_div(g.n, cols)), rows * cols * elem_bytes,
                                where.empty() ? "use the unfused ops (matmul, softmax, matmul)"
                                              : "use smaller blocks"));
  };
  const uint64_t pinned_q = layer.attention.q_block, pinned_kv = layer.attention.kv_block;
  if (pinned_q > 0 || pinned_kv > 0) {
    // A pinned block size is used as given; the other one, when not pinned, is the whole extent.
    const uint64_t rows = pinned_q > 0 ? pinned_q : g.m, cols = pinned_kv > 0 ? pinned_kv : g.n;
    if (!attempt(rows, cols)) refuse(pinned_q > 0 ? "/q_block" : "/kv_block", rows, cols);
    return plan;
  }
  const auto halve = [](uint64_t x, uint64_t multiple) { return ceil_div(ceil_div(x, 2), multiple) * multiple; };
  // 1. Whole rows of keys, the largest query block down to min(m, 512) rows: fewest re-reads of
  //    K and V (once per query block) and no rescaling.
  const uint64_t q0 = std::min<uint64_t>(g.m, 512);
  for (uint64_t rows = g.m;; rows = std::max(q0, halve(rows, 8))) {
    if (attempt(rows, g.n)) return plan;
    if (rows <= q0) break;
  }
  // 2. Blocks of q0 rows, the largest key block that fits (a multiple of 128 keys).
  for (uint64_t cols = halve(g.n, 128); cols >= 128 && cols < g.n; cols = halve(cols, 128)) {
    if (attempt(q0, cols)) return plan;
    if (cols == 128) break;
  }
  // 3. Smaller query blocks, key blocks of 128 (or all the keys when fewer).
  const uint64_t kv_min = std::min<uint64_t>(g.n, 128);
  for (uint64_t rows = halve(q0, 8); rows >= 8 && rows < q0; rows = halve(rows, 8)) {
    if (attempt(rows, kv_min)) return plan;
    if (rows == 8) break;
  }
  refuse("", std::min<uint64_t>(g.m, 8), kv_min);
  return plan;  // not reached
}

// ---------------------------------------------------------------------------------------------

AttentionProgram::AttentionProgram(const ArchConfig& arch, const MappedLayer& mapped, const GraphLinks& links)
    : arch_(arch), plan_(mapped.attention), links_(links), next_id_(links.first_id), rings_(links.rings) {
  stages_ = 2 + 4 * plan_->units();
}

AttentionProgram::~AttentionProgram() = default;

bool AttentionProgram::start_stage() {
  const uint64_t n = plan_->units();
  while (stage_ < stages_) {
    // Stages: S(0), P(0), then per unit u: S(u+1), O(u), the combine of u (after a query block's
    // first key block), P(u+1); the next unit's steps only while there is one.
    if (stage_ < 2) {
      unit_ = 0;
      step_ = stage_ == 0 ? Step::scores : Step::softmax;
    } else {
      const uint64_t u = (stage_ - 2) / 4, r = (stage_ - 2) % 4;
      unit_ = r == 0 || r == 3 ? u + 1 : u;
      step_ = r == 0 ? Step::scores : r == 1 ? Step::context : r == 2 ? Step::combine : Step::softmax;
      if (unit_ >= n || (step_ == Step::combine && !plan_->tile(unit_).has_combine)) {
        ++stage_;
        continue;
      }
    }
    const AttentionPlan::Tile& tile = plan_->tile(unit_);
    const auto external = [&](size_t i) {
      return i < links_.producers.size() ? links_.producers[i] : GraphLinks::kNoProducer;
    };
    GraphLinks l;
    l.op = links_.op;
    l.first_id = next_id_;
    l.rings = rings_;
    const size_t parity = unit_ % 2;
    switch (step_) {
      case Step::scores:
        l.producers = {external(0), external(1)};  // Q, K
        sub_ = std::make_unique<LayerProgram>(arch_, tile.scores_plan, l);
        break;
      case Step::softmax:
        l.producers = {scores_last_[parity]};
        sub_ = std::make_unique<LayerProgram>(arch_, tile.softmax_plan, l);
        break;
      case Step::context:
        l.producers = {softmax_last_[parity], external(2)};  // P (on chip), V
        sub_ = std::make_unique<LayerProgram>(arch_, tile.context_plan, l);
        break;
      case Step::combine:
        l.producers = {context_last_[parity], output_last_};  // O_j, and the running output
        sub_ = std::make_unique<LayerProgram>(arch_, tile.combine_plan, l);
        break;
    }
    return true;
  }
  return false;
}

void AttentionProgram::finish_stage() {
  const uint64_t last = sub_->last_id();
  const size_t parity = unit_ % 2;
  switch (step_) {
    case Step::scores: scores_last_[parity] = last; break;
    case Step::softmax: softmax_last_[parity] = last; break;
    case Step::context:
      context_last_[parity] = last;
      if (unit_ % plan_->kv_blocks == 0) output_last_ = last;  // a query block's first: its output so far
      break;
    case Step::combine: output_last_ = last; break;
  }
  next_id_ = last + 1;
  rings_ = sub_->rings_after();
  sub_.reset();
  ++stage_;
}

bool AttentionProgram::next(Instr& out) {
  for (;;) {
    if (!sub_ && !start_stage()) return false;
    if (sub_->next(out)) {
      next_id_ = out.id + 1;
      return true;
    }
    finish_stage();
  }
}

bool AttentionProgram::may_reference(uint64_t id) const {
  if (sub_ && sub_->may_reference(id)) return true;
  for (uint64_t p : links_.producers)
    if (p == id) return true;  // every unit reads Q, K and V
  if (id == output_last_) return true;
  for (size_t k = 0; k < 2; ++k)
    if (scores_last_[k] == id || softmax_last_[k] == id || context_last_[k] == id) return true;
  // Between two steps: the slot rings' last users, which the next step's loads may wait for.
  for (const SlotRingState* r : {&rings_.inputs, &rings_.weights, &rings_.outputs})
    if (r->users[0] == id || r->users[1] == id || r->last_use == id) return true;
  return false;
}

bool AttentionProgram::at_block_boundary() const { return !sub_ || sub_->at_block_boundary(); }

uint64_t AttentionProgram::identical_blocks_ahead() const { return sub_ ? sub_->identical_blocks_ahead() : 0; }

void AttentionProgram::skip_blocks(uint64_t blocks) {
  if (blocks == 0) return;
  TPUSIM_ASSERT(sub_ != nullptr, "a skip outside a step of the fused attention");
  sub_->skip_blocks(blocks);
}

}  // namespace tpusim::mapper
