#include "arch/matrix/dataflow/dataflow.h"

#include "sim/base/error.h"

namespace tpusim::arch::dataflow {

// The factory: one line per dataflow, no static self-registration (a static archive's linker
// drops unreferenced registrars).
const DataflowTraits& traits_of(Dataflow df) {
  switch (df) {
    case Dataflow::os: return output_stationary();
    case Dataflow::ws: return weight_stationary();
    case Dataflow::is: return input_stationary();
    case Dataflow::rs: return row_stationary();
  }
  throw InternalError("dataflow of no known value");
}

GemmDataflow::GemmDataflow(GemmDim rows, GemmDim cols, GemmDim stream) : dims_{rows, cols, stream} {
  TPUSIM_ASSERT(rows != cols && cols != stream && rows != stream, "a GEMM dataflow maps each dimension once");
}

Loop GemmDataflow::loop_of(GemmDim d) const {
  return dims_[0] == d ? Loop::row : dims_[1] == d ? Loop::col : Loop::stream;
}

MappedDims GemmDataflow::map_dims(const GemmShape& g) const {
  const auto size = [&](Loop l) {
    switch (dim_of(l)) {
      case GemmDim::m: return g.m;
      case GemmDim::n: return g.n;
      case GemmDim::k: return g.k;
    }
    return uint64_t{0};
  };
  return {size(Loop::row), size(Loop::col), size(Loop::stream)};
}

FoldTiles GemmDataflow::fold_tiles(uint64_t r, uint64_t c, uint64_t t) const {
  const uint64_t extent[3] = {r, c, t};  // by Loop
  const auto along = [&](GemmDim d) { return extent[static_cast<size_t>(loop_of(d))]; };
  // A is M x K, B is K x N, C is M x N.
  return {along(GemmDim::m) * along(GemmDim::k), along(GemmDim::k) * along(GemmDim::n),
          along(GemmDim::m) * along(GemmDim::n)};
}

Loop GemmDataflow::reuse_loop(GemmOperand operand) const {
  switch (operand) {
    case GemmOperand::a: return loop_of(GemmDim::n);
    case GemmOperand::b: return loop_of(GemmDim::m);
    case GemmOperand::c: return loop_of(GemmDim::k);
    case GemmOperand::none: break;
  }
  throw InternalError("reuse loop of no operand");
}

}  // namespace tpusim::arch::dataflow
