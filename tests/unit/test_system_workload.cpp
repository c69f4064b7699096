// Collective ops in a workload graph (sim/spec/system_workload.h): parsing, and the compute
// graph the single-chip runner sees (an op that reads a collective reads its input there).
#include <catch2/catch.hpp>

#include "arch/interconnect/collective.h"
#include "sim/base/error.h"
#include "sim/spec/system_workload.h"

using nlohmann::json;
using namespace tpusim;

TEST_CASE("system workload: collective spellings are arch/interconnect's", "[system]") {
  // sim/system converts by name; the two tables must list the same names in the same order.
  REQUIRE(enum_names<CollectiveKind>() == arch::interconnect::spellings_collective());
}

TEST_CASE("system workload: compute ops read through collectives", "[system]") {
  const json doc = {{"name", "w"},
                    {"layers",
                     {{{"name", "a"}, {"op", "gemm"}, {"m", 4}, {"n", 4}, {"k", 4}},
                      {{"name", "ar"}, {"op", "all_reduce"}, {"bytes", 64}, {"axes", {"x"}}},
                      {{"name", "b"}, {"op", "gemm"}, {"m", 4}, {"n", 4}, {"k", 4}},
                      {{"name", "ag"}, {"op", "all_gather"}, {"bytes", 64}, {"axes", {"x", "y"}}, {"inputs", {"input"}},
                       {"algorithm", "torus"}, {"chunks", 4}},
                      {{"name", "c"}, {"op", "add"}, {"elements", 16}, {"inputs", {"ag", "b"}}}}}};
  const ChipGraph g = parse_chip_graph(doc, "w.json");
  REQUIRE(g.nodes.size() == 5);
  REQUIRE(g.compute.layers.size() == 3);
  CHECK(g.has_collectives());
  // Node inputs: the chain through the collective; ag reads the workload input.
  CHECK(g.nodes[1].inputs == std::vector<size_t>{0});
  CHECK(g.nodes[2].inputs == std::vector<size_t>{1});
  CHECK(g.nodes[3].inputs == std::vector<size_t>{Layer::kGraphInput});
  CHECK(g.nodes[4].inputs == std::vector<size_t>{3, 2});
  // Compute graph: b reads a (through ar), c reads the input (through ag) and b.
  CHECK(g.compute.layers[1].inputs == std::vector<size_t>{0});
  CHECK(g.compute.layers[2].inputs == std::vector<size_t>{Layer::kGraphInput, 1});
  const CollectiveOp& ag = *g.nodes[3].collective;
  CHECK(ag.kind == CollectiveKind::all_gather);
  CHECK(ag.axes == std::vector<std::string>{"x", "y"});
  CHECK(ag.algorithm == "torus");
  CHECK(ag.chunks == 4);
  CHECK(g.nodes[1].collective->algorithm.empty());
}

TEST_CASE("system workload: strict collective keys", "[system]") {
  auto fails = [](json layer, const std::string& msg) {
    const json doc = {{"name", "w"}, {"layers", json::array({layer})}};
    try {
      (void)parse_chip_graph(doc, "w.json");
      FAIL("accepted " << layer.dump());
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(msg) != std::string::npos);
    }
  };
  const json ok = {{"name", "ar"}, {"op", "all_reduce"}, {"bytes", 64}, {"axes", {"x"}}};
  json j = ok;
  j["bogus"] = 1;
  fails(j, "w.json: /layers/0/bogus: unknown key; allowed: algorithm, axes, bytes, chunks, inputs, name, op");
  j = ok;
  j["axes"] = json::array();
  fails(j, "w.json: /layers/0/axes: must be a non-empty array");
  j = ok;
  j["chunks"] = 0;
  fails(j, "w.json: /layers/0/chunks");
  j = ok;
  j["inputs"] = {"input", "input"};
  fails(j, "w.json: /layers/0/inputs: a collective reads one tensor");
  j = ok;
  j.erase("bytes");
  fails(j, "w.json: /layers/0/bytes");
}
