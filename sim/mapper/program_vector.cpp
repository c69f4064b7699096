// LayerProgram's vector path (sim/mapper/program.h): a vector layer's chunks, each a load of its
// inputs (or, for an embedding_bag, of its indices and the rows they gather), one vector_op and a
// store, unless residency keeps the input or the output on chip. The matrix path and the rest of
// the class are in program.cpp.
#include "sim/mapper/program.h"

#include <algorithm>

#include "sim/base/math.h"
#include "sim/mapper/embedding.h"

namespace tpusim::mapper {

namespace {

/// floor(total * part / whole) without overflow: the share of `total` up to `part` of `whole`.
uint64_t share(uint64_t total, uint64_t part, uint64_t whole) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(total) * part / whole);
}

}  // namespace

bool LayerProgram::next_vector(Instr& out) {
  const VectorWork& w = layer_.vector;
  const bool gathers = layer_.op == OpKind::embedding_bag;  // inputs are indices; rows come by gather
  const size_t in_buf = buffer_index(BufferRole::inputs), o_buf = buffer_index(BufferRole::outputs);
  const size_t w_buf = gathers ? buffer_index(BufferRole::weights) : in_buf;
  while (fold_ < folds_) {
    const uint64_t begin = fold_ * vec_.chunk_elements;
    const uint64_t end = std::min(w.elements_out, begin + vec_.chunk_elements);
    const uint64_t in_first = share(w.elements_in, begin, w.elements_out);
    const uint64_t in_elems = share(w.elements_in, end, w.elements_out) - in_first;
    const uint64_t in_bytes = gathers ? in_elems * layer_.embedding.index_bytes : bytes_for(arch_.datatypes.input, in_elems);
    const uint64_t rows_bytes = gathers ? in_elems * embedding_row_bytes(arch_, layer_) : in_bytes;  // what the op reads
    const uint64_t out_bytes = bytes_for(arch_.datatypes.output, end - begin);
    if (phase_ == 0) fold_first_id_ = next_id_;
    switch (phase_) {
      case 0:  // bring the chunk's inputs, unless the whole input is on chip
        phase_ = gathers ? 3 : 1;
        if (ctx_.inputs_on_chip) break;
        out = make_load(Operand::inputs, in_bytes, in_bytes, in_buf, in_ring_);
        for (size_t k = 0; k < links_.producers.size(); ++k) add_producer_deps(k, out);  // the tensors it reads
        load_a_id_ = out.id;
        return true;
      case 3:  // embedding_bag: gather the rows the chunk's indices name (their addresses need them)
        phase_ = 1;
        out = make_load(Operand::weights, rows_bytes, rows_bytes, w_buf, b_ring_);
        out.gather_rows = in_elems;
        out.gather_row_bytes = embedding_row_bytes(arch_, layer_);
        out.gather_first_row = in_first;
        if (!ctx_.inputs_on_chip) {
          out.add_dep(load_a_id_);
          in_ring_.push(out.id);
        }
        for (size_t k = 0; k < links_.producers.size(); ++k) add_producer_deps(k, out);  // (on chip, or left over)
        load_b_id_ = out.id;
        return true;
      case 1: {
        phase_ = 2;
        out = make(InstrKind::vector_op);
        const uint64_t ops = share(w.ops, end, w.elements_out) - share(w.ops, begin, w.elements_out);
        const uint64_t lanes = sparse_ ? arch_.sparse_core->lanes() : arch_.vector.lanes;
        out.vector_cycles = std::max<uint64_t>(1, ceil_div(ops, lanes));
        out.sram_read_bytes[w_buf] += rows_bytes;
        out.sram_write_bytes[o_buf] += out_bytes;
        if (gathers) {
          out.add_dep(load_b_id_);
          b_ring_.push(out.id);
        } else if (!ctx_.inputs_on_chip) {
          out.add_dep(load_a_id_);
          in_ring_.push(out.id);
        }
        if (!ctx_.outputs_stay && out_ring_.must_wait()) out.add_dep(out_ring_.wait_for());
        for (size_t k = 0; k < links_.producers.size(); ++k) add_producer_deps(k, out);  // (on chip, or left over)
        compute_id_ = out.id;
        return true;
      }
      default:  // write the chunk back, unless the output stays on chip
        phase_ = 0;
        ++fold_;
        if (ctx_.outputs_stay) break;
        out = make(InstrKind::store);
        out.operand = Operand::outputs;
        out.dram_bytes = out_bytes;
        out.sram_read_bytes[o_buf] += out_bytes;
        out.add_dep(compute_id_);
        out_ring_.push(out.id);
        return true;
    }
  }
  return false;
}

}  // namespace tpusim::mapper
