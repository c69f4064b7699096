// Weight stationary: a K x N tile of B is shifted into the PEs, A streams along the rows (M in
// time) and partial sums flow down the columns (DERIVATION.md, "Weight / input stationary").
// TPU v1, Gemmini's WS mode, SCALE-Sim's "ws".
#include "arch/matrix/dataflow/dataflow.h"

namespace tpusim::arch::dataflow {

namespace {

class WeightStationary final : public GemmDataflow {
 public:
  WeightStationary() : GemmDataflow(GemmDim::k, GemmDim::n, GemmDim::m) {}
  Dataflow id() const override { return Dataflow::ws; }
  GemmOperand stationary_operand() const override { return GemmOperand::b; }
  ClosedForm closed_form() const override { return ClosedForm::stationary_operand; }
  Engine engine() const override { return Engine::stationary_operand; }
  // The compressed weights are the stationary operand: each PE selects its activation from the
  // m of its group by the stationary index (sim/mapper/sparsity.h).
  const char* nm_skip_blocker() const override { return nullptr; }
  ProbeNames probe_names() const override { return {"in", "stationary", "psum_out"}; }
};

}  // namespace

const DataflowTraits& weight_stationary() {
  static const WeightStationary traits;
  return traits;
}

}  // namespace tpusim::arch::dataflow
