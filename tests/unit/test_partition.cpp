// The partition pass (sim/partition): parallelism specs checked against the system, ops split
// per their hints, collectives inserted; expected shapes and bytes derived by hand.
#include <catch2/catch.hpp>

#include "sim/base/error.h"
#include "sim/partition/partition.h"
#include "sim/spec/system_spec.h"

using nlohmann::json;
using namespace tpusim;
using namespace tpusim::partition;

namespace {

/// 2 x 4 x 2 = 16 chips: a mesh (no wraparound) with axes a, b, c.
config::SystemSpec system16() {
  const json s = {{"name", "s16"}, {"chip", "chip.json"}, {"chips", 16},
                  {"topology", {{"kind", "torus"}, {"axes", {{{"name", "a"}, {"size", 2}}, {{"name", "b"}, {"size", 4}},
                                                             {{"name", "c"}, {"size", 2}}}}}},
                  {"link", {{"bandwidth_gb_per_s", 1}, {"latency_ns", 1000}}}};
  return config::parse_system(s, "s16.json");
}

Parallelism par(const json& doc) { return parse_parallelism(doc, "par.json"); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

/// Megatron MLP with data parallelism and a backward weight gradient: tokens 64, 32 -> 128 -> 32.
Workload mlp() {
  const json doc = {
      {"name", "mlp"},
      {"layers",
       {{{"name", "up"}, {"op", "linear"}, {"tokens", 64}, {"in_features", 32}, {"out_features", 128}, {"split", "column_parallel"}},
        {{"name", "act"}, {"op", "gelu"}, {"elements", 64 * 128}, {"split", "column_parallel"}},
        {{"name", "down"}, {"op", "linear"}, {"tokens", 64}, {"in_features", 128}, {"out_features", 32}, {"split", "row_parallel"}},
        {{"name", "down_dw"}, {"op", "gemm"}, {"m", 32}, {"n", 128}, {"k", 64}, {"split", "column_parallel"},
         {"data_dim", "k"}, {"gradient_bytes", 2 * 128 * 32}, {"inputs", {"down"}}}}}};
  return parse_workload(doc, "mlp.json");
}

const SystemNode& node(const ChipGraph& g, const std::string& name) {
  for (const SystemNode& n : g.nodes)
    if (n.name == name) return n;
  FAIL("no node " << name);
  return g.nodes.front();
}

}  // namespace

TEST_CASE("partition: the parallelism spec must fit the system", "[partition]") {
  const config::SystemSpec s = system16();
  CHECK_NOTHROW(check_parallelism(par({{"dp", {{"degree", 8}, {"axes", {"a", "b"}}}}, {"tp", {{"degree", 2}, {"axes", {"c"}}}}}), s));
  CHECK(error_of([&] { check_parallelism(par({{"dp", {{"degree", 8}, {"axes", {"a", "b"}}}}}), s); }) ==
        "par.json: /: dp x tp x pp x ep x sp = 8 x 1 x 1 x 1 x 1 = 8 must equal the system's 16 chips (s16)");
  CHECK(error_of([&] { check_parallelism(par({{"dp", {{"degree", 16}, {"axes", {"a", "q"}}}}}), s); }) ==
        "par.json: /dp/axes/1: system s16 has no axis \"q\" (axes: a, b, c)");
  CHECK(error_of([&] {
          check_parallelism(par({{"dp", {{"degree", 8}, {"axes", {"a", "b"}}}}, {"tp", {{"degree", 4}, {"axes", {"b"}}}}}), s);
        }) == "par.json: /tp/axes/0: axis \"b\" already serves dp");
  CHECK(error_of([&] { check_parallelism(par({{"dp", {{"degree", 16}, {"axes", {"a", "b"}}}}}), s); }) ==
        "par.json: /dp/degree: must equal the product of its axes' sizes (8), got 16");
  CHECK(error_of([&] { (void)par({{"tp", {{"degree", 4}}}}); }) == "par.json: /tp/axes: degree 4 needs the system axes it runs along");
  CHECK(error_of([&] { (void)par({{"tq", 1}}); }).find("par.json: /tq: unknown key") == 0);
}

TEST_CASE("partition: Megatron tensor parallelism with data-parallel gradients", "[partition]") {
  // dp 8 on a x b, tp 2 on c. Tokens 64 / dp 8 = 8 per chip.
  const Parallelism p = par({{"dp", {{"degree", 8}, {"axes", {"a", "b"}}}}, {"tp", {{"degree", 2}, {"axes", {"c"}}}}});
  const ChipGraph g = partition_block(mlp(), p, system16());
  const auto& L = g.compute.layers;
  REQUIRE(L.size() == 4);
  // up: column-parallel, n 128 / 2 = 64; m 64 / 8 = 8.
  CHECK(L[0].gemm.m == 8);
  CHECK(L[0].gemm.n == 64);
  CHECK(L[0].gemm.k == 32);
  // act: its 8192 elements / (dp 8 x tp 2) = 512.
  CHECK(L[1].vector.elements_out == 512);
  // down: row-parallel, k 128 / 2 = 64, then an all-reduce over c of 8 x 32 x 2 B = 512 B.
  CHECK(L[2].gemm.k == 64);
  CHECK(L[2].gemm.n == 32);
  const SystemNode& ar = node(g, "down/tp_all_reduce");
  CHECK(ar.collective->kind == CollectiveKind::all_reduce);
  CHECK(ar.collective->bytes == 8 * 32 * 2);
  CHECK(ar.collective->axes == std::vector<std::string>{"c"});
  // down_dw reads down's reduced output; its k (tokens) 64 / 8 = 8, n 128 / 2 = 64; its 8192 B of
  // gradient / tp 2 = 4096 B all-reduced over dp's axes a, b.
  CHECK(L[3].gemm.k == 8);
  CHECK(L[3].gemm.n == 64);
  CHECK(node(g, "down_dw").inputs == std::vector<size_t>{3});  // nodes: up, act, down, down/tp_all_reduce
  const SystemNode& gr = node(g, "down_dw/dp_grad_all_reduce");
  CHECK(gr.collective->bytes == 4096);
  CHECK(gr.collective->axes == std::vector<std::string>{"a", "b"});
  CHECK(gr.inputs == std::vector<size_t>{4});
  CHECK(g.output == 4);  // down_dw itself: the gradient reduction after it is a side branch
  // ZeRO: a reduce-scatter instead.
  Parallelism z = p;
  z.zero = true;
  CHECK(node(partition_block(mlp(), z, system16()), "down_dw/dp_grad_reduce_scatter").collective->kind ==
        CollectiveKind::reduce_scatter);
}

TEST_CASE("partition: a degree that does not divide its dimension is an error naming the op", "[partition]") {
  // dp 16 over every axis: 64 tokens / 16 = 4 fine; tp 4 on b with dp 4 on a x c: up's n 128 / 4
  // fine, but 3 does not divide anything: use an out_features of 130 instead.
  Workload w = mlp();
  w.layers[0].gemm.n = 130;
  const Parallelism p = par({{"dp", {{"degree", 4}, {"axes", {"a", "c"}}}}, {"tp", {{"degree", 4}, {"axes", {"b"}}}}});
  CHECK(error_of([&] { (void)partition_block(w, p, system16()); }) ==
        "mlp.json: /layers/0: linear \"up\": n = 130 is not divisible by tp = 4");
  Workload t = mlp();
  t.layers[0].gemm.m = 60;
  const Parallelism d = par({{"dp", {{"degree", 16}, {"axes", {"a", "b", "c"}}}}});
  CHECK(error_of([&] { (void)partition_block(t, d, system16()); }) ==
        "mlp.json: /layers/0: linear \"up\": m (tokens) = 60 is not divisible by dp x ep x sp = 16");
}

TEST_CASE("partition: experts and sequence parallelism", "[partition]") {
  // Two expert GEMMs (8 experts, 16 tokens each, 32 -> 64 -> 32) between dense ops; ep 4 on b,
  // dp 2 on a, sp 2 on c.
  const json doc = {
      {"name", "moe"},
      {"layers",
       {{{"name", "router"}, {"op", "linear"}, {"tokens", 64}, {"in_features", 32}, {"out_features", 8}},
        {{"name", "e_up"}, {"op", "gemm"}, {"m", 16}, {"n", 64}, {"k", 32}, {"count", 8}, {"split", "expert"}},
        {{"name", "e_down"}, {"op", "gemm"}, {"m", 16}, {"n", 32}, {"k", 64}, {"count", 8}, {"split", "expert"}},
        {{"name", "q"}, {"op", "linear"}, {"tokens", 64}, {"in_features", 32}, {"out_features", 32}},
        {{"name", "scores"}, {"op", "matmul"}, {"m", 64}, {"n", 64}, {"k", 8}, {"count", 16}, {"data_dim", "m"},
         {"split", "attention_heads"}, {"inputs", {"q", "q"}}}}}};
  const Workload w = parse_workload(doc, "moe.json");
  const Parallelism p = par({{"dp", {{"degree", 2}, {"axes", {"a"}}}}, {"ep", {{"degree", 4}, {"axes", {"b"}}}},
                             {"sp", {{"degree", 2}, {"axes", {"c"}}}}});
  const ChipGraph g = partition_block(w, p, system16());
  const auto& L = g.compute.layers;
  // Dense ops split tokens over dp x ep x sp = 16: router m 64 / 16 = 4.
  CHECK(L[0].gemm.m == 4);
  // Experts: count 8 / ep 4 = 2 on each chip, their tokens m 16 / (dp x sp = 4) = 4.
  CHECK(L[1].gemm.count == 2);
  CHECK(L[1].gemm.m == 4);
  // Dispatch before the first expert op: 4 x 32 x 2 experts x 2 B = 512 B; combine after the
  // last: 4 x 32 x 2 x 2 B = 512 B, both over b.
  CHECK(node(g, "e_up/ep_dispatch").collective->bytes == 4 * 32 * 2 * 2);
  CHECK(node(g, "e_up/ep_dispatch").collective->kind == CollectiveKind::all_to_all);
  CHECK(node(g, "e_down/ep_combine").collective->bytes == 4 * 32 * 2 * 2);
  CHECK(node(g, "e_down/ep_combine").collective->axes == std::vector<std::string>{"b"});
  // No all-to-all between the two expert ops.
  CHECK(node(g, "e_down").inputs == std::vector<size_t>{2});  // router, dispatch, e_up, e_down
  // Sequence parallelism: scores' m 64 / 16 = 4 queries; its second operand (K: k 8 x n 64 x
  // count 16) gathered over c first: 8 x 64 x 16 x 2 B = 16384 B.
  CHECK(L[4].gemm.m == 4);
  const SystemNode& ag = node(g, "scores/sp_all_gather");
  CHECK(ag.collective->kind == CollectiveKind::all_gather);
  CHECK(ag.collective->bytes == 8 * 64 * 16 * 2);
  CHECK(ag.collective->axes == std::vector<std::string>{"c"});
}

TEST_CASE("partition: pipeline step and bubble (GPipe, 1F1B)", "[partition]") {
  // 4 stages, 8 microbatches, 10 us forward + 20 us backward per microbatch, 1 us hand-over:
  // (8 + 4 - 1) x 30 us + 2 x 3 x 1 us = 336 us; bubble 3 / 11.
  const PipelineStep g = pipeline_step(10'000'000, 20'000'000, 1'000'000, 4, 8, Schedule::gpipe);
  CHECK(g.step_ps == 336'000'000);
  CHECK(g.bubble_fraction == Approx(3.0 / 11));
  CHECK(g.microbatches_in_flight == 8);
  const PipelineStep f = pipeline_step(10'000'000, 20'000'000, 1'000'000, 4, 8, Schedule::one_f_one_b);
  CHECK(f.step_ps == g.step_ps);
  CHECK(f.microbatches_in_flight == 4);
  // One stage: no bubble, no hand-over.
  CHECK(pipeline_step(10, 20, 5, 1, 3, Schedule::gpipe).step_ps == 90);
}
