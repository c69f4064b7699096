// The memory system against published TPU v1 behaviour and against bounds that must hold
// whatever the model: the roofline, the DRAM bus, and the pure matrix-unit timing when memory
// is unlimited. Runs go through the CLI (one SystemC model per process).
#include <catch2/catch.hpp>

#include "arch/matrix/timing/fold_timing.h"
#include "sim/spec/arch_loader.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/plan.h"
#include "sim/mapper/program.h"
#include "sim/run/runner.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;

namespace {

json run_report(const std::string& arch, const std::string& workload, const std::string& extra, const std::string& tag) {
  const auto dir = test::temp_dir(tag);
  const auto r = test::run_cli("run -q --arch " + test::source_path(arch) + " --workload " +
                                   test::source_path(workload) + " --out " + (dir / "out").string() + " " + extra,
                               dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(test::read_text(dir / "out/report.json"));
}

double tops(const json& report) { return report["totals"]["tops"].get<double>(); }

}  // namespace

TEST_CASE("TPU v1 ridge point is about 1350 MACs per byte", "[memory]") {
  // 256 x 256 MACs x 700 MHz = 45.875e12 MAC/s over 2 x DDR3-2133 (2 x 17.064 GB/s =
  // 34.128 GB/s) = 1344.2 MACs per byte; the paper rounds 45.9 T / 34 G to about 1350.
  const ArchConfig arch = config::load_arch_json(test::source_path("configs/tpu_v1.json"));
  const double ridge = arch.peak_macs_per_cycle() * arch.clock_mhz * 1e6 / arch.bandwidth_bytes_per_s();
  CHECK(ridge == Approx(1344.2).epsilon(1e-4));
  const auto dir = test::temp_dir("ridge");
  const auto r = test::run_cli("describe --json --arch " + test::source_path("configs/tpu_v1.json"), dir);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["ridge_macs_per_byte"].get<double>() == Approx(ridge).epsilon(1e-12));
}

TEST_CASE("TPU v1 MLP0-like layers are weight-bandwidth bound", "[memory]") {
  // Five 2000x2000 int8 layers at batch 200: 5 x 200 x 2000 x 2000 = 4e9 MACs on 20 MB of
  // weights (activations stay in the unified buffer): 200 MACs per DRAM byte, far below the
  // ridge (1344), so the roof is 200 x 34.128 GB/s = 6.83e12 MAC/s = 13.65 TOPS. The paper
  // measured 12.3 TOPS for MLP0.
  const json base = run_report("configs/tpu_v1.json", "tests/data/memory/mlp0_batch200.json", "", "mlp");
  const double roof_tops = 2 * 200.0 * 34.128e9 / 1e12;
  CHECK(tops(base) <= roof_tops * (1 + 1e-9));
  CHECK(tops(base) > 10.0);  // near the paper's 12.3
  CHECK(tops(base) < 15.0);
  for (const auto& l : base["layers"]) CHECK(l["roofline"]["bound"] == "memory");
  const auto& b = base["totals"]["cycle_breakdown"];
  CHECK(b["weight_stall"].get<uint64_t>() > 0);
  CHECK(base["totals"]["dram_read_bytes"].get<uint64_t>() == 5ull * 2000 * 2000);
  // Five times the bandwidth (GDDR5-class): the paper expects about 3x the TOPS; the issue asks
  // for 2x to 5x. Below 2x the array would be hiding nothing; above 5x is impossible (5x the
  // bytes per second at most removes all weight stalls).
  const json fast = run_report("configs/tpu_v1.json", "tests/data/memory/mlp0_batch200.json",
                               "--set /dram/bandwidth_gb_per_s=170.64", "mlp5x");
  CHECK(tops(fast) / tops(base) >= 2.0);
  CHECK(tops(fast) / tops(base) <= 5.0);
}

TEST_CASE("TPU v1 3x3 conv at batch 8 is compute bound", "[memory]") {
  // 3x3, 256 -> 256 channels, 56x56, batch 8: 8 x 56 x 56 x 2304 x 256 = 14.8e9 MACs on
  // 589,824 B of weights: each weight tile is re-streamed per 2048-row accumulator chunk
  // (13 chunks), 7.7 MB, still ~1900 MACs per byte, above the ridge.
  const json r = run_report("configs/tpu_v1.json", "tests/data/memory/conv3x3_256_56_batch8.json", "", "conv");
  const auto& l = r["layers"][0];
  CHECK(l["roofline"]["bound"] == "compute");
  CHECK(l["utilization"].get<double>() > 0.6);
}

TEST_CASE("cycles are never below the compute cycles or the DRAM bus time", "[memory]") {
  for (const char* arch : {"configs/tpu_v1.json", "configs/scalesim_32x32.json", "configs/gemmini_like_16x16.json"}) {
    const ArchConfig a = config::load_arch_json(test::source_path(arch));
    const json r = run_report(arch, "workloads/resnet50.json", "", "bound");
    for (const auto& l : r["layers"]) {
      INFO(arch << " " << l["name"]);
      const double cycles = double(l["cycles"].get<uint64_t>());
      const double bytes = double(l["dram_read_bytes"].get<uint64_t>() + l["dram_write_bytes"].get<uint64_t>());
      CHECK(cycles >= double(l["compute_cycles"].get<uint64_t>()));
      CHECK(cycles >= bytes / a.dram_bytes_per_cycle() - 1e-6);
    }
  }
}

TEST_CASE("with unlimited memory the native model is the matrix unit alone", "[memory][systemc]") {
  // Buffers of 1 GiB with 16 MiB/cycle ports, 1e6 GB/s at 1 GHz (1e6 B/cycle) and no
  // latency: every transfer of this
  // layer completes within the first cycle (tens of KB / 1e6 B per cycle < 1), so every fold's
  // operands are ready at cycle 1 and the layer takes 1 + the folds' own time, which the pure
  // FoldSequencer gives for the mapper's fold sequence with all operands ready at 0.
  // Outputs stay on chip (activations_on_chip) and the first input was put there by the host.
  const json doc = {
      {"name", "unlimited"},
      {"clock_mhz", 1000},
      {"activations_on_chip", true},
      {"array", {{"rows", 16}, {"cols", 16}, {"dataflow", "ws"}, {"double_buffer_stationary", true},
                 {"overlap_folds", true}}},
      {"buffers", {{"unified", {{"holds", {"inputs", "outputs"}}, {"capacity_bytes", 1u << 30},
                                {"bytes_per_cycle_per_port", 1u << 24}}},
                   {"weights", {{"holds", {"weights"}}, {"capacity_bytes", 1u << 30},
                                {"bytes_per_cycle_per_port", 1u << 24}}}}},
      {"dma", {{"channels", 64}}},
      {"dram", {{"bandwidth_gb_per_s", 1e6}, {"latency_ns", 0}, {"burst_bytes", 1}}}};
  const ArchConfig arch = config::parse_arch(doc, "unlimited.json");
  const Workload w = parse_workload(
      json{{"name", "g"}, {"layers", {{{"name", "g"}, {"op", "gemm"}, {"m", 100}, {"n", 40}, {"k", 70}}}}}, "g.json");
  // The pure matrix-unit time of the same folds.
  const mapper::MappedWorkload mapped(arch, w);
  mapper::LayerProgram program(arch, mapped.layer(0));
  arch::timing::FoldSequencer seq(arch.array);
  arch::Instr i;
  while (program.next(i))
    if (i.kind == arch::InstrKind::matmul) seq.schedule(i.fold, 0);
  const uint64_t pure = seq.finish(0).array_free_cycle;
  const RunResult run = run_workload(arch, w);
  CHECK(run.layers[0].cycles == 1 + pure);
}

TEST_CASE("DRAM presets and bad memory configs", "[memory][errors]") {
  const auto dir = test::temp_dir("dram");
  // tpu_v1.json takes its DRAM from the ddr3-2133 preset; keys written next to a preset win
  // over it, so swapping the preset swaps every number.
  const std::string base = "describe --arch " + test::source_path("configs/tpu_v1.json");
  const auto hbm = test::run_cli(base + " --json --set /dram/preset=hbm2e", dir);
  REQUIRE(hbm.exit_code == 0);
  // HBM2E: 1024 pins x 3.2 Gb/s = 409.6 GB/s per stack (8 channels of 51.2 GB/s).
  CHECK(json::parse(hbm.out)["dram_bandwidth_bytes_per_s"].get<double>() == Approx(409.6e9));
  const auto bad = test::run_cli(base + " --set /dram/preset=ddr5", dir);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "tpusim: --set /dram/preset=ddr5: " + test::source_path("configs/tpu_v1.json") +
                       ": /dram/preset: unknown \"ddr5\"; allowed: ddr3-1600, ddr3-2133, ddr4-3200, gddr6, hbm2, "
                       "hbm2e, lpddr4x, lpddr5\n");
  const auto zero = test::run_cli(base + " --set /dram/bandwidth_gb_per_s=0", dir);
  CHECK(zero.exit_code == 2);
  CHECK(zero.err == "tpusim: --set /dram/bandwidth_gb_per_s=0: " + test::source_path("configs/tpu_v1.json") +
                        ": /dram/bandwidth_gb_per_s: must be a number in (0.001, 1000000], got 0\n");
}
