// Clock domains (sim/spec/clock_domains.h): a DRAM latency given in cycles of the memory's own
// clock (/dram/clock_mhz, /dram/access_latency_cycles) becomes core cycles in one place, and a run
// takes as much longer as that conversion says. Each run is its own process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::run_cli;

namespace {

json one_fold_gemm() { return {{"name", "g"}, {"op", "gemm"}, {"m", 4}, {"n", 4}, {"k", 4}}; }

tpusim::test::WorkloadRun run_with(const std::string& tag, const json& dram_extra) {
  json arch = tpusim::test::tiny_arch_json();  // 4x4 ws at 1000 MHz, 16 GB/s, latency 10 ns
  for (const auto& [k, v] : dram_extra.items()) arch["dram"][k] = v;
  return tpusim::test::run_workload_json("clock_" + tag, arch, one_fold_gemm());
}

}  // namespace

TEST_CASE("clock domains: a latency in memory cycles lengthens a run by the hand-derived amount", "[clock]") {
  // A 4x4x4 int8 GEMM on the 4x4 array is one fold: A (16 B) and B (16 B) load side by side, the
  // fold runs, the output (16 B) is stored; the run ends when the store's data is written. Two DRAM
  // latencies lie on that path (the later load's and the store's), and the model is exactly
  // translation-invariant (arch/memory/dram/README.md), so a latency longer by d core cycles makes
  // the run longer by exactly 2 d.
  // Base: 10 ns at 1000 MHz = 10 cycles. With a memory clock of 800 MHz and 12 memory cycles:
  // 12 x 1000 / 800 = 15 core cycles more, 25 in all: d = 15, the run 30 cycles longer.
  const auto base = run_with("base", json::object());
  const auto slow = run_with("slow", {{"clock_mhz", 800}, {"access_latency_cycles", 12}});
  INFO(base.cli.err << slow.cli.err);
  REQUIRE(base.cli.exit_code == 0);
  REQUIRE(slow.cli.exit_code == 0);
  const uint64_t a = base.report["totals"]["cycles"].get<uint64_t>();
  const uint64_t b = slow.report["totals"]["cycles"].get<uint64_t>();
  CHECK(b == a + 30);
  // Seconds follow the core clock: cycles / 1000 MHz.
  CHECK(slow.report["totals"]["seconds"].get<double>() == Approx(static_cast<double>(b) / 1e9).epsilon(1e-12));
  // The keys are echoed when set, absent from the echo otherwise (reports of other configs unchanged).
  CHECK(slow.report["arch"]["dram"]["clock_mhz"] == 800);
  CHECK(slow.report["arch"]["dram"]["access_latency_cycles"] == 12);
  CHECK(!base.report["arch"]["dram"].contains("clock_mhz"));
  CHECK(!base.report["arch"]["dram"].contains("access_latency_cycles"));
}

TEST_CASE("clock domains: the two parts of a latency are summed before one rounding up", "[clock]") {
  // tpu_v4.json: 1050 MHz core, HBM latency 100 ns = 105 core cycles. With the HBM2 command clock of
  // a 2.4 Gb/s-per-pin stack (1200 MHz) and 28 memory cycles: 28 x 1050 / 1200 = 24.5 core cycles;
  // 105 + 24.5 = 129.5, rounded up once: 130 (rounding each part up would give the same here; the
  // unit test in tests/unit/test_dram.cpp has a case where it would not).
  const auto dir = tpusim::test::temp_dir("clock_describe");
  const std::string arch = tpusim::test::source_path("configs/tpu_v4.json");
  const auto plain = run_cli("describe --json --arch " + arch, dir);
  REQUIRE(plain.exit_code == 0);
  CHECK(json::parse(plain.out)["dram_latency_cycles"] == 105);
  const auto hbm = run_cli("describe --json --arch " + arch + " --set /dram/clock_mhz=1200 --set /dram/access_latency_cycles=28", dir);
  INFO(hbm.err);
  REQUIRE(hbm.exit_code == 0);
  CHECK(json::parse(hbm.out)["dram_latency_cycles"] == 130);
}

TEST_CASE("clock domains: a latency in memory cycles without the memory's clock is refused", "[clock]") {
  const auto r = run_with("no_clock", {{"access_latency_cycles", 12}});
  CHECK(r.cli.exit_code == 2);
  CHECK(std::count(r.cli.err.begin(), r.cli.err.end(), '\n') == 1);
  CHECK(r.cli.err.find("/dram/clock_mhz: must be given") != std::string::npos);
  CHECK(r.cli.err.find("arch.json") != std::string::npos);
  const auto slow = run_with("tiny_clock", {{"clock_mhz", 0.5}});
  CHECK(slow.cli.exit_code == 2);
  CHECK(slow.cli.err.find("/dram/clock_mhz: must be 0 (not given) or at least 1 MHz, got 0.5") != std::string::npos);
}
