// Row stationary (Eyeriss: Chen et al., ISCA 2016 and JSSC 2017): each PE keeps rows of filters in
// its scratchpad and runs a 1-D convolution of one ifmap row with them; a PE set of h rows (the
// filter's height) by one column per output row computes a 2-D convolution, ifmap rows reaching
// the PEs along the set's diagonals and partial sums accumulating up its columns. Sets are
// folded and replicated onto the physical array as processing passes (sim/mapper/rs_plan.h);
// a pass is timed by its own closed form and PE-level engine (DERIVATION.md, "Row stationary").
//
// Which data a pass touches is still a GEMM tile: a pass covers a group of input channels (a
// chunk of K = C x R x S), a group of filters (N) and a run of output rows (M = batch x out_h x
// out_w), so the mapper's loops, reuse and residency work on K on rows, N on columns and M in
// time, as for ws. It is not a GEMM tiling of the array, so gemm_mapping() stays null.
#include "arch/matrix/dataflow/dataflow.h"

#include "sim/base/error.h"

namespace tpusim::arch::dataflow {

namespace {

class RowStationary final : public DataflowTraits {
 public:
  Dataflow id() const override { return Dataflow::rs; }
  // Loops: row <- K (channel groups), col <- N (filter groups), stream <- M (output rows).
  MappedDims map_dims(const GemmShape& g) const override { return {g.k, g.n, g.m}; }
  // A pass of r reduction elements, c filters and t outputs reads t x r ifmap (im2col-counted;
  // the mapper scales it to the footprint), r x c weights and writes t x c partial sums.
  FoldTiles fold_tiles(uint64_t r, uint64_t c, uint64_t t) const override { return {t * r, r * c, t * c}; }
  Loop reduction_loop() const override { return Loop::row; }
  Loop reuse_loop(GemmOperand operand) const override {
    switch (operand) {
      case GemmOperand::a: return Loop::col;     // the ifmap serves every filter group
      case GemmOperand::b: return Loop::stream;  // the filters serve every run of output rows
      case GemmOperand::c: return Loop::row;     // partial sums accumulate over channel groups
      case GemmOperand::none: break;
    }
    throw InternalError("reuse loop of no operand");
  }
  // Nothing is shifted into the PEs before a pass: the DMA writes the filters into the PEs'
  // scratchpads, which the whole pass reads, so every operand is released when its compute ends.
  GemmOperand stationary_operand() const override { return GemmOperand::none; }
  ClosedForm closed_form() const override { return ClosedForm::row_stationary; }
  Engine engine() const override { return Engine::row_stationary; }
  const char* nm_skip_blocker() const override {
    return "its PEs walk each filter row in order (Eyeriss gates MACs on zero operands but does not skip them)";
  }
  ProbeNames probe_names() const override { return {"ifmap", "filter", "psum_out"}; }
  bool row_passes() const override { return true; }
};

}  // namespace

const DataflowTraits& row_stationary() {
  static const RowStationary traits;
  return traits;
}

}  // namespace tpusim::arch::dataflow
