// Enum name tables (sim/base/enum_names.h): each enum of the spec has exactly the spellings that
// configs/README.md and workloads/README.md document, in enum order, and parsing a spelling gives
// back the enumerator itself. That the tables cannot miss an enumerator is proven at compile
// time (tests/enum_names); here the spellings themselves are pinned, because files use them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/spec/arch_config.h"
#include "sim/spec/system_spec.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/types.h"
#include "sim/spec/workload.h"

using namespace tpusim;
using Names = std::vector<std::string>;

namespace {

/// Every enumerator survives to_string then enum_from_name, and index i holds the value i.
template <class E>
void check_round_trip() {
  const auto values = enum_values<E>();
  for (size_t i = 0; i < values.size(); ++i) {
    CHECK(static_cast<size_t>(values[i]) == i);
    const auto parsed = enum_from_name<E>(to_string(values[i]));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == values[i]);
  }
  CHECK_FALSE(enum_from_name<E>("").has_value());
  CHECK_FALSE(enum_from_name<E>("no-such-name").has_value());
}

}  // namespace

TEST_CASE("enum names: the spellings of every spec enum, in enum order", "[enum_names]") {
  CHECK(enum_names<Dataflow>() == Names{"os", "ws", "is", "rs"});
  CHECK(enum_names<ArrayModel>() == Names{"analytic", "cycle"});
  CHECK(enum_names<TimingMode>() == Names{"native", "scalesim-v2"});
  CHECK(enum_names<DataType>() == Names{"int4", "int8", "int16", "int32", "bf16", "fp16", "fp32"});
  CHECK(enum_names<DramType>() == Names{"ddr3", "ddr4", "lpddr4", "lpddr5", "hbm2", "gddr6"});
  CHECK(enum_names<BufferRole>() == Names{"inputs", "weights", "outputs", "accumulators", "sparse_core"});
  CHECK(enum_names<InterfaceBandwidth>() == Names{"CALC", "USER"});
  CHECK(enum_names<OpKind>() == Names{"gemm", "linear", "conv2d", "matmul", "maxpool", "avgpool", "global_avgpool",
                                      "relu", "gelu", "add", "softmax", "layernorm", "scale", "concat", "vector",
                                      "embedding_bag", "attention"});
  CHECK(enum_names<Pooling>() == Names{"sum", "mean", "max"});
  CHECK(enum_names<NodeTreatment>() == Names{"costed", "fused", "folded", "view", "constant", "empty", "skipped"});
  CHECK(enum_names<Loop>() == Names{"row", "col", "stream"});
  CHECK(enum_names<config::TopologyKind>() == Names{"torus", "switch", "fully_connected"});
  static_assert(enum_count<DataType>() == 7);
  static_assert(enum_count<OpKind>() == 17);
}

TEST_CASE("enum names: parsing returns the enumerator; to_string gives its spelling", "[enum_names]") {
  check_round_trip<Dataflow>();
  check_round_trip<ArrayModel>();
  check_round_trip<TimingMode>();
  check_round_trip<DataType>();
  check_round_trip<DramType>();
  check_round_trip<BufferRole>();
  check_round_trip<InterfaceBandwidth>();
  check_round_trip<OpKind>();
  check_round_trip<config::TopologyKind>();
  check_round_trip<NodeTreatment>();
  CHECK(enum_from_name<TimingMode>("scalesim-v2") == TimingMode::scalesim_v2);
  CHECK_FALSE(enum_from_name<TimingMode>("scalesim_v2").has_value());  // spelled exactly, no aliases
  CHECK_FALSE(enum_from_name<Dataflow>("WS").has_value());
  CHECK(std::string(to_string(OpKind::global_avgpool)) == "global_avgpool");
  // A value that is no enumerator (only a bug makes one) prints as "?" rather than crashing.
  CHECK(std::string(to_string(static_cast<Dataflow>(7))) == "?");
}

TEST_CASE("enum names: ObjectReader reads an enum by its spelling and lists them on error", "[enum_names]") {
  const nlohmann::json doc = {{"dataflow", "is"}, {"bad", "wx"}, {"holds", {"weights", 3}}};
  config::ObjectReader r(doc, "f.json", "/array");
  CHECK(r.enumeration<Dataflow>("dataflow") == Dataflow::is);
  CHECK(r.enumeration("missing", ArrayModel::cycle) == ArrayModel::cycle);
  CHECK_THROWS_WITH(r.enumeration<Dataflow>("bad"), "f.json: /array/bad: unknown \"wx\"; allowed: os, ws, is, rs");
  CHECK_THROWS_WITH(r.enumeration<Dataflow>("absent"), "f.json: /array/absent: is required but missing");
  CHECK(config::as_enum<BufferRole>(doc["holds"][0], "f.json", "/holds/0") == BufferRole::weights);
  CHECK_THROWS_WITH(config::as_enum<BufferRole>(doc["holds"][1], "f.json", "/holds/1"),
                    "f.json: /holds/1: must be one of inputs, weights, outputs, accumulators, sparse_core, got 3");
}

TEST_CASE("enum names: loop orders parse to the loops, each once", "[enum_names]") {
  CHECK(parse_loop_order("col>stream>row") == LoopOrder{Loop::col, Loop::stream, Loop::row});
  CHECK(to_string(*parse_loop_order("row>col>stream")) == "row>col>stream");
  for (const char* bad : {"", "col", "col>stream", "col>col>row", "col>stream>row>col", "col>stream>rows", "col>>row",
                          "col>stream>row>", "Col>stream>row"})
    CHECK_FALSE(parse_loop_order(bad).has_value());
}
