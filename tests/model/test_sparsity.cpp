// Sparsity and quantization: the GEMM the array executes under N:M weight sparsity and
// narrow-type packing (sim/mapper/sparsity.h), the workload keys, and their energy.
#include <catch2/catch.hpp>

#include "sim/base/error.h"
#include "sim/spec/arch_loader.h"
#include "sim/energy/area.h"
#include "sim/energy/energy_model.h"
#include "sim/energy/energy_table.h"
#include "sim/mapper/sparsity.h"
#include "sim/run/runner.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;

namespace {

ArchConfig arch_with(const char* dataflow, uint32_t macs_per_pe = 1, const char* dtype = "int8") {
  json doc = {{"name", "a"},
              {"array", {{"rows", 16}, {"cols", 16}, {"dataflow", dataflow}, {"macs_per_pe_per_cycle", macs_per_pe}}},
              {"datatypes", {{"input", dtype}, {"weight", dtype}}},
              {"buffers", {{"sram", {{"holds", {"inputs", "weights", "outputs"}}, {"capacity_bytes", 1 << 20}}}}}};
  return config::parse_arch(doc, "a.json");
}

Layer gemm_layer(json extra) {
  json l = {{"name", "g"}, {"op", "gemm"}, {"m", 10}, {"n", 8}, {"k", 64}};
  if (extra.is_object()) l.update(extra);
  return parse_workload(json{{"name", "w"}, {"layers", json::array({l})}}, "w.json").layers.at(0);
}

std::string workload_error(json extra) {
  try {
    (void)gemm_layer(std::move(extra));
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sparsity: 2:4 weights halve K under ws and os and add 2-bit indices", "[energy][sparsity]") {
  const Layer l = gemm_layer({{"sparsity", {{"n", 2}, {"m", 4}}}});
  CHECK(l.sparsity.weight_density == 0.5);  // n/m when only N:M is given
  for (const char* df : {"ws", "os"}) {
    INFO(df);
    const auto e = mapper::effective_gemm(arch_with(df), l);
    // K = 64 -> 16 groups of 4 keep 2 each: 32 kept rows; M and N unchanged.
    CHECK(e.skips);
    CHECK(e.kept_k == 32);
    CHECK(e.executed.k == 32);
    CHECK(e.executed.m == 10);
    CHECK(e.executed.n == 8);
    CHECK(e.executed_macs == 10 * 8 * 32);
    // Weights: 32 x 8 int8 values = 256 B, plus 256 indices x ceil(log2 4) = 2 bits = 64 B.
    CHECK(e.metadata_bytes == 64);
    CHECK(e.weight_bytes == 256 + 64);
    CHECK(e.effective_macs == 10 * 8 * 64 * 0.5);
    // A tile of 8 executed K steps x 8 columns: 64 values + 16 B of indices; its activations
    // span 8 kept rows = 4 groups = 16 dense K rows.
    CHECK(mapper::weight_bytes_for(arch_with(df), l, e, 8, 8) == 64 + 16);
    CHECK(mapper::activation_k_for(e, l, 8) == 16);
  }
}

TEST_CASE("sparsity: N:M is not skipped under is and unstructured density never skips", "[energy][sparsity]") {
  const Layer nm = gemm_layer({{"sparsity", {{"n", 1}, {"m", 4}}}});
  const auto e = mapper::effective_gemm(arch_with("is"), nm);
  CHECK_FALSE(e.skips);
  CHECK(e.executed.k == 64);
  CHECK(e.executed_macs == 10 * 8 * 64);
  CHECK(e.weight_bytes == 16 * 8 + (16 * 8 * 2 + 7) / 8);  // still stored compressed: 16 kept rows
  CHECK(e.reason.find("not skipped under is") != std::string::npos);
  const Layer dense = gemm_layer({{"weight_density", 0.25}, {"activation_density", 0.5}});
  const auto d = mapper::effective_gemm(arch_with("ws"), dense);
  CHECK_FALSE(d.skips);
  CHECK(d.executed.k == 64);
  CHECK(d.effective_macs == 10 * 8 * 64 * 0.125);
  // K = 10 with 2:4: groups of 4, 4, 2 (padded) keep 2 each: min(10, 3 x 2) = 6 kept rows.
  const Layer ragged = gemm_layer({{"k", 10}, {"sparsity", {{"n", 2}, {"m", 4}}}});
  CHECK(mapper::effective_gemm(arch_with("ws"), ragged).kept_k == 6);
}

TEST_CASE("sparsity: packing narrow types does p MACs per PE per cycle along K", "[energy][sparsity]") {
  // int4 on PEs that do 2 MACs per cycle: K 64 -> 32 executed steps; with 2:4 as well, 32 kept
  // rows -> 16 steps. Bytes stay those of the kept elements.
  const ArchConfig a = arch_with("ws", 2, "int4");
  CHECK(mapper::effective_gemm(a, gemm_layer({})).executed.k == 32);
  const auto e = mapper::effective_gemm(a, gemm_layer({{"sparsity", {{"n", 2}, {"m", 4}}}}));
  CHECK(e.executed.k == 16);
  CHECK(e.executed_macs == 10 * 8 * 32);
  CHECK(e.weight_bytes == 32 * 8 / 2 + 64);  // int4 values pack two per byte
  // Registers: p x (input + 2 weights when double-buffered) + accumulator; here 2 x (0.5 + 0.5) + 4 = 6 B.
  CHECK(pe_register_bytes(a) == 6.0);
  // Only 1, 2, 4, 8.
  json doc = {{"name", "a"}, {"array", {{"macs_per_pe_per_cycle", 3}}},
              {"buffers", {{"s", {{"holds", {"inputs", "weights", "outputs"}}, {"capacity_bytes", 1024}}}}}};
  CHECK_THROWS_WITH(config::parse_arch(doc, "a.json"),
                    "a.json: /array/macs_per_pe_per_cycle: must be 1, 2, 4 or 8, got 3");
}

TEST_CASE("sparsity: gated MACs cost no MAC energy and skipped MACs no register energy", "[energy][sparsity]") {
  // 45 nm table, int8: MAC 0.3 pJ, registers (1 + 1 + 4) B x 0.072 pJ/B = 0.432 pJ per executed MAC.
  // Dense MACs 10 x 8 x 64 = 5120. With 2:4 (skipped under ws) and activation density 0.5:
  //   executed 2560, effective 5120 x 0.5 x 0.5 = 1280;
  //   mac = 1280 x 0.3 = 384 pJ; pe_register = 2560 x 0.432 = 1105.92 pJ.
  const ArchConfig a = arch_with("ws");
  const EnergyTable t = load_energy_table(test::source_path("configs/energy/default_45nm.json"));
  const Layer l = gemm_layer({{"sparsity", {{"n", 2}, {"m", 4}}}, {"activation_density", 0.5}});
  Workload w{"w", "", "w.json", 1, "input", {l}};
  resolve_graph(w, "w.json");
  const RunResult run = run_workload(a, w);
  const LayerResult& r = run.layers.at(0);
  CHECK(r.macs == 5120);
  CHECK(r.executed_macs == 2560);
  CHECK(r.effective_macs == 1280);
  const auto e = layer_energy_pj(a, t, r);
  CHECK(e.at("mac") == Approx(384.0).epsilon(1e-12));
  CHECK(e.at("pe_register") == Approx(1105.92).epsilon(1e-12));
}

TEST_CASE("sparsity: bad sparsity keys are InputErrors with the pointer", "[energy][sparsity][errors]") {
  CHECK(workload_error({{"sparsity", {{"n", 3}, {"m", 2}}}}) ==
        "w.json: /layers/0/sparsity/n: must be at most m = 2 (n nonzeros in every m weights), got 3");
  CHECK(workload_error({{"sparsity", {{"n", 2}, {"m", 4}}}, {"weight_density", 0.75}}) ==
        "w.json: /layers/0/weight_density: must be at most n/m = 0.5 with sparsity 2:4, got 0.75");
  CHECK_THAT(workload_error({{"activation_density", 0}}), Catch::StartsWith("w.json: /layers/0/activation_density: "));
  CHECK_THAT(workload_error({{"sparsity", {{"n", 2}}}}), Catch::StartsWith("w.json: /layers/0/sparsity/m: "));
}
