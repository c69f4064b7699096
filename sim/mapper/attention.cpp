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

/// Score tiles live at once: S and P of a lone instance; with a next instance pipelined behind
/// it, S(t+1), S(t), P(t) and P(t-1).
uint64_t live_tiles(uint64_t instances) { return instances > 1 ? 4 : 2; }

/// Plans the three steps of a block of `rows` query rows into `tile`; false when they do not fit
/// beside the live score tiles (NoFit). InputError when a buffer cannot hold a step's smallest
/// tile at all.
bool plan_tile(const ArchConfig& arch, const Layer& parent, uint64_t rows, uint64_t instances, uint64_t tile_bytes,
               AttentionPlan::Tile& tile) {
  const GemmShape& g = parent.gemm;
  tile.scores = step_layer(parent, "scores", OpKind::matmul);
  tile.scores.gemm = {rows, g.n, g.k, 1};  // m, n, k: Q_blk (rows x k) x K^T (k x n)
  tile.softmax = step_layer(parent, "softmax", OpKind::softmax);
  const uint64_t scores = rows * g.n;
  tile.softmax.vector = {scores, scores, 4 * scores};  // the softmax op's 4 lane-operations per score
  tile.context = step_layer(parent, "context", OpKind::matmul);
  tile.context.gemm = {rows, g.k, g.n, 1};  // P (rows x n) x V (n x k)
  const uint64_t live = live_tiles(instances);
  try {
    // Each step's own resident tiles are in its context (S out; S in and P out; P in); the
    // other live tiles are reserved.
    tile.scores_plan = map_layer(arch, tile.scores, {false, true, (live - 1) * tile_bytes});
    tile.softmax_plan = map_layer(arch, tile.softmax, {true, true, (live - 2) * tile_bytes});
    tile.context_plan = map_layer(arch, tile.context, {true, false, (live - 1) * tile_bytes});
  } catch (const NoFit&) {
    return false;
  }
  return true;
}

uint64_t tile_steps(const AttentionPlan::Tile& t) {
  return t.scores_plan.gemm.folds() + t.softmax_plan.vector.chunks + t.context_plan.gemm.folds();
}

}  // namespace

double AttentionPlan::steps() const {
  return static_cast<double>(groups) *
         (static_cast<double>(blocks - 1) * static_cast<double>(tile_steps(full)) + static_cast<double>(tile_steps(tail)));
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
  const auto attempt = [&](uint64_t rows) {
    AttentionPlan& p = *plan;
    p.q_block = rows;
    p.blocks = ceil_div(g.m, rows);
    p.tail_rows = g.m - (p.blocks - 1) * rows;
    p.score_tile_bytes = rows * g.n * elem_bytes;
    const uint64_t instances = p.groups * p.blocks;
    return plan_tile(arch, layer, rows, instances, p.score_tile_bytes, p.full) &&
           plan_tile(arch, layer, p.tail_rows, instances, p.score_tile_bytes, p.tail);
  };
  const BufferConfig* out = arch.buffer_for(BufferRole::outputs);
  const auto refuse = [&](const std::string& where, uint64_t rows) {
    config::fail_at(layer.file, layer.pointer + where,
                    fmt::format("a fused attention block of {} query rows x {} keys does not fit {}'s {} ({} bytes: {} "
                                "live score tiles of {} bytes beside the steps' operand tiles); {}",
                                rows, g.n, arch.file, out->name, out->capacity_bytes,
                                live_tiles(g.count * ceil_div(g.m, rows)), rows * g.n * elem_bytes,
                                where == "/q_block" ? "use a smaller q_block" : "use the unfused ops (matmul, softmax, matmul)"));
  };
  if (layer.attention.q_block > 0) {
    if (!attempt(layer.attention.q_block)) refuse("/q_block", layer.attention.q_block);
    return plan;
  }
  // The largest block that fits: fewest re-reads of K and V.
  for (uint64_t rows = g.m;;) {
    if (attempt(rows)) return plan;
    if (rows <= 8) refuse("", rows);
    rows = std::max<uint64_t>(8, ceil_div(ceil_div(rows, 2), 8) * 8);
  }
}

// ---------------------------------------------------------------------------------------------

AttentionProgram::AttentionProgram(const ArchConfig& arch, const MappedLayer& mapped, const GraphLinks& links)
    : arch_(arch), plan_(mapped.attention), links_(links), next_id_(links.first_id), rings_(links.rings) {
  stages_ = 2 + 3 * plan_->instances();
}

AttentionProgram::~AttentionProgram() = default;

bool AttentionProgram::start_stage() {
  const uint64_t n = plan_->instances();
  while (stage_ < stages_) {
    // Stages: S(0), P(0), then per instance j: S(j+1), O(j), P(j+1) (the next block's steps only
    // while there is one).
    if (stage_ < 2) {
      instance_ = 0;
      step_ = stage_ == 0 ? Step::scores : Step::softmax;
    } else {
      const uint64_t j = (stage_ - 2) / 3, r = (stage_ - 2) % 3;
      instance_ = r == 1 ? j : j + 1;
      step_ = r == 0 ? Step::scores : r == 1 ? Step::context : Step::softmax;
      if (instance_ >= n) {
        ++stage_;
        continue;
      }
    }
    const AttentionPlan::Tile& tile = plan_->tile(instance_);
    const auto external = [&](size_t i) {
      return i < links_.producers.size() ? links_.producers[i] : GraphLinks::kNoProducer;
    };
    GraphLinks l;
    l.op = links_.op;
    l.first_id = next_id_;
    l.rings = rings_;
    const size_t parity = instance_ % 2;
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
    }
    return true;
  }
  return false;
}

void AttentionProgram::finish_stage() {
  const uint64_t last = sub_->last_id();
  const size_t parity = instance_ % 2;
  if (step_ == Step::scores) scores_last_[parity] = last;
  if (step_ == Step::softmax) softmax_last_[parity] = last;
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
    if (p == id) return true;  // every block reads Q, K and V
  for (size_t k = 0; k < 2; ++k)
    if (scores_last_[k] == id || softmax_last_[k] == id) return true;
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
