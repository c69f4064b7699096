// The periodic fast-forward (arch/control/fast_forward.h) is exact: on random layers and random
// architectures, every report is byte for byte the report of stepping every fold
// (--no-fast-forward), and the fast-forward does skip folds in most of them (else the property
// would be vacuous). Each run is a process of its own (SystemC elaborates once per process).
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;
using tpusim::test::write_text;

namespace {

/// A random architecture: array shape and dataflow, fold pipelining options, buffer sizes and
/// double buffering, SRAM ports, DMA channels and bursts, DRAM bandwidth (fractional bytes per
/// cycle on purpose: the bus then repeats only every few transfers) and latency, barrier or graph
/// execution, fused epilogues or not.
json random_arch(std::mt19937_64& rng) {
  const auto pick = [&](std::initializer_list<int> v) { return *(v.begin() + rng() % v.size()); };
  json a = tpusim::test::tiny_arch_json();
  a["clock_mhz"] = pick({700, 940, 1000, 1050});
  a["array"] = {{"rows", pick({4, 8, 16})},
                {"cols", pick({4, 8, 16})},
                {"dataflow", std::vector<std::string>{"os", "ws", "is"}[rng() % 3]},
                {"double_buffer_stationary", rng() % 2 == 0},
                {"overlap_folds", rng() % 2 == 0},
                {"mac_latency_cycles", pick({1, 1, 2})}};
  if (a["array"]["double_buffer_stationary"].get<bool>() && rng() % 2 == 0) a["array"]["preload_follows_wave"] = true;
  for (const char* b : {"ifmap", "filter", "ofmap"}) {
    a["buffers"][b]["capacity_bytes"] = pick({4096, 16384, 65536, 262144});
    a["buffers"][b]["double_buffered"] = rng() % 3 != 0;
    a["buffers"][b]["bytes_per_cycle_per_port"] = pick({8, 32, 64});
  }
  a["dma"] = {{"channels", pick({1, 2, 4})}, {"burst_bytes", pick({32, 64, 128})}};
  a["dram"] = {{"bandwidth_gb_per_s", pick({3, 10, 17, 34, 100})}, {"latency_ns", pick({0, 10, 100})}};
  // Barrier mode or graph mode (ops overlap; then relus may run as fused epilogues).
  a["core"] = {{"layer_barrier", rng() % 2 == 0}, {"fuse_epilogues", rng() % 2 == 0}};
  return a;
}

/// A random layer large enough to hold long runs of identical folds (or vector chunks): on the
/// small arrays above, each fold loop runs hundreds of times.
json random_layer(std::mt19937_64& rng, int i) {
  const auto range = [&](uint64_t lo, uint64_t hi) { return lo + rng() % (hi - lo + 1); };
  const std::string name = "l" + std::to_string(i);
  switch (rng() % 5) {
    case 0:
      return {{"name", name}, {"op", "gemm"}, {"m", range(256, 1024)}, {"n", range(256, 1024)}, {"k", range(512, 2048)}};
    case 1:
      return {{"name", name}, {"op", "linear"}, {"tokens", range(64, 512)}, {"in_features", range(512, 2048)},
              {"out_features", range(512, 2048)}};
    case 2:
      return {{"name", name}, {"op", "conv2d"}, {"in_h", range(16, 40)}, {"in_w", range(16, 40)},
              {"in_c", range(32, 256)}, {"out_c", range(64, 256)}, {"kernel_h", 3}, {"kernel_w", 3},
              {"padding", 1}};
    case 3:
      return {{"name", name}, {"op", "gemm"}, {"m", range(128, 512)}, {"n", range(128, 512)}, {"k", range(512, 2048)},
              {"count", range(2, 4)}};
    default:
      return {{"name", name}, {"op", "relu"}, {"elements", range(1000000, 4000000)}};
  }
}

}  // namespace

TEST_CASE("fast-forward: random layers report byte for byte what stepping every fold reports", "[fast_forward]") {
  const auto dir = tpusim::test::temp_dir("fast_forward");
  std::mt19937_64 rng(20261201);
  int skipping = 0;
  constexpr int kCases = 24;
  for (int c = 0; c < kCases; ++c) {
    json workload = {{"name", "random" + std::to_string(c)}, {"layers", json::array()}};
    for (int i = 0; i < 4; ++i) workload["layers"].push_back(random_layer(rng, i));
    const json arch = random_arch(rng);
    const auto arch_path = dir / ("arch" + std::to_string(c) + ".json");
    const auto work_path = dir / ("work" + std::to_string(c) + ".json");
    write_text(arch_path, arch.dump());
    write_text(work_path, workload.dump());
    INFO("case " << c << "\narch " << arch.dump() << "\nworkload " << workload.dump());
    const std::string common = "run --arch " + arch_path.string() + " --workload " + work_path.string();
    const auto fast_dir = dir / ("fast" + std::to_string(c)), step_dir = dir / ("step" + std::to_string(c));
    const auto fast = run_cli(common + " --out " + fast_dir.string(), dir);
    const std::string fast_stdout = fast.out;
    const std::string fast_report = read_text(fast_dir / "report.json");
    const auto step = run_cli(common + " --no-fast-forward -q --out " + step_dir.string(), dir);
    // A layer may not fit a small random buffer: then both refuse it alike.
    REQUIRE(fast.exit_code == step.exit_code);
    if (fast.exit_code != 0) {
      CHECK(fast.err == step.err);
      continue;
    }
    CHECK(fast_report == read_text(step_dir / "report.json"));
    if (fast_stdout.find("fast-forward: ") != std::string::npos) ++skipping;
  }
  INFO("cases where the fast-forward skipped folds: " << skipping << " of " << kCases);
  CHECK(skipping >= kCases / 3);
}

TEST_CASE("fast-forward: gpt3_ffn1 on the 32x32 preset skips most of its 1.18 million folds", "[fast_forward]") {
  // 2048 x 12288 x 49152 on 32x32 ws: 64 row x 1536 col x 12 stream folds. The innermost loop
  // (1536 column folds) repeats identical folds; the report must not depend on skipping them.
  const auto dir = tpusim::test::temp_dir("fast_forward_gpt3");
  const auto r = run_cli("run --arch " + tpusim::test::source_path("configs/scalesim_32x32.json") + " --workload " +
                             tpusim::test::source_path("workloads/gpt3_ffn1.json") + " --out " + (dir / "out").string(),
                         dir);
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("fast-forward: ");
  REQUIRE(at != std::string::npos);
  const uint64_t skipped = std::stoull(r.out.substr(at + 14));
  CHECK(skipped > 1179648 / 2);
  const json report = json::parse(read_text(dir / "out" / "report.json"));
  CHECK(report["layers"][0]["folds"].get<uint64_t>() == 64ULL * 1536 * 12);
  CHECK(report["totals"]["macs"].get<uint64_t>() == 2048ULL * 12288 * 49152);
  const auto step = run_cli("run -q --no-fast-forward --arch " + tpusim::test::source_path("configs/scalesim_32x32.json") +
                                " --workload " + tpusim::test::source_path("workloads/gpt3_ffn1.json") + " --out " +
                                (dir / "step").string(),
                            dir);
  REQUIRE(step.exit_code == 0);
  CHECK(read_text(dir / "out" / "report.json") == read_text(dir / "step" / "report.json"));
}
