#include "sim/mapper/program.h"

#include <algorithm>

#include "sim/base/error.h"
#include "sim/base/math.h"

namespace tpusim::mapper {

namespace {

/// floor(total * part / whole) without overflow: the share of `total` up to `part` of `whole`.
uint64_t share(uint64_t total, uint64_t part, uint64_t whole) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(total) * part / whole);
}

}  // namespace

LayerProgram::LayerProgram(const ArchConfig& arch, const Layer& layer)
    : arch_(arch), layer_(layer), matrix_(is_matrix_op(layer.op)) {
  TPUSIM_ASSERT(arch.buffers.size() <= arch::kMaxBuffers, "more buffers than the program can track");
  if (matrix_) {
    gemm_ = plan_gemm(arch, layer);
    folds_ = gemm_.folds();
  } else {
    vec_ = plan_vector(arch, layer);
    folds_ = vec_.chunks;
  }
}

size_t LayerProgram::buffer_index(BufferRole role) const {
  const BufferConfig* b = arch_.buffer_for(role);
  if (!b && role == BufferRole::accumulators) b = arch_.buffer_for(BufferRole::outputs);
  TPUSIM_ASSERT(b != nullptr, "validated config lacks a buffer role");
  return static_cast<size_t>(b - arch_.buffers.data());
}

Instr LayerProgram::make(InstrKind kind) {
  Instr i;
  i.id = next_id_++;
  i.kind = kind;
  return i;
}

bool LayerProgram::next(Instr& out) { return matrix_ ? next_matrix(out) : next_vector(out); }

void LayerProgram::prepare_fold() {
  const GemmPlan& p = gemm_;
  const uint64_t per_group = p.row_folds * p.col_folds * p.t_chunks;
  const uint64_t g = fold_ / per_group, rem = fold_ % per_group;
  uint64_t cf, rf, tc;
  bool first_red, last_red;
  if (p.dataflow == Dataflow::os) {  // loops: col fold, row fold, t chunk (reduction over K)
    cf = rem / (p.row_folds * p.t_chunks);
    rf = (rem / p.t_chunks) % p.row_folds;
    tc = rem % p.t_chunks;
    first_red = tc == 0;
    last_red = tc + 1 == p.t_chunks;
  } else {  // ws, is: loops: col fold, t chunk, row fold (reduction over K on the rows)
    cf = rem / (p.t_chunks * p.row_folds);
    tc = (rem / p.row_folds) % p.t_chunks;
    rf = rem % p.row_folds;
    first_red = rf == 0;
    last_red = rf + 1 == p.row_folds;
  }
  Pending c;
  c.shape.rows_used = std::min(p.tile_rows, p.dims.sr - rf * p.tile_rows);
  c.shape.cols_used = std::min(p.tile_cols, p.dims.sc - cf * p.tile_cols);
  c.shape.stream_len = std::min(p.tile_t, p.dims.t - tc * p.tile_t);
  c.tiles = fold_tiles(p.dataflow, c.shape.rows_used, c.shape.cols_used, c.shape.stream_len);
  c.first_reduction = first_red;
  c.store = last_red;

  // Each operand's tile is indexed by two of (rf, cf, tc); the third is its reuse loop.
  TileKey a_key, b_key;
  bool a_first = false, b_first = false;
  switch (p.dataflow) {
    case Dataflow::ws: a_key = {g, tc, rf}; a_first = cf == 0; b_key = {g, rf, cf}; b_first = tc == 0; break;
    case Dataflow::os: a_key = {g, rf, tc}; a_first = cf == 0; b_key = {g, tc, cf}; b_first = rf == 0; break;
    case Dataflow::is: a_key = {g, rf, cf}; a_first = tc == 0; b_key = {g, rf, tc}; b_first = cf == 0; break;
  }
  // A tile is fetched from DRAM unless it is still in SRAM: the same tile as the previous fold,
  // or an operand resident in SRAM after its first touch.
  const auto fetch = [&](const TileKey& prev, const TileKey& now, bool resident, bool first) {
    if (have_prev_ && prev == now) return false;
    return !resident || first;
  };
  c.load_a = fetch(a_prev_, a_key, p.a_resident, a_first);
  c.load_b = fetch(b_prev_, b_key, p.b_resident, b_first);
  a_prev_ = a_key;
  b_prev_ = b_key;
  have_prev_ = true;
  c.a_bytes = bytes_for(arch_.datatypes.input, c.tiles.a);
  c.b_bytes = bytes_for(arch_.datatypes.weight, c.tiles.b);
  c.out_bytes = bytes_for(arch_.datatypes.output, c.tiles.out);
  cur_ = c;
}

bool LayerProgram::next_matrix(Instr& out) {
  if (fold_ >= folds_) return false;
  if (phase_ == 0) {
    if (fold_ == 0) {
      a_ring_.slots = arch_.buffer_for(BufferRole::inputs)->double_buffered ? 2 : 1;
      b_ring_.slots = arch_.buffer_for(BufferRole::weights)->double_buffered ? 2 : 1;
      out_ring_.slots = arch_.buffers[buffer_index(BufferRole::accumulators)].double_buffered ? 2 : 1;
    }
    prepare_fold();
    phase_ = 1;
  }
  const size_t a_buf = buffer_index(BufferRole::inputs), b_buf = buffer_index(BufferRole::weights);
  const size_t acc_buf = buffer_index(BufferRole::accumulators), o_buf = buffer_index(BufferRole::outputs);
  const DataType acc_t = arch_.datatypes.accumulator;
  for (;;) {
    switch (phase_) {
      case 1:  // load A
        phase_ = 2;
        if (!cur_.load_a) break;
        out = make(InstrKind::load);
        out.operand = Operand::inputs;
        out.dram_bytes = cur_.a_bytes;
        out.sram_write_bytes[a_buf] += cur_.a_bytes;
        if (a_ring_.must_wait()) out.add_dep(a_ring_.wait_for());
        load_a_id_ = out.id;
        return true;
      case 2:  // load B
        phase_ = 3;
        if (!cur_.load_b) break;
        out = make(InstrKind::load);
        out.operand = Operand::weights;
        out.dram_bytes = cur_.b_bytes;
        out.sram_write_bytes[b_buf] += cur_.b_bytes;
        if (b_ring_.must_wait()) out.add_dep(b_ring_.wait_for());
        load_b_id_ = out.id;
        return true;
      case 3: {  // the fold itself
        phase_ = 4;
        out = make(InstrKind::matmul);
        out.fold = cur_.shape;
        out.macs = cur_.shape.rows_used * cur_.shape.cols_used * cur_.shape.stream_len;
        out.sram_read_bytes[a_buf] += cur_.a_bytes;
        out.sram_read_bytes[b_buf] += cur_.b_bytes;
        const uint64_t psum_bytes = bytes_for(acc_t, cur_.tiles.out);
        if (!cur_.first_reduction) out.sram_read_bytes[acc_buf] += psum_bytes;
        out.sram_write_bytes[acc_buf] += psum_bytes;
        if (cur_.store) {
          // The finished tile is read from the accumulators and written out at output width.
          out.sram_read_bytes[acc_buf] += psum_bytes;
          out.sram_write_bytes[o_buf] += cur_.out_bytes;
        }
        if (cur_.load_a) { out.add_dep(load_a_id_); a_ring_.push(out.id); }
        if (cur_.load_b) { out.add_dep(load_b_id_); b_ring_.push(out.id); }
        if (cur_.first_reduction && out_ring_.must_wait()) out.add_dep(out_ring_.wait_for());
        compute_id_ = out.id;
        return true;
      }
      case 4:  // store the finished output tile
        phase_ = 0;
        ++fold_;
        if (!cur_.store) return next_matrix(out);
        out = make(InstrKind::store);
        out.operand = Operand::outputs;
        out.dram_bytes = cur_.out_bytes;
        out.sram_read_bytes[o_buf] += cur_.out_bytes;
        out.add_dep(compute_id_);
        out_ring_.push(out.id);
        return true;
    }
  }
}

bool LayerProgram::next_vector(Instr& out) {
  if (fold_ >= folds_) return false;
  const VectorWork& w = layer_.vector;
  const uint64_t begin = fold_ * vec_.chunk_elements;
  const uint64_t end = std::min(w.elements_out, begin + vec_.chunk_elements);
  const size_t in_buf = buffer_index(BufferRole::inputs), o_buf = buffer_index(BufferRole::outputs);
  if (fold_ == 0 && phase_ == 0) {
    in_ring_.slots = arch_.buffers[in_buf].double_buffered ? 2 : 1;
    out_ring_.slots = arch_.buffers[o_buf].double_buffered ? 2 : 1;
  }
  const uint64_t in_elems = share(w.elements_in, end, w.elements_out) - share(w.elements_in, begin, w.elements_out);
  const uint64_t in_bytes = bytes_for(arch_.datatypes.input, in_elems);
  const uint64_t out_bytes = bytes_for(arch_.datatypes.output, end - begin);
  switch (phase_) {
    case 0:
      phase_ = 1;
      out = make(InstrKind::load);
      out.operand = Operand::inputs;
      out.dram_bytes = in_bytes;
      out.sram_write_bytes[in_buf] += in_bytes;
      if (in_ring_.must_wait()) out.add_dep(in_ring_.wait_for());
      load_a_id_ = out.id;
      return true;
    case 1: {
      phase_ = 2;
      out = make(InstrKind::vector_op);
      const uint64_t ops = share(w.ops, end, w.elements_out) - share(w.ops, begin, w.elements_out);
      out.vector_cycles = std::max<uint64_t>(1, ceil_div(ops, arch_.vector.lanes));
      out.sram_read_bytes[in_buf] += in_bytes;
      out.sram_write_bytes[o_buf] += out_bytes;
      out.add_dep(load_a_id_);
      in_ring_.push(out.id);
      if (out_ring_.must_wait()) out.add_dep(out_ring_.wait_for());
      compute_id_ = out.id;
      return true;
    }
    default:
      phase_ = 0;
      ++fold_;
      out = make(InstrKind::store);
      out.operand = Operand::outputs;
      out.dram_bytes = out_bytes;
      out.sram_read_bytes[o_buf] += out_bytes;
      out.add_dep(compute_id_);
      out_ring_.push(out.id);
      return true;
  }
}

}  // namespace tpusim::mapper
