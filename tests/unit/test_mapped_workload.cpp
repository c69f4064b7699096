// The mapped workload: each layer mapped once, with the residency of its activations decided by
// the walk in sim/mapper/mapped_workload.cpp, checked against the definition asked one question
// at a time (input resident? then output resident too?), as the mapper used to compute it.
#include <catch2/catch.hpp>

#include <optional>
#include <set>

#include "sim/base/error.h"
#include "sim/spec/arch_loader.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/plan.h"

using namespace tpusim;

namespace {

/// A 4x4 WS array whose 4 KiB buffer holds inputs and outputs, with activations kept on chip.
ArchConfig resident_arch() {
  nlohmann::json doc = {{"name", "r"},
                        {"activations_on_chip", true},
                        {"array", {{"rows", 4}, {"cols", 4}, {"dataflow", "ws"}}},
                        {"buffers",
                         {{"unified", {{"holds", {"inputs", "outputs"}}, {"capacity_bytes", 4096}}},
                          {"weights", {{"holds", {"weights"}}, {"capacity_bytes", 4096}}}}}};
  return config::parse_arch(doc, "r.json");
}

Layer gemm(const char* name, uint64_t m, uint64_t n, uint64_t k) {
  Layer l;
  l.name = name;
  l.op = OpKind::gemm;
  l.gemm = {m, n, k, 1};
  return l;
}

bool fits(const ArchConfig& arch, const Layer& layer, const mapper::LayerContext& ctx) {
  try {
    (void)mapper::plan_gemm(arch, layer, ctx);
    return true;
  } catch (const mapper::NoFit&) {
    return false;
  }
}

/// The definition: the first input is on chip; a layer's input stays when the previous output
/// stayed and the layer maps with it resident; its output stays when the layer maps with it
/// resident as well.
std::vector<mapper::LayerContext> one_question_at_a_time(const ArchConfig& arch, const Workload& w) {
  std::vector<mapper::LayerContext> out;
  bool on_chip = true;
  for (const Layer& l : w.layers) {
    mapper::LayerContext c;
    c.inputs_on_chip = on_chip && fits(arch, l, {true, false});
    c.outputs_stay = fits(arch, l, {c.inputs_on_chip, true});
    on_chip = c.outputs_stay;
    out.push_back(c);
  }
  return out;
}

}  // namespace

TEST_CASE("mapped workload: residency equals the one-question-at-a-time definition", "[mapper]") {
  const ArchConfig arch = resident_arch();
  // Int8 activations in a 4 KiB buffer: 16 B layers stay on chip; an 8000 B output (4 x 2000)
  // or input (1000 x 8) cannot stay; so the walk meets all four residency outcomes.
  Workload w;
  w.name = "chain";
  w.layers = {gemm("small", 4, 4, 4),        gemm("wide_out", 4, 2000, 4), gemm("after_dram", 4, 4, 4),
              gemm("big_both", 1000, 8, 8),  gemm("small2", 4, 4, 4),      gemm("big_in", 1000, 1, 8),
              gemm("small3", 4, 4, 4)};
  const auto expected = one_question_at_a_time(arch, w);
  const mapper::MappedWorkload mapped(arch, w);
  REQUIRE(mapped.planned());
  REQUIRE(mapped.size() == w.layers.size());
  std::set<std::pair<bool, bool>> outcomes;
  for (size_t i = 0; i < w.layers.size(); ++i) {
    INFO(w.layers[i].name);
    const mapper::MappedLayer& m = mapped.layer(i);
    CHECK(m.layer == &w.layers[i]);
    CHECK(m.context.inputs_on_chip == expected[i].inputs_on_chip);
    CHECK(m.context.outputs_stay == expected[i].outputs_stay);
    outcomes.emplace(m.context.inputs_on_chip, m.context.outputs_stay);
    // The kept plan is the plan of its final context.
    const mapper::GemmPlan p = mapper::plan_gemm(arch, w.layers[i], expected[i]);
    CHECK(m.gemm.context.inputs_on_chip == expected[i].inputs_on_chip);
    CHECK(m.gemm.context.outputs_stay == expected[i].outputs_stay);
    CHECK(m.gemm.tile_t == p.tile_t);
    CHECK(m.gemm.order == p.order);
    CHECK(m.gemm.keep_a == p.keep_a);
    CHECK(m.gemm.keep_b == p.keep_b);
    CHECK(m.gemm.est_dram_read_bytes == p.est_dram_read_bytes);
    CHECK(m.gemm.est_dram_write_bytes == p.est_dram_write_bytes);
    CHECK(m.effective.executed.k == w.layers[i].gemm.k);  // dense: K as written
  }
  CHECK(outcomes.size() == 4);  // every branch of the walk was taken
}

TEST_CASE("mapped workload: scalesim-v2 timing keeps only the effective GEMMs", "[mapper]") {
  nlohmann::json doc = {{"name", "s"},
                        {"timing", "scalesim-v2"},
                        {"array", {{"rows", 4}, {"cols", 4}, {"dataflow", "ws"}}},
                        {"buffers",
                         {{"ifmap", {{"holds", {"inputs"}}, {"capacity_bytes", 16}}},
                          {"filter", {{"holds", {"weights"}}, {"capacity_bytes", 16}}},
                          {"ofmap", {{"holds", {"outputs"}}, {"capacity_bytes", 16}}}}}};
  const ArchConfig arch = config::parse_arch(doc, "s.json");
  Workload w;
  w.name = "w";
  // 16 B buffers cannot hold this layer's tiles, which matters only to the native mapper.
  w.layers = {gemm("g", 64, 64, 64)};
  const mapper::MappedWorkload mapped(arch, w);
  CHECK_FALSE(mapped.planned());
  CHECK(mapped.layer(0).effective.executed.k == 64);
  doc["timing"] = "native";
  const ArchConfig native = config::parse_arch(doc, "s.json");
  CHECK_THROWS_AS(mapper::MappedWorkload(native, w), InputError);
}
