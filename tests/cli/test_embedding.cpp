// embedding_bag end to end: gathered rows as their own DRAM accesses on the DMA channels, the
// bursts they touch, and the pooled output. Expected numbers derived by hand in the comments.
#include <catch2/catch.hpp>

#include <algorithm>

#include "support/test_util.h"

using namespace tpusim::test;

namespace {

/// 1000 MHz, 64 GB/s = 64 B per cycle, 64 B bursts, 10 ns = 10 cycles of latency, int8 throughout.
nlohmann::json gather_arch(int dma_channels) {
  nlohmann::json a = tiny_arch_json();
  a["dram"] = {{"bandwidth_gb_per_s", 64}, {"latency_ns", 10}, {"burst_bytes", 64}};
  a["dma"] = {{"channels", dma_channels}, {"burst_bytes", 64}};
  a["datatypes"] = {{"input", "int8"}, {"weight", "int8"}, {"output", "int8"}};
  return a;
}

/// One bag of 8 lookups of 48-element int8 rows (48 B): rows 0..7 of the gather sequence start at
/// offsets 0, 48, 32, 16, 0, 48, 32, 16 of their bursts and touch 1, 2, 2, 1, 1, 2, 2, 1 bursts.
const nlohmann::json kBag = {{"name", "emb"}, {"op", "embedding_bag"}, {"batch", 1}, {"rows", 1000},
                             {"dim", 48}, {"lookups", 8}};

}  // namespace

TEST_CASE("an embedding_bag's rows are gathered one access each, on the DMA channels", "[embedding]") {
  const WorkloadRun one = run_workload_json("emb_ch1", gather_arch(1), kBag);
  const WorkloadRun eight = run_workload_json("emb_ch8", gather_arch(8), kBag);
  REQUIRE(one.cli.exit_code == 0);
  REQUIRE(eight.cli.exit_code == 0);
  const auto& t1 = one.report["totals"];
  const auto& t8 = eight.report["totals"];
  // Bytes: 8 indices x 4 B = 32 B and 8 rows x 48 B = 384 B read; the pooled row, 48 B, written.
  CHECK(t1["dram_read_bytes"] == 32 + 384);
  CHECK(t1["dram_write_bytes"] == 48);
  // The bus carries whole bursts: indices 1, rows 12 (see kBag), the store 1: 14 x 64 B.
  CHECK(t1["counters"]["top.dram.bus_bytes"] == 14 * 64);
  // The gather alone differs between the runs (the index load before it and the pooling and
  // store after it are the same). One channel: each row claims the bus when the previous row's
  // data has arrived, bus time (1 or 2 cycles) + 10 cycles latency: 11, 12, 12, 11, 11, 12, 12, 11
  // = 92 cycles. Eight channels: all rows claim at once, the bus carries 12 bursts in 12 cycles
  // and the last row arrives 10 cycles later: 22 cycles. The difference is 70 cycles.
  CHECK(t1["cycles"].get<int64_t>() - t8["cycles"].get<int64_t>() == 70);
  CHECK(t1["counters"]["top.dma.descriptors"] == t8["counters"]["top.dma.descriptors"]);
}

TEST_CASE("embedding_bag input errors name the file and pointer", "[embedding]") {
  nlohmann::json bad = kBag;
  bad["lookups"] = 0;
  const WorkloadRun r = run_workload_json("emb_bad", gather_arch(1), bad);
  CHECK(r.cli.exit_code == 2);
  CHECK(r.cli.err.find("/layers/0/lookups") != std::string::npos);
  CHECK(std::count(r.cli.err.begin(), r.cli.err.end(), '\n') == 1);
}
