// ONNX import (sim/importers/onnx): small graphs built here with the ONNX protobuf API, each
// lowered layer checked against numbers derived by hand in the comments.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "sim/base/error.h"
#include "sim/importers/onnx/onnx_import.h"

namespace {

using tpusim::InputError;
using tpusim::Layer;
using tpusim::NodeTreatment;
using tpusim::OpKind;
using tpusim::Workload;

/// Builds a graph: inputs (activations), initializers (constants), nodes.
class Graph {
 public:
  Graph() { model_.set_ir_version(8); model_.add_opset_import()->set_version(17); }
  Graph& opset(int64_t v) { model_.mutable_opset_import(0)->set_version(v); return *this; }
  Graph& input(const std::string& name, const std::vector<int64_t>& dims, int32_t type = onnx::TensorProto_DataType_FLOAT) {
    auto* v = model_.mutable_graph()->add_input();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    auto* s = t->mutable_shape();
    for (int64_t d : dims) s->add_dim()->set_dim_value(d);
    return *this;
  }
  Graph& symbolic_input(const std::string& name, const std::string& dim) {
    auto* v = model_.mutable_graph()->add_input();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param(dim);
    return *this;
  }
  /// A float initializer (values are irrelevant to costs: zeros), or int64 values if given.
  Graph& init(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& ints = {}) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    for (int64_t d : dims) t->add_dims(d);
    if (!ints.empty()) {
      t->set_data_type(onnx::TensorProto_DataType_INT64);
      for (int64_t x : ints) t->add_int64_data(x);
    } else {
      t->set_data_type(onnx::TensorProto_DataType_FLOAT);
      int64_t n = 1;
      for (int64_t d : dims) n *= d;
      for (int64_t i = 0; i < n; ++i) t->add_float_data(0.5f);
    }
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
                        const std::string& name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? out[0] + "_node" : name);
    for (const auto& i : in) n->add_input(i);
    for (const auto& o : out) n->add_output(o);
    return *n;
  }
  Graph& output(const std::string& name) {
    model_.mutable_graph()->add_output()->set_name(name);
    return *this;
  }
  Workload load(bool allow = false) const {
    return tpusim::importers::parse_onnx(model_.SerializeAsString(), "m.onnx", allow);
  }
  std::string error(bool allow = false) const {
    try {
      (void)load(allow);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }

 private:
  onnx::ModelProto model_;
};

void ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INTS);
  for (int64_t x : v) a->add_ints(x);
}
void integer(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(v);
}
void text(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_STRING);
  a->set_s(v);
}

const Layer& layer(const Workload& w, size_t i) { return w.layers.at(i); }

}  // namespace

TEST_CASE("onnx: Conv with auto_pad SAME_UPPER and stride 2 pads one side, folded into the input") {
  Graph g;
  g.input("x", {1, 3, 224, 224}).init("w", {8, 3, 3, 3});
  auto& n = g.node("Conv", {"x", "w"}, {"y"});
  text(n, "auto_pad", "SAME_UPPER");
  ints(n, "strides", {2, 2});
  g.output("y");
  const Workload w = g.load();
  REQUIRE(w.layers.size() == 1);
  const Layer& l = layer(w, 0);
  // SAME: out = ceil(224 / 2) = 112; total pad = (112 - 1) x 2 + 3 - 224 = 1: begin 0, end 1.
  // tpusim pads symmetrically (0) and reads a 225-row input with the extra zero row.
  CHECK(l.op == OpKind::conv2d);
  CHECK(l.conv.in_h == 225);
  CHECK(l.conv.pad_h == 0);
  CHECK(l.conv.out_h() == 112);
  CHECK(l.gemm.m == 112 * 112);
  CHECK(l.gemm.k == 27);  // 3 x 3 x 3
  CHECK(l.gemm.n == 8);
  CHECK(l.inputs == std::vector<size_t>{Layer::kGraphInput});
  REQUIRE(w.import);
  CHECK(w.import->nodes.at(0).outputs.at(0).shape == std::vector<uint64_t>{1, 8, 112, 112});
  CHECK(w.import->nodes.at(0).outputs.at(0).dtype == "float32");
  CHECK(w.import->nodes.at(0).outputs.at(0).bytes == 8 * 112 * 112 * 4);
}

TEST_CASE("onnx: grouped, dilated Conv with batch 2") {
  Graph g;
  g.input("x", {2, 8, 10, 10}).init("w", {8, 2, 3, 3});
  auto& n = g.node("Conv", {"x", "w"}, {"y"});
  integer(n, "group", 4);
  ints(n, "dilations", {2, 2});
  ints(n, "pads", {2, 2, 2, 2});
  g.output("y");
  const Layer l = g.load().layers.at(0);
  // Extent 2 x (3 - 1) + 1 = 5; out = (10 + 4 - 5) / 1 + 1 = 10. Per group: M = 2 x 10 x 10 = 200,
  // K = 3 x 3 x 8 / 4 = 18, N = 8 / 4 = 2, 4 groups.
  CHECK(l.gemm.m == 200);
  CHECK(l.gemm.k == 18);
  CHECK(l.gemm.n == 2);
  CHECK(l.gemm.count == 4);
  CHECK(l.conv.dilation_h == 2);
}

TEST_CASE("onnx: batch norm after a conv folds into it; Relu and a residual Add keep the graph's edges") {
  Graph g;
  g.input("x", {1, 4, 8, 8}).init("w", {4, 4, 1, 1}).init("s", {4}).init("b", {4}).init("m", {4}).init("v", {4});
  g.node("Conv", {"x", "w"}, {"c"}, "conv");
  g.node("BatchNormalization", {"c", "s", "b", "m", "v"}, {"bn"}, "bn");
  g.node("Relu", {"bn"}, {"r"}, "relu");
  g.node("Add", {"r", "x"}, {"sum"}, "add");
  g.output("sum");
  const Workload w = g.load();
  REQUIRE(w.layers.size() == 3);
  CHECK(layer(w, 0).name == "conv");
  CHECK(layer(w, 1).op == OpKind::relu);
  CHECK(layer(w, 1).vector.elements_out == 4 * 8 * 8);
  CHECK(layer(w, 1).inputs == std::vector<size_t>{0});  // reads the conv (the folded batch norm's output)
  CHECK(layer(w, 2).op == OpKind::add);
  CHECK(layer(w, 2).inputs == std::vector<size_t>{1, Layer::kGraphInput});  // the relu and the block input
  CHECK(w.import->nodes.at(1).treatment == NodeTreatment::folded);
  CHECK(w.import->nodes.at(1).layers == std::vector<std::string>{"conv"});
}

TEST_CASE("onnx: MatMul with weights folds batch dims into rows; two activations stay batched") {
  SECTION("activation x weights: one weight matrix for all rows") {
    Graph g;
    g.input("a", {2, 3, 4, 5}).init("b", {5, 6});
    g.node("MatMul", {"a", "b"}, {"y"});
    g.output("y");
    const Layer l = g.load().layers.at(0);
    CHECK(l.op == OpKind::linear);
    CHECK(l.gemm.m == 2 * 3 * 4);
    CHECK(l.gemm.k == 5);
    CHECK(l.gemm.n == 6);
    CHECK(l.gemm.count == 1);
  }
  SECTION("attention scores: 12 heads of 197 x 64 x 197") {
    Graph g;
    g.input("q", {12, 197, 64}).input("k", {12, 64, 197});
    g.node("MatMul", {"q", "k"}, {"s"});
    g.output("s");
    const Layer l = g.load().layers.at(0);
    CHECK(l.op == OpKind::matmul);
    CHECK(l.gemm.m == 197);
    CHECK(l.gemm.n == 197);
    CHECK(l.gemm.k == 64);
    CHECK(l.gemm.count == 12);
    CHECK(l.inputs == std::vector<size_t>{Layer::kGraphInput, Layer::kGraphInput});
  }
  SECTION("A broadcast over B's batch: B's matrices side by side, N = 4 x 32") {
    Graph g;
    g.input("a", {1, 8, 16}).input("b", {4, 16, 32});
    g.node("MatMul", {"a", "b"}, {"y"});
    g.output("y");
    const Layer l = g.load().layers.at(0);
    CHECK(l.gemm.m == 8);
    CHECK(l.gemm.n == 128);
    CHECK(l.gemm.k == 16);
    CHECK(l.gemm.count == 1);
    CHECK(l.gemm.macs() == 4ull * 8 * 16 * 32);
  }
}

TEST_CASE("onnx: Gemm with transA and transB; its bias costs nothing of its own") {
  Graph g;
  g.input("a", {4, 3}).init("b", {5, 4}).init("c", {5});
  auto& n = g.node("Gemm", {"a", "b", "c"}, {"y"});
  integer(n, "transA", 1);
  integer(n, "transB", 1);
  g.output("y");
  const Workload w = g.load();
  REQUIRE(w.layers.size() == 1);
  // A^T is 3 x 4, B^T is 4 x 5: M = 3, K = 4, N = 5.
  CHECK(layer(w, 0).gemm.m == 3);
  CHECK(layer(w, 0).gemm.k == 4);
  CHECK(layer(w, 0).gemm.n == 5);
}

TEST_CASE("onnx: ConvTranspose is a GEMM per input pixel and a col2im scatter-add") {
  Graph g;
  g.input("x", {1, 4, 5, 5}).init("w", {4, 6, 3, 3});
  auto& n = g.node("ConvTranspose", {"x", "w"}, {"y"});
  ints(n, "strides", {2, 2});
  g.output("y");
  const Workload w = g.load();
  REQUIRE(w.layers.size() == 2);
  // M = 5 x 5 = 25 input pixels, K = 4 channels, N = 6 x 3 x 3 = 54 taps; out (5 - 1) x 2 + 3 = 11.
  CHECK(layer(w, 0).gemm.m == 25);
  CHECK(layer(w, 0).gemm.k == 4);
  CHECK(layer(w, 0).gemm.n == 54);
  CHECK(layer(w, 1).op == OpKind::vector);
  CHECK(layer(w, 1).vector.elements_in == 25 * 54);
  CHECK(layer(w, 1).vector.ops == 25 * 54);
  CHECK(layer(w, 1).vector.elements_out == 6 * 11 * 11);
  CHECK(layer(w, 1).inputs == std::vector<size_t>{0});
}

TEST_CASE("onnx: MaxPool with ceil_mode gets the extra end padding its output needs") {
  Graph g;
  g.input("x", {1, 2, 6, 6});
  auto& n = g.node("MaxPool", {"x"}, {"y"});
  ints(n, "kernel_shape", {3, 3});
  ints(n, "strides", {2, 2});
  integer(n, "ceil_mode", 1);
  g.output("y");
  const Layer l = g.load().layers.at(0);
  // ceil((6 - 3) / 2) + 1 = 3 windows per axis; floor needs one more row: a 7-row input.
  CHECK(l.op == OpKind::maxpool);
  CHECK(l.conv.in_h == 7);
  CHECK(l.vector.elements_out == 2 * 3 * 3);
  CHECK(l.vector.ops == 2 * 3 * 3 * 9);
}

TEST_CASE("onnx: Erf-based GELU (as torch exports it) is one gelu layer") {
  Graph g;
  g.input("x", {2, 10}).init("sqrt2", {}).init("one", {}).init("half", {});
  g.node("Div", {"x", "sqrt2"}, {"d"});
  g.node("Erf", {"d"}, {"e"});
  g.node("Add", {"e", "one"}, {"a"});
  g.node("Mul", {"x", "a"}, {"m"});
  g.node("Mul", {"m", "half"}, {"y"});
  g.output("y");
  const Workload w = g.load();
  REQUIRE(w.layers.size() == 1);
  CHECK(layer(w, 0).op == OpKind::gelu);
  CHECK(layer(w, 0).vector.elements_out == 20);
  CHECK(w.import->count(NodeTreatment::fused) == 5);
}

TEST_CASE("onnx: the opset-14 decomposition of layer norm is one layernorm layer") {
  Graph g;
  g.opset(14);
  g.input("x", {1, 5, 8}).init("two", {}).init("eps", {}).init("gamma", {8}).init("beta", {8});
  auto& r1 = g.node("ReduceMean", {"x"}, {"mean"});
  ints(r1, "axes", {-1});
  g.node("Sub", {"x", "mean"}, {"d"});
  g.node("Pow", {"d", "two"}, {"p"});
  auto& r2 = g.node("ReduceMean", {"p"}, {"var"});
  ints(r2, "axes", {-1});
  g.node("Add", {"var", "eps"}, {"ve"});
  g.node("Sqrt", {"ve"}, {"s"});
  g.node("Div", {"d", "s"}, {"n"});
  g.node("Mul", {"n", "gamma"}, {"g"});
  g.node("Add", {"g", "beta"}, {"y"});
  g.output("y");
  const Workload w = g.load();
  REQUIRE(w.layers.size() == 1);
  CHECK(layer(w, 0).op == OpKind::layernorm);
  CHECK(layer(w, 0).vector.elements_out == 40);
  CHECK(layer(w, 0).vector.ops == 40 * 5);  // rows 5 x cols 8, 5 lane-operations each
}

TEST_CASE("onnx: shape computations are evaluated; Reshape is a view, Slice with computed bounds a copy") {
  Graph g;
  g.input("x", {4, 6}).init("zero", {1}, {0}).init("one", {1}, {1}).init("minus1", {1}, {-1}).init("idx", {}, {1});
  g.node("Relu", {"x"}, {"r"}, "relu");
  g.node("Shape", {"r"}, {"shape"});                // [4, 6]
  g.node("Gather", {"shape", "idx"}, {"cols"});     // 6
  g.node("Unsqueeze", {"cols", "zero"}, {"cols1"}); // [6]
  g.node("Concat", {"minus1", "cols1"}, {"target"});
  integer(g.node("Reshape", {"r", "target"}, {"v"}, "reshape"), "allowzero", 0);
  g.node("Div", {"cols1", "minus1"}, {"neg"});      // -6: a computed, negative bound
  g.node("Slice", {"v", "zero", "one"}, {"s"}, "slice");
  g.output("s");
  const Workload w = g.load();
  REQUIRE(w.layers.size() == 2);
  CHECK(w.layers[1].name == "slice");
  CHECK(w.layers[1].vector.elements_out == 6);  // row 0 of the 4 x 6 view
  CHECK(w.layers[1].inputs == std::vector<size_t>{0});
  CHECK(w.import->nodes.at(1).treatment == NodeTreatment::constant);
  CHECK(w.import->nodes.at(5).treatment == NodeTreatment::view);
}

TEST_CASE("onnx: an unsupported op is refused naming it and its node; --allow-unsupported lists it") {
  Graph g;
  g.input("x", {3, 4});
  g.node("Relu", {"x"}, {"r"}, "relu");
  g.node("TopK", {"r", "k"}, {"vals", "idx"}, "top");
  g.node("Relu", {"vals"}, {"y"}, "relu2");
  g.output("y");
  Graph with_k = g;
  with_k.init("k", {1}, {2});
  CHECK(with_k.error() == "m.onnx: node 1 \"top\" (TopK): unsupported op TopK; run with --allow-unsupported to skip "
                          "it (the report then lists it under /import/skipped)");
  const Workload w = with_k.load(true);
  REQUIRE(w.layers.size() == 2);
  CHECK(w.layers[1].inputs == std::vector<size_t>{0});  // reads past the skipped node
  const auto& skipped = w.import->nodes.at(1);
  CHECK(skipped.treatment == NodeTreatment::skipped);
  REQUIRE(skipped.outputs.size() == 2);
  CHECK(skipped.outputs[0].elements == 3 * 2);  // TopK k = 2 along the last axis
  CHECK(skipped.outputs[0].bytes == 3 * 2 * 4);
}

TEST_CASE("onnx: what cannot be imported is one line naming the file") {
  SECTION("not a protobuf") {
    CHECK_THROWS_WITH(tpusim::importers::parse_onnx("not a model", "m.onnx", false),
                      "m.onnx: not an ONNX model (the protobuf does not parse)");
  }
  SECTION("a symbolic input dimension") {
    Graph g;
    g.symbolic_input("x", "batch");
    g.node("Relu", {"x"}, {"y"});
    g.output("y");
    CHECK(g.error() == "m.onnx: graph input \"x\": dimension \"batch\" is not a number; tpusim needs static shapes "
                       "(export the model with a fixed input size)");
  }
  SECTION("nothing to cost") {
    Graph g;
    g.input("x", {2, 3});
    g.node("Identity", {"x"}, {"y"});
    g.output("y");
    CHECK(g.error() == "m.onnx: no node of the graph costs anything (1 nodes: 1 views, 0 computed from constants, 0 "
                       "with empty outputs, 0 skipped); nothing to simulate");
  }
}

TEST_CASE("onnx: a control character in a name the refusal quotes stays escaped in the message", "[onnx][fuzz]") {
  // fuzz_onnx (2026-12-02): a graph input named "\n\b" with a symbolic dimension. The message is
  // InputError's own (the Python API raises it as is), not only what main() prints.
  const std::string path = std::string(TPUSIM_SOURCE_DIR) + "/tests/data/onnx/bad/graph_input_name_control_chars.onnx";
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(!bytes.empty());
  CHECK_THROWS_WITH(tpusim::importers::parse_onnx(bytes, "m.onnx", false),
                    "m.onnx: graph input \"\\n\\x08\": dimension \"?\" is not a number; tpusim needs static shapes "
                    "(export the model with a fixed input size)");
}

TEST_CASE("onnx: a convolution whose weight's rank is not its input's is refused, not a crash in libonnx",
          "[onnx][fuzz]") {
  // fuzz_onnx (2026-12-02, 600 s run, after 11 s): ConvInteger of a rank-3 input (1 x 3 x 3) with a
  // rank-4 weight (1 x 1 x 2 x 2) and no kernel_shape. libonnx 1.13 takes the kernel from the
  // weight's dims 2.. (2 of them) and indexes the input's 1 spatial dim by them: SIGSEGV.
  SECTION("both ranks in the file: named before inference") {
    Graph g;
    g.input("x", {1, 3, 3}).init("w", {1, 1, 2, 2});
    g.node("Conv", {"x", "w"}, {"y"}, "c");
    g.output("y");
    CHECK(g.error() == "m.onnx: node 0 \"c\" (Conv): weight \"w\" has rank 4 but input \"x\" rank 3; a convolution's "
                       "weight has its input's rank (M x C/group x kernel)");
  }
  SECTION("the input's rank only inferred (another node's output): libonnx checks the kernel it is given") {
    // Relu keeps x's rank 3; the weight's dims 2.. become the Conv's kernel_shape [2, 2] for
    // inference, whose size libonnx compares with the input's 1 spatial dim: it leaves y's shape
    // unknown (inference errors are not fatal there), which tpusim refuses.
    Graph g;
    g.input("x", {1, 3, 3}).init("w", {1, 1, 2, 2});
    g.node("Relu", {"x"}, {"r"});
    g.node("Conv", {"r", "w"}, {"y"}, "c");
    g.output("y");
    CHECK(g.error() == "m.onnx: node 1 \"c\" (Conv): the shape of \"y\" is unknown after shape inference; tpusim "
                       "needs static shapes");
  }
  SECTION("a valid convolution infers the same shapes with the kernel stated for inference") {
    // 1 x 3 x 8 x 8 by 4 x 3 x 3 x 3, no padding: a 1 x 4 x 6 x 6 output, a GEMM of m = 36
    // pixels, k = 3 x 3 x 3 = 27, n = 4 filters.
    Graph g;
    g.input("x", {1, 3, 8, 8}).init("w", {4, 3, 3, 3});
    g.node("Conv", {"x", "w"}, {"y"}, "c");
    g.output("y");
    const Workload w = g.load();
    REQUIRE(w.layers.size() == 1);
    CHECK(layer(w, 0).gemm.m == 36);
    CHECK(layer(w, 0).gemm.k == 27);
    CHECK(layer(w, 0).gemm.n == 4);
  }
}

TEST_CASE("onnx: a ConvTranspose whose weight's rank is not its input's is refused, not a crash in libonnx",
          "[onnx][fuzz]") {
  // fuzz_onnx (2026-12-02, second 500 s run, after 27 s): ConvTranspose of a rank-3 input with a
  // rank-4 weight and no kernel_shape: libonnx 1.13's convTransposeShapeInference indexes the
  // input's dilations by the weight's 2 kernel dims (the input has 1): SIGSEGV.
  SECTION("both ranks in the file") {
    Graph g;
    g.input("x", {1, 1, 3}).init("w", {1, 2, 3, 3});
    g.node("ConvTranspose", {"x", "w"}, {"y"}, "up");
    g.output("y");
    CHECK(g.error() == "m.onnx: node 0 \"up\" (ConvTranspose): weight \"w\" has rank 4 but input \"x\" rank 3; a "
                       "convolution's weight has its input's rank (C x M/group x kernel)");
  }
  SECTION("the input's rank only inferred: the weight's kernel is stated for inference, which checks it") {
    Graph g;
    g.input("x", {1, 1, 3}).init("w", {1, 2, 3, 3});
    g.node("Relu", {"x"}, {"r"});
    g.node("ConvTranspose", {"r", "w"}, {"y"}, "up");
    g.output("y");
    CHECK(g.error() == "m.onnx: node 1 \"up\" (ConvTranspose): the shape of \"y\" is unknown after shape inference; "
                       "tpusim needs static shapes (export with a fixed input size)");
  }
}

TEST_CASE("onnx: a stride of 0 is refused, not a division by zero in libonnx", "[onnx][fuzz]") {
  // fuzz_onnx (2026-12-02, third run, after 122 s): a Conv with strides [0, 2]; libonnx 1.13's
  // convPoolShapeInference divides the padded input by each stride: SIGFPE.
  Graph g;
  g.input("x", {1, 1, 5, 5}).init("w", {1, 1, 3, 3});
  ints(g.node("Conv", {"x", "w"}, {"y"}, "c"), "strides", {0, 2});
  g.output("y");
  CHECK(g.error() == "m.onnx: node 0 \"c\" (Conv): /strides/0: must be positive, got 0");
}
