// Input stationary: a K x M tile of A (transposed) is shifted into the PEs, B streams along the
// rows (N in time) and partial sums flow down the columns: the weight-stationary
// microarchitecture with the operands' roles swapped (DERIVATION.md). SCALE-Sim's "is".
#include "arch/matrix/dataflow/dataflow.h"

namespace tpusim::arch::dataflow {

namespace {

class InputStationary final : public GemmDataflow {
 public:
  InputStationary() : GemmDataflow(GemmDim::k, GemmDim::m, GemmDim::n) {}
  Dataflow id() const override { return Dataflow::is; }
  GemmOperand stationary_operand() const override { return GemmOperand::a; }
  ClosedForm closed_form() const override { return ClosedForm::stationary_operand; }
  Engine engine() const override { return Engine::stationary_operand; }
  // The streamed weight's index changes every cycle and per column, so a PE would have to hold
  // all m activations of its group (sim/mapper/sparsity.h).
  const char* nm_skip_blocker() const override {
    return "the stationary activations would need m/n times the PE registers";
  }
  ProbeNames probe_names() const override { return {"in", "stationary", "psum_out"}; }
};

}  // namespace

const DataflowTraits& input_stationary() {
  static const InputStationary traits;
  return traits;
}

}  // namespace tpusim::arch::dataflow
