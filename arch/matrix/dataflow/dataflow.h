#pragma once
/// Dataflow traits: everything that differs between dataflows, in one description per dataflow
/// (os.cpp, ws.cpp, is.cpp, rs.cpp). The mapper (sim/mapper), the closed-form timing
/// (arch/matrix/timing), the PE-level model (arch/matrix/cycle_model) and the matrix unit read a
/// dataflow only through these traits; none of them switches on `Dataflow`. Pure C++.
///
/// Adding a dataflow: its value and spelling in sim/spec/types.h, one file here with its traits,
/// one line in traits_of() (dataflow.cpp). A dataflow that runs on a new microarchitecture (rs,
/// row stationary) also names a new ClosedForm and Engine and implements them in
/// arch/matrix/timing and arch/matrix/cycle_model; a GEMM-shaped one reuses GemmDataflow and the
/// existing ones.
#include <array>
#include <cstdint>

#include "sim/spec/types.h"
#include "sim/spec/workload.h"

namespace tpusim::arch::dataflow {

/// The three fold loops: row folds (array rows), column folds (array cols), stream chunks
/// (declared with their spellings in sim/spec/types.h: workloads pin loop orders).
using Loop = tpusim::Loop;

/// A dimension of the GEMM C[M x N] = A[M x K] * B[K x N].
enum class GemmDim { m, n, k };

/// The GEMM operands. `none` where a rule names no operand.
enum class GemmOperand { a, b, c, none };

/// The three loop dimensions of a fold under a dataflow: Sr on array rows, Sc on array columns,
/// T streamed in time.
struct MappedDims {
  uint64_t sr = 1, sc = 1, t = 1;
};

/// Element counts of the operand tiles one fold touches.
struct FoldTiles {
  uint64_t a = 0;    ///< activations (inputs)
  uint64_t b = 0;    ///< weights
  uint64_t out = 0;  ///< partial sums / outputs
};

/// The closed form that times a dataflow's folds (arch/matrix/timing/fold_timing.cpp,
/// derived in DERIVATION.md).
enum class ClosedForm {
  /// An operand is shifted into the PEs (R cycles, optionally double-buffered), the other streams
  /// along the rows and partial sums flow down to the bottom edge ("Weight / input stationary").
  stationary_operand,
  /// Both operands stream in, A along rows and B down columns; outputs accumulate in the PEs and
  /// drain through the bottom edge ("Output stationary").
  output_stationary,
  /// Filter rows sit in the PEs' scratchpads, every PE runs a 1-D convolution of one ifmap row,
  /// and partial sums accumulate up each set's rows; passes run one after another ("Row
  /// stationary", arch/matrix/timing/rs_fold_timing.cpp).
  row_stationary,
};

/// The PE-level engine that steps a dataflow's folds in cycle mode (arch/matrix/cycle_model):
/// pe_array_ws.cpp, pe_array_os.cpp and pe_array_rs.cpp. Each engine is proven equal to the
/// closed form of the same name (tests/unit/test_fold_timing.cpp, test_rs_timing.cpp).
enum class Engine { stationary_operand, output_stationary, row_stationary };

/// Register names of a probed PE in a waveform (arch/matrix/matrix_unit.cpp, --vcd), for the
/// three values of timing::PeProbeSample besides the MAC bit.
struct ProbeNames {
  const char* moving;
  const char* stationary;
  const char* result;
};

/// What a dataflow is. One immutable instance per dataflow, obtained from traits_of().
class DataflowTraits {
 public:
  virtual ~DataflowTraits() = default;

  virtual Dataflow id() const = 0;

  // Mapping (sim/mapper).
  /// The GEMM's loop dimensions on this dataflow.
  virtual MappedDims map_dims(const GemmShape& g) const = 0;
  /// Element counts of the A, B and output tiles of a fold of r rows, c columns, t streamed.
  virtual FoldTiles fold_tiles(uint64_t r, uint64_t c, uint64_t t) const = 0;
  /// The loop over the GEMM's K: partial sums accumulate along it.
  virtual Loop reduction_loop() const = 0;
  /// The loop that does not index an operand's tiles: along it the same tile is reused.
  virtual Loop reuse_loop(GemmOperand operand) const = 0;

  // The matrix unit's release rule.
  /// The operand shifted into the PEs before its fold streams (`none` if both stream): it has
  /// been read into the array when the fold's stream starts, a streamed operand only when the
  /// fold's compute window ends. Its buffer slot may be refilled from then on.
  virtual GemmOperand stationary_operand() const = 0;

  // Timing.
  virtual ClosedForm closed_form() const = 0;
  virtual Engine engine() const = 0;

  // Sparsity (sim/mapper/sparsity.cpp).
  /// Why this dataflow cannot skip structured N:M weight zeros (a clause for the report), or
  /// nullptr when its PEs can select activations by the weights' indices and skip them.
  virtual const char* nm_skip_blocker() const = 0;

  // Waveforms.
  virtual ProbeNames probe_names() const = 0;

  /// The one-to-one GEMM mapping behind map_dims(), or nullptr for a dataflow whose folds are not
  /// a plain GEMM tiling (the cycle model's run_gemm() needs one to place operands).
  virtual const class GemmDataflow* gemm_mapping() const { return nullptr; }
  /// Whether the mapper lowers a layer into row-stationary processing passes (sim/mapper/rs_plan.h:
  /// PE sets of filter rows, folded and replicated onto the array) instead of array-sized GEMM
  /// tiles. The GEMM loops (map_dims, tiles, reuse) still describe which data a pass touches.
  virtual bool row_passes() const { return false; }
};

/// The traits of a dataflow: the factory (dataflow.cpp). Never fails for a value of the enum.
const DataflowTraits& traits_of(Dataflow df);

/// A dataflow that maps the GEMM's three dimensions one to one onto the three fold loops (os, ws,
/// is): its tiles, reduction and reuse loops all follow from which dimension each loop walks. An
/// operand's tile spans the loops of its two dimensions; its reuse loop walks the dimension it
/// lacks (A lacks N, B lacks M, C lacks K), and the reduction loop walks K.
class GemmDataflow : public DataflowTraits {
 public:
  /// `rows`, `cols`, `stream`: the GEMM dimension each loop walks (a permutation of m, n, k).
  GemmDataflow(GemmDim rows, GemmDim cols, GemmDim stream);

  MappedDims map_dims(const GemmShape& g) const override;
  FoldTiles fold_tiles(uint64_t r, uint64_t c, uint64_t t) const override;
  Loop reduction_loop() const override { return loop_of(GemmDim::k); }
  Loop reuse_loop(GemmOperand operand) const override;
  const GemmDataflow* gemm_mapping() const override { return this; }

  /// The GEMM dimension loop `l` walks, and the loop that walks dimension `d`.
  GemmDim dim_of(Loop l) const { return dims_[static_cast<size_t>(l)]; }
  Loop loop_of(GemmDim d) const;

 private:
  std::array<GemmDim, 3> dims_;  ///< by Loop
};

/// The traits of each dataflow, one per file (used by traits_of()).
const DataflowTraits& output_stationary();
const DataflowTraits& weight_stationary();
const DataflowTraits& input_stationary();
const DataflowTraits& row_stationary();

}  // namespace tpusim::arch::dataflow
