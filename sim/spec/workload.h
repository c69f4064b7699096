#pragma once
/// Workloads: a graph of ops (layers) over tensors, parsed strictly and lowered to GEMM
/// dimensions. Each op reads the outputs of the ops it names in "inputs" (by name; the workload's
/// input tensor is named by `Workload::input_name`); without "inputs" it reads the previous op's
/// output, so a plain list of layers is a chain. Ops are listed in a topological order: an op
/// names only ops listed before it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"
#include "sim/spec/types.h"

namespace tpusim {

/// Every op the workload format knows. Matrix ops run on the systolic array; the rest on the
/// vector unit.
enum class OpKind {
  gemm, linear, conv2d, matmul,                       // matrix unit
  maxpool, avgpool, global_avgpool,                    // vector unit: pooling
  relu, gelu, add, softmax, layernorm, scale, concat,  // vector unit: elementwise / row-wise / copy
  vector,                                              // vector unit: work given as counts (imports)
  embedding_bag,                                       // DMA gathers of table rows, pooled on the vector unit
  attention                                            // fused Q K^T, softmax, P V (flash-style; matrix and vector units)
};

TPUSIM_ENUM_NAMES_BEGIN
/// The spellings of "op" in workload files (sim/base/enum_names.h).
constexpr const char* name_of(OpKind v) {
  switch (v) {
    case OpKind::gemm: return "gemm";
    case OpKind::linear: return "linear";
    case OpKind::conv2d: return "conv2d";
    case OpKind::matmul: return "matmul";
    case OpKind::maxpool: return "maxpool";
    case OpKind::avgpool: return "avgpool";
    case OpKind::global_avgpool: return "global_avgpool";
    case OpKind::relu: return "relu";
    case OpKind::gelu: return "gelu";
    case OpKind::add: return "add";
    case OpKind::softmax: return "softmax";
    case OpKind::layernorm: return "layernorm";
    case OpKind::scale: return "scale";
    case OpKind::concat: return "concat";
    case OpKind::vector: return "vector";
    case OpKind::embedding_bag: return "embedding_bag";
    case OpKind::attention: return "attention";
  }
  return nullptr;
}

/// How an embedding_bag combines the rows one sample looks up in one table.
enum class Pooling { sum, mean, max };
constexpr const char* name_of(Pooling v) {
  switch (v) {
    case Pooling::sum: return "sum";
    case Pooling::mean: return "mean";
    case Pooling::max: return "max";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

bool is_matrix_op(OpKind op);
/// An elementwise op that can run as the epilogue of the matrix op producing its input, on output
/// tiles as they leave the array (relu, gelu, scale, and add with one tensor input: a bias add).
bool is_epilogue_op(OpKind op);

/// C[m x n] = A[m x k] * B[k x n], repeated `count` times on independent operands (groups of a
/// grouped conv, heads of attention). A holds activations, B weights (for `matmul`, a second
/// activation tensor, such as K in Q K^T), C outputs.
struct GemmShape {
  uint64_t m = 1, n = 1, k = 1;
  uint64_t count = 1;
  uint64_t macs() const { return m * n * k * count; }
};

/// A conv2d's parameters as written (padding is explicit; SCALE-Sim imports use padding 0).
struct ConvParams {
  uint64_t batch = 1, in_h = 1, in_w = 1, in_c = 1, out_c = 1;
  uint64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  uint64_t pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1, groups = 1;
  uint64_t out_h() const { return (in_h + 2 * pad_h - dilation_h * (kernel_h - 1) - 1) / stride_h + 1; }
  uint64_t out_w() const { return (in_w + 2 * pad_w - dilation_w * (kernel_w - 1) - 1) / stride_w + 1; }
};

/// Work for the vector unit: elements read, elements written, and lane-operations per output
/// element (documented per op in workloads/README.md).
struct VectorWork {
  uint64_t elements_in = 0;
  uint64_t elements_out = 0;
  uint64_t ops = 0;  ///< total lane-operations
};

/// An embedding_bag (recommendation models' sparse features, PyTorch's nn.EmbeddingBag): for each
/// sample and table, `lookups` rows of `dim` elements gathered from the table in DRAM at indices
/// the op reads (its input tensor: batch x tables x lookups indices of `index_bytes`), pooled into
/// one row. Tables are weights (/datatypes/weight); rows sit at index x row bytes, so a row whose
/// bytes are not a multiple of the DRAM burst straddles bursts (sim/mapper/README.md, "Embedding
/// lookups").
struct EmbeddingBag {
  uint64_t batch = 1;
  uint64_t tables = 1;
  uint64_t rows = 1;        ///< rows of all its tables together (their footprint: rows x dim elements)
  uint64_t dim = 1;         ///< elements of a row
  uint64_t lookups = 1;     ///< rows one sample gathers from each table (the pooling factor)
  Pooling pooling = Pooling::sum;
  uint64_t index_bytes = 4; ///< bytes of one index (int32 4, int64 8)
  uint64_t bags() const { return batch * tables; }
  uint64_t gathers() const { return bags() * lookups; }
};

/// Mapping choices pinned in the workload for studies (matrix ops; empty/0 = the mapper decides).
struct MappingPin {
  std::optional<LoopOrder> loop_order;  ///< the fold loops, outermost first ("col>stream>row")
  uint64_t stream_tile = 0;  ///< streamed elements per fold (chunk length)
  /// How a core's matrix units share this op's folds (auto = /core/unit_split decides).
  UnitSplit unit_split = UnitSplit::auto_split;
  /// How the chip's cores share this op (auto = /chip/core_split decides).
  CoreSplit core_split = CoreSplit::auto_split;
};

/// Sparsity of a matrix layer's operands (sim/energy/README.md, "Sparsity"). Unstructured density gates MACs
/// (saves energy, not cycles); structured N:M weight sparsity lets the array skip zeros along K
/// where the dataflow allows it (sim/mapper/sparsity.h).
struct LayerSparsity {
  double weight_density = 1;      ///< share of nonzero weights, (0, 1]; n/m when only N:M is given
  double activation_density = 1;  ///< share of nonzero activations, (0, 1]
  /// share of nonzero values in the output as stored (after an on-chip ReLU), (0, 1]: only the
  /// DRAM bytes of `/dram/activation_compression` rlc depend on it
  double output_density = 1;
  uint32_t n = 0, m = 0;          ///< N nonzeros in every M weights along K (m = 0: none)
  bool structured() const { return m > 0; }
};

/// How the partition pass (sim/partition) splits an op under tensor and expert parallelism; the
/// spellings are the LLM generator's roles (sim/models). A single chip ignores it.
enum class SplitRole { replicated, column_parallel, row_parallel, attention_heads, expert, embedding, lm_head };
/// Which GEMM dimension of a matrix op holds the batch's tokens (data and sequence parallelism
/// divide it): m for activations x weights, count for attention's batched matmuls, k for a
/// weight gradient (X^T dY reduces over the tokens).
enum class DataDim { m, k, count };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(SplitRole v) {
  switch (v) {
    case SplitRole::replicated: return "replicated";
    case SplitRole::column_parallel: return "column_parallel";
    case SplitRole::row_parallel: return "row_parallel";
    case SplitRole::attention_heads: return "attention_heads";
    case SplitRole::expert: return "expert";
    case SplitRole::embedding: return "embedding";
    case SplitRole::lm_head: return "lm_head";
  }
  return nullptr;
}
constexpr const char* name_of(DataDim v) {
  switch (v) {
    case DataDim::m: return "m";
    case DataDim::k: return "k";
    case DataDim::count: return "count";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// What the partition pass needs to know of an op (workloads/README.md, "Partition hints").
struct PartitionHint {
  SplitRole split = SplitRole::replicated;
  std::optional<DataDim> data_dim;  ///< unset: m, or count for matmul
  /// Training: bytes of weight gradient this op completes (whole model, before tensor
  /// parallelism); data parallelism reduces them after it. 0 = none.
  uint64_t gradient_bytes = 0;
};

/// The fused attention op (`attention`, flash-style): per group (`count`), m query rows (the
/// group's heads x tokens) against n keys of head size k, the scores and probabilities kept in
/// on-chip memory. Its GemmShape is the scores' (m x k x n); the context is m x n x k.
struct AttentionParams {
  uint64_t q_block = 0;   ///< query rows per block (0: the mapper picks)
  uint64_t kv_block = 0;  ///< keys per key block (0: the mapper picks)
};

struct Layer {
  std::string name;
  OpKind op = OpKind::gemm;
  GemmShape gemm;     ///< matrix ops only; attention: the scores' GEMM (m query rows, k head size, n keys)
  AttentionParams attention;  ///< attention only
  ConvParams conv;    ///< conv2d only
  VectorWork vector;  ///< vector ops only (embedding_bag: the pooling)
  EmbeddingBag embedding;  ///< embedding_bag only
  LayerSparsity sparsity;  ///< matrix ops only
  MappingPin pin;     ///< matrix ops only
  /// The tensors it reads, as written (empty: the previous op's output, or the workload input).
  std::vector<std::string> input_names;
  /// The ops whose outputs it reads, by index in Workload::layers (kGraphInput: the workload's
  /// input). Resolved by the loader; never empty.
  std::vector<size_t> inputs;
  static constexpr size_t kGraphInput = SIZE_MAX;
  /// Epilogue fusion into the producing matrix op: unset = as the architecture says
  /// (/core/fuse_epilogues), else the op's own choice.
  std::optional<bool> fuse;
  PartitionHint hint;   ///< for the partition pass only
  std::string file;     ///< where the layer was defined, for messages
  std::string pointer;  ///< its JSON pointer (e.g. /layers/3), for messages
};

/// MACs of a layer: a matrix op's GEMM; the fused attention's two matmuls (Q K^T and P V); 0 else.
uint64_t layer_macs(const Layer& l);

/// How an importer treated one node of a foreign graph (ONNX): each node is costed as layers,
/// or costs nothing for a stated reason, or (with --allow-unsupported) is skipped and listed.
enum class NodeTreatment {
  costed,    ///< lowered to one or more layers
  fused,     ///< part of a recognised pattern costed as one layer (Erf-based GELU, decomposed layer norm)
  folded,    ///< absorbed by the matrix op before it (batch norm, bias add): no cost of its own
  view,      ///< the same bytes seen with another shape or name (Reshape, Flatten, Identity, ...)
  constant,  ///< computed from constants and static shapes only (Shape, Constant, ...): at load time
  empty,     ///< an output with no elements: nothing to compute
  skipped    ///< not supported; skipped because of --allow-unsupported (never silently)
};

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(NodeTreatment v) {
  switch (v) {
    case NodeTreatment::costed: return "costed";
    case NodeTreatment::fused: return "fused";
    case NodeTreatment::folded: return "folded";
    case NodeTreatment::view: return "view";
    case NodeTreatment::constant: return "constant";
    case NodeTreatment::empty: return "empty";
    case NodeTreatment::skipped: return "skipped";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// A tensor of an imported graph as the file declares or shape inference found it.
struct ImportedTensor {
  std::string name;
  std::vector<uint64_t> shape;  ///< static dims (empty for a scalar)
  bool shape_known = false;
  std::string dtype;            ///< the file's element type ("float32", "int64", ...)
  uint64_t elements = 0;        ///< product of the dims (when known)
  uint64_t bytes = 0;           ///< elements x the element type's size (when known)
};

/// One node of an imported graph and what became of it.
struct ImportedNode {
  size_t index = 0;             ///< its position in the file's node list
  std::string name;             ///< its name in the file (may be empty there)
  std::string op_type;          ///< e.g. "Conv"
  NodeTreatment treatment = NodeTreatment::costed;
  std::vector<std::string> layers;  ///< the layers it became (costed), joined (fused), or folded into
  std::string reason;           ///< why it costs nothing or was skipped
  std::vector<ImportedTensor> outputs;
};

/// What an importer of a foreign graph format recorded (absent for tpusim's own formats).
struct ImportRecord {
  std::string format;            ///< "onnx"
  std::string producer;          ///< the tool that wrote the file (e.g. "pytorch 1.13.1")
  int64_t opset = 0;             ///< the default domain's opset
  std::vector<ImportedTensor> inputs;  ///< the graph's inputs (all read as the workload input)
  std::vector<ImportedNode> nodes;     ///< every node, in file order
  size_t count(NodeTreatment t) const;
};

struct Workload {
  std::string name;
  std::string source;
  std::string file;
  uint64_t batch = 1;
  std::string input_name = "input";  ///< what ops name the workload's input tensor
  std::vector<Layer> layers;         ///< in a topological order
  std::optional<ImportRecord> import;  ///< set by importers of graph formats (ONNX)

  uint64_t total_macs() const;
  /// Whether every op reads exactly the previous op's output (the first the input): a chain.
  bool is_chain() const;
  /// For each op, the ops that read its output (in order).
  std::vector<std::vector<size_t>> consumers() const;
};

/// Reads one compute op (a "layers" entry) at `pointer` of `file`; InputError as parse_workload.
/// Its inputs are not resolved (resolve_graph does that for the whole graph).
Layer parse_layer(const nlohmann::json& value, const std::string& file, const std::string& pointer, uint64_t batch);

/// Resolves every op's inputs (named earlier ops, or the chain when unnamed), checks how many
/// tensors each op reads, sizes concat ops and checks epilogue choices; InputError naming `file`
/// and the op's pointer. Every loader calls it.
void resolve_graph(Workload& workload, const std::string& file);
/// Parses a workload document (strict: unknown keys, bad sizes and inconsistent layers throw
/// InputError with the file and pointer).
Workload parse_workload(const nlohmann::json& doc, const std::string& file);
/// Loads a workload JSON file.
Workload load_workload_json(const std::string& path);

}  // namespace tpusim
