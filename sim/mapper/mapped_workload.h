#pragma once
/// The mapper's result for a whole workload, made once before a run and read by everything after
/// it: validation, the runner, `--dump-program`, energy and the reports. Per layer: where its
/// activations are (residency), its plan (GemmPlan or VectorPlan) and the GEMM the array executes
/// under sparsity and packing. Immutable; nothing re-plans. Pure C++.
#include <cstddef>
#include <memory>
#include <vector>

#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/mapper/plan.h"
#include "sim/mapper/sparsity.h"

namespace tpusim::mapper {

struct AttentionPlan;  // sim/mapper/attention.h

/// One layer as mapped.
struct MappedLayer {
  const Layer* layer = nullptr;  ///< the workload's layer (the workload outlives the mapping)
  uint32_t op = 0;               ///< its index in the workload
  /// The matrix layer whose epilogue this elementwise layer runs as (graph mode), else kNotFused:
  /// it then has no plan and no program of its own.
  size_t fused_into = kNotFused;
  static constexpr size_t kNotFused = SIZE_MAX;
  /// A matrix layer: the layers fused into it as epilogues, in order.
  std::vector<size_t> epilogues;
  LayerContext context;          ///< where its activations are at its boundaries
  GemmPlan gemm;                 ///< matrix layers, when planned (the plan's context is `context`)
  VectorPlan vector;             ///< vector layers, when planned
  EffectiveGemm effective;       ///< matrix layers: the GEMM the array executes (always set)
  /// The fused attention op: its blocks and their steps' plans (sim/mapper/attention.h).
  std::shared_ptr<const AttentionPlan> attention;

  bool is_matrix() const { return is_matrix_op(layer->op); }
  bool is_attention() const { return layer->op == OpKind::attention; }
  bool fused() const { return fused_into != kNotFused; }
};

/// Maps one layer under a context: a matrix layer's effective GEMM and plan_gemm, a vector
/// layer's plan_vector. InputError (naming the buffer's capacity pointer) when a buffer cannot
/// hold the smallest tile; NoFit when only the resident activations of `ctx` crowd the tiles out.
MappedLayer map_layer(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx = {});
/// The mapping keeps a pointer to its layer: mapping a temporary would leave it dangling (the
/// sanitized suite found a test doing so), so that does not compile.
MappedLayer map_layer(const ArchConfig& arch, Layer&& layer, const LayerContext& ctx = {}) = delete;

/// Every layer of a workload, mapped once.
class MappedWorkload {
 public:
  /// Decides residency (see below) and plans each layer under its context; InputError as
  /// map_layer. In scalesim-v2 timing only the effective GEMMs are made (planned() is false):
  /// SCALE-Sim maps layers its own way and has no buffer-fit limits.
  ///
  /// Residency (ArchConfig::activations_on_chip, with one buffer holding inputs and outputs):
  /// the first input starts on chip; a layer's input stays on chip when the previous output
  /// stayed and the layer still maps with it resident; its output stays when the layer still
  /// maps with its output resident as well (the host reads the last output from the buffer, as
  /// it wrote the first input). Each layer is planned once when it maps with both resident; the
  /// plan of the fit test that decides its residency is its plan.
  ///
  /// Epilogue fusion (graph mode only, /core/layer_barrier false): an elementwise layer whose
  /// `fuse` (default /core/fuse_epilogues) is true, that reads only the output of a matrix layer
  /// (or of a layer fused into one) which feeds nothing else, runs as that matrix layer's epilogue.
  /// It reads and writes the output tile in the outputs buffer; its output is where the matrix
  /// layer's would have been.
  MappedWorkload(const ArchConfig& arch, const Workload& workload);
  // The mapping refers to the arch and workload it was made from: no temporaries.
  MappedWorkload(ArchConfig&&, const Workload&) = delete;
  MappedWorkload(const ArchConfig&, Workload&&) = delete;

  const ArchConfig& arch() const { return arch_; }
  const Workload& workload() const { return workload_; }
  bool planned() const { return planned_; }
  /// Whether the run issues across op boundaries (no layer barrier, native timing).
  bool graph() const { return graph_; }
  size_t size() const { return layers_.size(); }
  const MappedLayer& layer(size_t i) const { return layers_.at(i); }
  const std::vector<MappedLayer>& layers() const { return layers_; }

 private:
  const ArchConfig& arch_;
  const Workload& workload_;
  bool planned_ = false;
  bool graph_ = false;
  std::vector<MappedLayer> layers_;
};

}  // namespace tpusim::mapper
