#include "sim/mapper/program.h"

#include <algorithm>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/mapper/attention.h"
#include "sim/mapper/compression.h"
#include "sim/mapper/embedding.h"

namespace tpusim::mapper {

LayerProgram::LayerProgram(const ArchConfig& arch, const MappedLayer& mapped, const GraphLinks& links,
                           std::vector<const MappedLayer*> epilogues)
    : arch_(arch),
      layer_(*mapped.layer),
      matrix_(mapped.is_matrix()),
      sparse_(runs_on_sparse_core(arch, *mapped.layer)),
      ctx_(mapped.context),
      next_id_(links.first_id),
      links_(links),
      epilogues_(std::move(epilogues)),
      producer_named_(links.producers.size(), false) {
  TPUSIM_ASSERT(arch.buffers.size() <= arch::kMaxBuffers, "more buffers than the program can track");
  fold_first_id_ = links.first_id;
  if (mapped.is_attention()) {  // its steps are LayerPrograms of their own
    attention_ = std::make_unique<AttentionProgram>(arch, mapped, links);
    return;
  }
  if (mapped.fused_into != MappedLayer::kNotFused) {
    folds_ = 0;  // its work runs as another layer's epilogue
  } else if (matrix_) {
    gemm_ = mapped.gemm;
    folds_ = gemm_.folds();
  } else {
    vec_ = mapped.vector;
    folds_ = vec_.chunks;
  }
  // Each ring spans the buffer its role uses; a ring continues the previous op's on that buffer.
  // A ring continues the previous op's on the same buffer: the first loads into its slots wait
  // for that op's last users of them; if that op still holds bytes there (a kept operand) and this
  // one's tiles do not fit beside them, they wait for its last use instead.
  const auto init = [&](SlotRing& ring, BufferRole role, const SlotRingState& from, uint64_t tile_bytes) {
    const size_t b = buffer_index(role);
    ring.slots = arch_.buffers[b].double_buffered ? 2 : 1;
    if (from.buffer != b) return;
    ring.users = from.users;
    ring.count = from.count;
    if (from.held_bytes > 0 && from.held_bytes + tile_bytes * ring.slots > arch_.buffers[b].capacity_bytes) {
      ring.users = {from.last_use, from.last_use};
      ring.count = std::max<uint64_t>(ring.count, ring.slots);
    }
  };
  const FoldTiles full = matrix_ && folds_ > 0 ? fold_tiles(gemm_.dataflow, gemm_.tile_rows, gemm_.tile_cols, gemm_.tile_t)
                                              : FoldTiles{};
  const uint64_t a_tile = matrix_ && folds_ > 0 ? gemm_.a_tile_bytes(arch.datatypes.input, full.a) : 0;
  const uint64_t b_tile = matrix_ && folds_ > 0 ? gemm_.b_tile_bytes(full.b) : 0;
  const uint64_t in_tile = !matrix_ && folds_ > 0 ? vec_.chunk_elements : 0;
  const SlotRings& from = links.rings;
  init(a_ring_, BufferRole::inputs, from.inputs, a_tile);
  init(in_ring_, BufferRole::inputs, sparse_ ? from.sparse_inputs : from.inputs, in_tile);
  init(b_ring_, BufferRole::weights, sparse_ ? from.sparse_weights : from.weights, b_tile);
  init(out_ring_, matrix_ ? BufferRole::accumulators : BufferRole::outputs, sparse_ ? from.sparse_outputs : from.outputs,
       0);
}

LayerProgram::~LayerProgram() = default;

uint64_t LayerProgram::next_id() const { return attention_ ? attention_->next_id() : next_id_; }

SlotRings LayerProgram::rings_after() const {
  if (attention_) return attention_->rings_after();
  SlotRings r = links_.rings;  // what this op does not touch passes through
  const auto state = [&](const SlotRing& ring, BufferRole role, uint64_t held) {
    SlotRingState s;
    s.buffer = buffer_index(role);
    s.users = ring.users;
    s.count = ring.count;
    s.held_bytes = held;
    s.last_use = last_matmul_id_;
    return s;
  };
  if (folds_ == 0) return links_.rings;  // no work of its own: the rings pass through
  if (matrix_) {
    const uint64_t count = gemm_.gemm.count;
    r.inputs = state(a_ring_, BufferRole::inputs,
                     ctx_.inputs_on_chip ? bytes_for(arch_.datatypes.input, gemm_.a_footprint * count)
                     : gemm_.keep_a      ? bytes_for(arch_.datatypes.input, gemm_.a_footprint * count) * gemm_.gang.a_copies()
                                         : 0);
    r.weights = state(b_ring_, BufferRole::weights, gemm_.keep_b ? gemm_.weight_bytes * count * gemm_.gang.b_copies() : 0);
    r.outputs = state(out_ring_, BufferRole::accumulators,
                      ctx_.outputs_stay ? bytes_for(arch_.datatypes.output, gemm_.gemm.m * gemm_.gemm.n * count) : 0);
  } else if (sparse_) {
    r.sparse_inputs = state(in_ring_, BufferRole::inputs, 0);
    r.sparse_weights = state(b_ring_, BufferRole::weights, 0);
    r.sparse_outputs = state(out_ring_, BufferRole::outputs, 0);
  } else {
    r.inputs = state(in_ring_, BufferRole::inputs, 0);
    if (layer_.op == OpKind::embedding_bag) r.weights = state(b_ring_, BufferRole::weights, 0);
    r.outputs = state(out_ring_, BufferRole::outputs, 0);
  }
  return r;
}

void LayerProgram::add_producer_deps(size_t input, Instr& out) {
  if (input >= links_.producers.size() || producer_named_[input]) return;
  if (links_.producers[input] != GraphLinks::kNoProducer) {
    if (out.dep_count >= arch::kMaxDeps) return;  // a later instruction of the layer names it
    out.add_dep(links_.producers[input]);
  }
  producer_named_[input] = true;
}

size_t LayerProgram::buffer_index(BufferRole role) const {
  if (sparse_) role = BufferRole::sparse_core;  // indices, rows and pooled rows: all in the scratchpad
  const size_t r = static_cast<size_t>(role);
  if (buffer_of_[r] != SIZE_MAX) return buffer_of_[r];
  const BufferConfig* b = arch_.buffer_for(role);
  if (!b && role == BufferRole::accumulators) b = arch_.buffer_for(BufferRole::outputs);
  TPUSIM_ASSERT(b != nullptr, "validated config lacks a buffer role");
  return buffer_of_[r] = static_cast<size_t>(b - arch_.buffers.data());
}

Instr LayerProgram::make(InstrKind kind) {
  Instr i;
  i.id = next_id_++;
  i.kind = kind;
  i.op = links_.op;
  i.on_sparse_core = sparse_;
  return i;
}

Instr LayerProgram::make_load(Operand operand, uint64_t dram_bytes, uint64_t sram_bytes, size_t buffer,
                              const SlotRing& ring) {
  Instr i = make(InstrKind::load);
  i.operand = operand;
  i.dram_bytes = dram_bytes;
  i.sram_write_bytes[buffer] += sram_bytes;
  // The slot it fills is free once the array has read the tile loaded there `slots` loads ago.
  if (ring.must_wait()) i.add_release_dep(ring.wait_for());
  return i;
}

bool LayerProgram::may_reference(uint64_t id) const {
  if (attention_) return attention_->may_reference(id);
  // The loads, matmul and store of one fold (vector chunk) name each other; a later fold names
  // only the slot rings' last users, and producers not yet named.
  if (id >= fold_first_id_ || a_ring_.holds(id) || b_ring_.holds(id) || out_ring_.holds(id) || in_ring_.holds(id))
    return true;
  for (size_t k = 0; k < links_.producers.size(); ++k)
    if (!producer_named_[k] && links_.producers[k] == id) return true;
  return false;
}

bool LayerProgram::next(Instr& out) {
  if (attention_) return attention_->next(out);
  return matrix_ ? next_matrix(out) : next_vector(out);
}

uint64_t LayerProgram::decompose(uint64_t fold, uint64_t idx[3]) const {
  const GemmPlan& p = gemm_;
  // The fold index runs over (group, order[0], order[1], order[2]), the last innermost.
  const uint64_t n0 = p.loop_count(p.order[0]), n1 = p.loop_count(p.order[1]), n2 = p.loop_count(p.order[2]);
  uint64_t rem = fold % (n0 * n1 * n2);
  idx[static_cast<int>(p.order[2])] = rem % n2;
  rem /= n2;
  idx[static_cast<int>(p.order[1])] = rem % n1;
  idx[static_cast<int>(p.order[0])] = rem / n1;
  return fold / (n0 * n1 * n2);
}

std::pair<LayerProgram::TileKey, LayerProgram::TileKey> LayerProgram::tile_keys(uint64_t g,
                                                                                const uint64_t idx[3]) const {
  // A tile is identified by the two loops that index it; along the third (its reuse loop) the
  // same tile comes back.
  const auto key_without = [&](Loop u) {
    TileKey k{g, 0, 0};
    bool first = true;
    for (int l = 0; l < 3; ++l) {
      if (static_cast<Loop>(l) == u) continue;
      (first ? k.x : k.y) = idx[l];
      first = false;
    }
    return k;
  };
  return {key_without(gemm_.reuse_loop_a()), key_without(gemm_.reuse_loop_b())};
}

bool LayerProgram::at_block_boundary() const {
  if (attention_) return attention_->at_block_boundary();
  if (phase_ == 0) return true;
  // After the fold's (chunk's) compute, the boundary comes when no epilogue and no store follow.
  if (matrix_) {
    const bool store = cur_.spill_psum || (cur_.store && !ctx_.outputs_stay);
    if (phase_ == 5) return !store && !(cur_.store && epilogue_ < epilogues_.size());
    return phase_ == 6 && !store;
  }
  return phase_ == 2 && ctx_.outputs_stay;
}

uint64_t LayerProgram::last_fold() const {
  if (phase_ == 0) return fold_ == 0 ? folds_ : fold_ - 1;
  return fold_;  // the compute of fold_ was generated; its store (if any) will not be
}

bool LayerProgram::steady_rings() const {
  // A ring waited on in this fold must be pushed in it (one push per fold keeps the distance to
  // the user waited for constant) and warm (count before this fold's push >= slots).
  const auto ok = [](bool waited, bool pushed, const SlotRing& r) {
    return !waited || (pushed && r.count >= r.slots + 1);
  };
  if (matrix_) {
    const GemmPlan& p = gemm_;
    const bool slot_deps = p.spill_partials || p.position(p.reduction()) == 2;
    const bool store_emitted = cur_.spill_psum || (cur_.store && !ctx_.outputs_stay);
    const bool out_waited = cur_.load_psum || (slot_deps && (cur_.first_reduction || p.spill_partials));
    return ok(cur_.load_a, cur_.load_a, a_ring_) && ok(cur_.load_b, cur_.load_b, b_ring_) &&
           ok(out_waited, store_emitted, out_ring_);
  }
  return ok(!ctx_.inputs_on_chip, !ctx_.inputs_on_chip, in_ring_) &&
         ok(!ctx_.outputs_stay, !ctx_.outputs_stay, out_ring_);
}

uint64_t LayerProgram::identical_blocks_ahead() const {
  if (attention_) return attention_->identical_blocks_ahead();
  const uint64_t f = last_fold();
  if (f >= folds_ || !at_block_boundary() || !steady_rings()) return 0;
  uint64_t i = 0, n = 0;  // the last fold's index along the innermost loop, and the loop's length
  if (matrix_) {
    uint64_t idx[3];
    decompose(f, idx);
    i = idx[static_cast<int>(gemm_.order[2])];
    n = gemm_.loop_count(gemm_.order[2]);
    if (!gemm_.uniform(gemm_.order[2])) {  // K cut at kernel positions: the folds of one position
      n = gemm_.loop_count(gemm_.order[2]) / (gemm_.gemm.k / gemm_.k_segment);
      i %= n;
    }
  } else {
    // Chunks are identical only if each holds the same number of input elements and ops.
    const VectorWork& w = layer_.vector;
    const auto exact = [&](uint64_t total) {
      return static_cast<unsigned __int128>(total) * vec_.chunk_elements % w.elements_out == 0;
    };
    if (!exact(w.elements_in) || !exact(w.ops)) return 0;
    // Gathered rows start at other offsets in their bursts from chunk to chunk: never skipped.
    if (layer_.op == OpKind::embedding_bag) return 0;
    i = f;
    n = folds_;
  }
  return i >= 1 && i + 2 < n ? n - 2 - i : 0;
}

void LayerProgram::skip_blocks(uint64_t blocks) {
  if (attention_) return attention_->skip_blocks(blocks);
  TPUSIM_ASSERT(blocks <= identical_blocks_ahead(), "skip beyond the identical folds");
  if (blocks == 0) return;
  if (phase_ != 0) {  // finish the last fold as its (absent) store would
    phase_ = 0;
    ++fold_;
  }
  // The skipped folds push the rings the last one pushed, once each; the users stay the last
  // generated ones (ids do not advance), which later folds name as they would the skipped ones.
  if (matrix_) {
    if (cur_.load_a) a_ring_.count += blocks;
    if (cur_.load_b) b_ring_.count += blocks;
    if (cur_.spill_psum || (cur_.store && !ctx_.outputs_stay)) out_ring_.count += blocks;
  } else {
    if (!ctx_.inputs_on_chip) in_ring_.count += blocks;
    if (!ctx_.outputs_stay) out_ring_.count += blocks;
  }
  TPUSIM_ASSERT(blocks % 2 == 0, "an odd skip would swap the slot rings' last two users");
  fold_ += blocks;
  if (matrix_) {
    uint64_t idx[3];
    const uint64_t g = decompose(fold_ - 1, idx);
    std::tie(a_prev_, b_prev_) = tile_keys(g, idx);
  }
}

void LayerProgram::prepare_fold() {
  const GemmPlan& p = gemm_;
  uint64_t idx[3];  // by Loop: row fold, col fold, stream chunk
  const uint64_t g = decompose(fold_, idx);
  const uint64_t rf = idx[0], cf = idx[1], tc = idx[2];
  const Loop red = p.reduction();
  const uint64_t red_i = idx[static_cast<int>(red)], red_n = p.loop_count(red);

  Pending c;
  // The fold's extents along the three loops; the array runs them as they are, or (rs) as the
  // processing pass that covers them.
  const uint64_t ext_r = p.extent(Loop::row, rf), ext_c = p.extent(Loop::col, cf), ext_t = p.extent(Loop::stream, tc);
  c.shape = p.rs ? p.rs->pass(ext_r, ext_c, ext_t) : arch::timing::FoldShape(ext_r, ext_c, ext_t);
  c.macs = ext_r * ext_c * ext_t;
  c.tiles = fold_tiles(p.dataflow, ext_r, ext_c, ext_t);
  c.first_reduction = red_i == 0;
  c.store = red_i + 1 == red_n;
  c.load_psum = p.spill_partials && red_i > 0;
  c.spill_psum = p.spill_partials && !c.store;

  // A tile is fetched on first use, and again on later uses unless the operand is kept in SRAM
  // or the previous fold used the very same tile.
  const Loop ua = p.reuse_loop_a(), ub = p.reuse_loop_b();
  const auto [a_key, b_key] = tile_keys(g, idx);
  const auto fetch = [&](const TileKey& prev, const TileKey& now, bool kept, uint64_t reuse_index) {
    if (have_prev_ && prev == now) return false;
    return !kept || reuse_index == 0;
  };
  c.load_a = !ctx_.inputs_on_chip && fetch(a_prev_, a_key, p.keep_a, idx[static_cast<int>(ua)]);
  c.load_b = fetch(b_prev_, b_key, p.keep_b, idx[static_cast<int>(ub)]);
  a_prev_ = a_key;
  b_prev_ = b_key;
  have_prev_ = true;
  c.a_bytes = p.a_tile_bytes(arch_.datatypes.input, c.tiles.a);
  // A's DRAM bytes: the tile's share of the unique input (a_footprint over the dense M x K).
  const uint64_t mk = p.gemm.m * p.dense_k;
  c.a_dram_bytes = std::max<uint64_t>(
      1, static_cast<uint64_t>((static_cast<unsigned __int128>(c.a_bytes) * p.a_footprint + mk - 1) / mk));
  c.b_bytes = p.b_tile_bytes(c.tiles.b);
  c.a_dram_bytes = activation_dram_bytes(arch_, c.a_dram_bytes, arch_.datatypes.input, layer_.sparsity.activation_density);
  c.out_bytes = bytes_for(arch_.datatypes.output, c.tiles.out);
  c.out_dram_bytes = activation_dram_bytes(arch_, c.out_bytes, arch_.datatypes.output, layer_.sparsity.output_density);
  c.psum_bytes = bytes_for(arch_.datatypes.accumulator, c.tiles.out);
  cur_ = c;
}

bool LayerProgram::next_matrix(Instr& out) {
  const GemmPlan& p = gemm_;
  // Output slots: with the reduction innermost, or with spilled partial sums, a double-buffered
  // accumulator tile is reused two output tiles later; with all live partial sums on chip the
  // mapper reserved room for them and no slot is waited for.
  const bool slot_deps = p.spill_partials || p.position(p.reduction()) == 2;
  while (fold_ < folds_) {
    if (phase_ == 0) {
      prepare_fold();
      fold_first_id_ = next_id_;
      epilogue_ = 0;
      phase_ = 1;
    }
    const size_t a_buf = buffer_index(BufferRole::inputs), b_buf = buffer_index(BufferRole::weights);
    const size_t acc_buf = buffer_index(BufferRole::accumulators), o_buf = buffer_index(BufferRole::outputs);
    // While A waits for the op that produces it, B (weights) is fetched first, so the DMA's in-order
    // load queue prefetches the weights instead of holding them behind A (graph mode only).
    const bool b_first = cur_.load_a && cur_.load_b && !producer_named_.empty() && !producer_named_[0] &&
                         links_.producers[0] != GraphLinks::kNoProducer && layer_.op != OpKind::matmul;
    // Each core holds its own copy of the tile of the operand the cores do not split (A when they
    // split the output columns, B when they split the stream), fetched from the shared DRAM.
    const uint64_t a_copies = p.gang.a_copies(), b_copies = p.gang.b_copies();
    const auto load_a = [&] {
      out = make_load(Operand::inputs, cur_.a_dram_bytes * a_copies, cur_.a_bytes * a_copies, a_buf, a_ring_);
      add_producer_deps(0, out);  // the tensor A comes from
      load_a_id_ = out.id;
    };
    const auto load_b = [&] {
      out = make_load(Operand::weights, cur_.b_bytes * b_copies, cur_.b_bytes * b_copies, b_buf, b_ring_);
      if (layer_.op == OpKind::matmul) add_producer_deps(1, out);  // B is an activation tensor
      load_b_id_ = out.id;
    };
    switch (phase_) {
      case 1:  // load A (or B first, see above)
        phase_ = 2;
        if (b_first) {
          load_b();
          swapped_ = true;
          return true;
        }
        swapped_ = false;
        if (!cur_.load_a) break;
        load_a();
        return true;
      case 2:  // load B (or A, after B)
        phase_ = 3;
        if (swapped_) {
          load_a();
          return true;
        }
        if (!cur_.load_b) break;
        load_b();
        return true;
      case 3:  // bring spilled partial sums back
        phase_ = 4;
        if (!cur_.load_psum) break;
        out = make(InstrKind::load);
        out.operand = Operand::outputs;
        out.dram_bytes = cur_.psum_bytes;
        out.sram_write_bytes[acc_buf] += cur_.psum_bytes;
        if (out_ring_.must_wait()) out.add_dep(out_ring_.wait_for());
        load_psum_id_ = out.id;
        return true;
      case 4: {  // the fold itself
        phase_ = 5;
        out = make(InstrKind::matmul);
        // Each unit times its share of the gang's fold; the MACs are the whole fold's. A
        // row-stationary pass runs on one unit as it is.
        out.fold = p.rs ? cur_.shape : p.unit_fold(arch_, cur_.shape);
        out.macs = cur_.macs;
        // A core's units side by side share one read of A (broadcast); each core reads its copies.
        out.sram_read_bytes[a_buf] += cur_.a_bytes * a_copies;
        out.sram_read_bytes[b_buf] += cur_.b_bytes * b_copies;
        const bool a_stationary =
            arch::dataflow::traits_of(p.dataflow).stationary_operand() == arch::dataflow::GemmOperand::a;
        out.stationary_read_bytes = a_stationary ? cur_.a_bytes * a_copies : cur_.b_bytes * b_copies;
        out.streamed_read_bytes = a_stationary ? cur_.b_bytes * b_copies : cur_.a_bytes * a_copies;
        if (!cur_.first_reduction) out.sram_read_bytes[acc_buf] += cur_.psum_bytes;
        out.sram_write_bytes[acc_buf] += cur_.psum_bytes;
        if (cur_.store) {
          // The finished tile is read from the accumulators and written out at output width.
          out.sram_read_bytes[acc_buf] += cur_.psum_bytes;
          out.sram_write_bytes[o_buf] += cur_.out_bytes;
        }
        if (cur_.load_a) { out.add_dep(load_a_id_); a_ring_.push(out.id); }
        if (cur_.load_b) { out.add_dep(load_b_id_); b_ring_.push(out.id); }
        if (cur_.load_psum) out.add_dep(load_psum_id_);
        else if (slot_deps && (cur_.first_reduction || p.spill_partials) && out_ring_.must_wait())
          out.add_dep(out_ring_.wait_for());
        if (ctx_.inputs_on_chip) add_producer_deps(0, out);  // A is read where its producer left it
        compute_id_ = last_matmul_id_ = out.id;
        return true;
      }
      case 5: {  // the fused epilogues, on the finished output tile as it leaves the accumulators
        if (!cur_.store || epilogue_ >= epilogues_.size()) {
          phase_ = 6;
          break;
        }
        const MappedLayer& e = *epilogues_[epilogue_++];
        const VectorWork& w = e.layer->vector;
        // The epilogue's lane-operations, by this tile's share of the layer's output.
        const uint64_t tile = cur_.tiles.out, output = layer_.gemm.m * layer_.gemm.n * layer_.gemm.count;
        const auto ops = static_cast<uint64_t>(static_cast<unsigned __int128>(w.ops) * tile / output);
        out = make(InstrKind::vector_op);
        out.op = e.op;
        const uint64_t lanes = sparse_ ? arch_.sparse_core->lanes() : arch_.vector.lanes;
        out.vector_cycles = std::max<uint64_t>(1, ceil_div(ops, lanes));
        out.sram_read_bytes[o_buf] += cur_.out_bytes;
        out.sram_write_bytes[o_buf] += cur_.out_bytes;
        out.add_dep(compute_id_);
        compute_id_ = out.id;  // the store (or the next epilogue) follows it
        return true;
      }
      case 6:  // store the finished output tile, or spill its partial sums
        phase_ = 0;
        ++fold_;
        if (!cur_.spill_psum && !(cur_.store && !ctx_.outputs_stay)) break;
        out = make(InstrKind::store);
        out.operand = Operand::outputs;
        out.dram_bytes = cur_.store ? cur_.out_dram_bytes : cur_.psum_bytes;
        out.sram_read_bytes[cur_.store ? o_buf : acc_buf] += cur_.store ? cur_.out_bytes : cur_.psum_bytes;
        out.add_dep(compute_id_);
        out_ring_.push(out.id);
        return true;
    }
  }
  return false;
}

}  // namespace tpusim::mapper
