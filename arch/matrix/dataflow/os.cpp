// Output stationary: C[m][n] accumulates in PE (m, n) while A streams along the rows and B down
// the columns, K in time; the results drain through the bottom edge (DERIVATION.md, "Output
// stationary"). Gemmini's OS mode, SCALE-Sim's "os".
#include "arch/matrix/dataflow/dataflow.h"

namespace tpusim::arch::dataflow {

namespace {

class OutputStationary final : public GemmDataflow {
 public:
  OutputStationary() : GemmDataflow(GemmDim::m, GemmDim::n, GemmDim::k) {}
  Dataflow id() const override { return Dataflow::os; }
  GemmOperand stationary_operand() const override { return GemmOperand::none; }
  ClosedForm closed_form() const override { return ClosedForm::output_stationary; }
  Engine engine() const override { return Engine::output_stationary; }
  // K streams in time with the weights' indices beside them: each PE picks the matching
  // activation of the group passing along its row (sim/mapper/sparsity.h).
  const char* nm_skip_blocker() const override { return nullptr; }
  ProbeNames probe_names() const override { return {"in", "in_b", "acc"}; }
};

}  // namespace

const DataflowTraits& output_stationary() {
  static const OutputStationary traits;
  return traits;
}

}  // namespace tpusim::arch::dataflow
