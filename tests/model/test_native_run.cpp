// The native SystemC model end to end: small cases whose cycles are derived by hand, and the
// CLI's reports (invariants, determinism). Each TEST_CASE runs in its own process, since
// SystemC elaborates one model per process.
#include <catch2/catch.hpp>

#include "sim/spec/arch_loader.h"
#include "sim/run/runner.h"
#include "support/test_util.h"

using namespace tpusim;

namespace {

/// A 4x4 WS array with tiny int8 buffers and the given DRAM (bytes per cycle at 1 GHz).
ArchConfig tiny_arch(double gb_per_s, double latency_ns) {
  nlohmann::json doc = test::tiny_arch_json();
  doc["dma"] = {{"channels", 2}, {"burst_bytes", 1}};
  doc["dram"] = {{"bandwidth_gb_per_s", gb_per_s}, {"latency_ns", latency_ns}, {"burst_bytes", 1}};
  return config::parse_arch(doc, "tiny.json");
}

Workload one_gemm(uint64_t m, uint64_t n, uint64_t k) {
  return parse_workload(nlohmann::json{{"name", "g"},
                                       {"layers", {{{"name", "g"}, {"op", "gemm"}, {"m", m}, {"n", n}, {"k", k}}}}},
                        "g.json");
}

}  // namespace

TEST_CASE("native run: 4x4x4 GEMM on a 4x4 WS array with bandwidth-bound DRAM", "[native][systemc]") {
  // DRAM: 1 B/cycle, 10-cycle latency, 1-byte bursts; two DMA channels.
  // - load A (16 B int8) issues at 0: bus 0..16, data at 16 + 10 = 26.
  // - load B (16 B) issues at 0 on the second channel: bus 16..32, data at 42.
  // - the fold waits for B (the later operand): with its operands at hand it would have started
  //   its weight shift at 0; it starts at 42: weight stall [0, 42).
  //   Isolated WS fold (arch/matrix/timing/DERIVATION.md): R + s + r*L + c - 2 = 4 + 4 + 4 + 4 - 2 = 14,
  //   so outputs are done at 42 + 14 = 56: shift [42, 46) (R = 4, weight_shift), skew [46, 49),
  //   streaming [49, 53) (s = M = 4), skew and drain [53, 56). The array is active 3 + 4 + 3 = 10
  //   cycles; its 64 MACs are 64 / 16 PEs = 4 whole-array cycles: useful 4, unused 6.
  // - store C (16 B) issues at 56: bus 56..72, done at 82. The array waits [56, 82): output stall.
  // Layer: 82 cycles = 42 weight stall + 4 shift + 4 useful + 6 unused + 26 output stall.
  const RunResult run = run_workload(tiny_arch(1.0, 10.0), one_gemm(4, 4, 4));
  REQUIRE(run.layers.size() == 1);
  const LayerResult& l = run.layers[0];
  CHECK(l.cycles == 82);
  CHECK(l.breakdown[CycleClass::weight_stall] == 42);
  CHECK(l.breakdown[CycleClass::output_stall] == 26);
  CHECK(l.breakdown[CycleClass::weight_shift] == 4);
  CHECK(l.breakdown[CycleClass::useful_mac] == 4);
  CHECK(l.breakdown[CycleClass::unused_mac] == 6);
  CHECK(l.breakdown[CycleClass::input_stall] == 0);
  CHECK(l.breakdown.total() == l.cycles);
  CHECK(l.stall_cycles == 68);
  CHECK(l.compute_cycles == 14);
  CHECK(l.macs == 64);
  CHECK(l.dram_read_bytes == 32);
  CHECK(l.dram_write_bytes == 16);
}

TEST_CASE("native run: ideal memory leaves only the array's own latency", "[native][systemc]") {
  // 1e6 GB/s at 1 GHz is 1e6 B/cycle and latency 0: each 16-byte load lands within cycle 1
  // (a transfer completes on the first whole cycle after its last byte), the fold runs
  // [1, 1 + 14) and the store of 16 B completes at cycle 16. Layer: 16 cycles, of which
  // 1 weight stall (the fold waits for B) and 1 output stall.
  const RunResult run = run_workload(tiny_arch(1e6, 0.0), one_gemm(4, 4, 4));
  const LayerResult& l = run.layers[0];
  CHECK(l.cycles == 16);
  CHECK(l.breakdown[CycleClass::weight_stall] == 1);
  CHECK(l.breakdown[CycleClass::output_stall] == 1);
  CHECK(l.breakdown.total() == 16);
}

TEST_CASE("CLI run writes consistent and deterministic reports", "[native][cli]") {
  const auto dir = test::temp_dir("report");
  const std::string args = "run --arch " + test::source_path("configs/scalesim_32x32.json") + " --workload " +
                           test::source_path("workloads/resnet50.json") + " -q --out ";
  const auto a = test::run_cli(args + (dir / "a").string(), dir);
  REQUIRE(a.exit_code == 0);
  REQUIRE(a.err.empty());
  const auto b = test::run_cli(args + (dir / "b").string(), dir);
  REQUIRE(b.exit_code == 0);
  // Same inputs, same bytes.
  CHECK(test::read_text(dir / "a/report.json") == test::read_text(dir / "b/report.json"));
  CHECK(test::read_text(dir / "a/layers.csv") == test::read_text(dir / "b/layers.csv"));

  const auto report = nlohmann::json::parse(test::read_text(dir / "a/report.json"));
  CHECK(report["schema_version"] == 1);
  const auto& totals = report["totals"];
  uint64_t macs = 0, cycles = 0, dram_rd = 0, makespan = 0;
  double energy_without_static = 0;
  for (const auto& l : report["layers"]) {
    uint64_t sum = 0;
    for (const auto& [k, v] : l["cycle_breakdown"].items()) sum += v.get<uint64_t>();
    CHECK(sum == l["cycles"].get<uint64_t>());
    CHECK(l["end_cycle"].get<uint64_t>() - l["start_cycle"].get<uint64_t>() == l["cycles"].get<uint64_t>());
    if (l["macs"].get<uint64_t>() > 0) {
      CHECK(l["utilization"].get<double>() > 0.0);
      CHECK(l["utilization"].get<double>() <= 1.0);
      CHECK(l["mapping_efficiency"].get<double>() > 0.0);
      CHECK(l["mapping_efficiency"].get<double>() <= 1.0);
    }
    CHECK(l["compute_cycles"].get<uint64_t>() + l["stall_cycles"].get<uint64_t>() <= l["cycles"].get<uint64_t>());
    macs += l["macs"].get<uint64_t>();
    cycles += l["cycles"].get<uint64_t>();
    makespan = std::max(makespan, l["end_cycle"].get<uint64_t>());
    dram_rd += l["dram_read_bytes"].get<uint64_t>();
    energy_without_static += l["energy_pj"].get<double>() - l["energy_breakdown_pj"]["static"].get<double>();
  }
  // ResNet-50's MACs (4,089,184,256, see test_mapper.cpp) all executed, and totals add up. Ops
  // overlap (graph mode): the run lasts until the last op ends, no longer than the ops one after
  // another; the static energy is paid once over it.
  CHECK(macs == 4089184256ull);
  CHECK(totals["macs"].get<uint64_t>() == macs);
  CHECK(totals["cycles"].get<uint64_t>() == makespan);
  CHECK(makespan <= cycles);
  CHECK(totals["dram_read_bytes"].get<uint64_t>() == dram_rd);
  CHECK(totals["energy_pj"].get<double>() ==
        Approx(energy_without_static + totals["energy_breakdown_pj"]["static"].get<double>()).epsilon(1e-12));
  uint64_t breakdown = 0;
  for (const auto& [k, v] : totals["cycle_breakdown"].items()) breakdown += v.get<uint64_t>();
  CHECK(breakdown == makespan);
  // The CSV has a header and one row per layer.
  const std::string csv = test::read_text(dir / "a/layers.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(report["layers"].size() + 1));
}

TEST_CASE("2:4 weight sparsity under os skips half of K and keeps utilization within 0..1", "[native][cli]") {
  // Two 512x512x1024 GEMMs on the Gemmini-like 16x16 array, os: the second is 2:4 sparse, so
  // the array executes K' = ceil(1024 / 4) * 2 = 512 reduction steps: half the MAC slots of
  // the dense layer (512 * 512 * 512 = 134,217,728 of 268,435,456). Its dense MACs stay
  // 268,435,456, its cycles drop, and utilization (executed slots / PE slots) stays <= 1.
  const auto dir = test::temp_dir("sparse");
  const auto r = test::run_cli("run -q --arch " + test::source_path("configs/gemmini_like_16x16.json") +
                                   " --workload " + test::source_path("tests/data/sparsity/dense_vs_2of4.json") +
                                   " --set /array/dataflow=os --out " + (dir / "out").string(),
                               dir);
  REQUIRE(r.exit_code == 0);
  const auto report = nlohmann::json::parse(test::read_text(dir / "out/report.json"));
  const auto& dense = report["layers"][0];
  const auto& sparse = report["layers"][1];
  CHECK(dense["macs"].get<uint64_t>() == 268435456ull);
  CHECK(sparse["macs"].get<uint64_t>() == 268435456ull);
  CHECK(sparse["executed_macs"].get<double>() == 134217728.0);
  CHECK(sparse["cycles"].get<uint64_t>() < dense["cycles"].get<uint64_t>());
  for (const auto& l : {dense, sparse}) {
    CHECK(l["utilization"].get<double>() > 0.0);
    CHECK(l["utilization"].get<double>() <= 1.0);
  }
}
