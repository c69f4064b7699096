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

namespace {

/// gather_arch with a SparseCore-like unit of `tiles` tiles of `lanes` lanes, each tile keeping
/// `outstanding` rows in flight, and a scratchpad "spmem" of 4 KiB with one wide port per tile.
nlohmann::json sparse_arch(int dma_channels, int tiles, int lanes, int outstanding) {
  nlohmann::json a = gather_arch(dma_channels);
  a["buffers"]["spmem"] = {{"holds", "sparse_core"}, {"capacity_bytes", 4096}, {"ports", tiles},
                           {"bytes_per_cycle_per_port", 1024}};
  a["sparse_core"] = {{"count", 1}, {"tiles", tiles}, {"simd_lanes", lanes}, {"outstanding_rows_per_tile", outstanding}};
  return a;
}

}  // namespace

TEST_CASE("sparse core: an embedding_bag's gathers and pooling run on its DMA and lanes", "[embedding][sparse_core]") {
  // 2 tiles x 4 rows in flight = 8 accesses at once vs 2 x 1 = 2; both with 2 x 4 = 8 lanes.
  const WorkloadRun wide = run_workload_json("sc_wide", sparse_arch(1, 2, 4, 4), kBag);
  const WorkloadRun narrow = run_workload_json("sc_narrow", sparse_arch(1, 2, 4, 1), kBag);
  // Same gathers as `wide`, pooled on 2 x 2 = 4 lanes.
  const WorkloadRun slim = run_workload_json("sc_slim", sparse_arch(1, 2, 2, 4), kBag);
  for (const WorkloadRun* r : {&wide, &narrow, &slim}) REQUIRE(r->cli.exit_code == 0);
  const auto& tw = wide.report["totals"];
  const auto& l = wide.report["layers"][0];
  CHECK(l["embedding"]["unit"] == "sparse_core");
  // Every descriptor (the index load, the gather, the store) went to the SparseCore's DMA, none to
  // the core's; the bytes are the core's run's (see the first test): 32 + 384 read, 48 written.
  CHECK(tw["counters"]["top.sparse_dma.descriptors"] == 3);
  CHECK(tw["counters"]["top.dma.descriptors"] == 0);
  CHECK(tw["dram_read_bytes"] == 32 + 384);
  CHECK(tw["dram_write_bytes"] == 48);
  CHECK(tw["counters"]["top.dram.bus_bytes"] == 14 * 64);
  // The indices, rows and pooled row go through the scratchpad, not the core's buffers: it writes
  // 32 + 384 + 48 B and reads 384 (pooling) + 48 (the store).
  CHECK(l["sram_writes"]["spmem"] == 32 + 384 + 48);
  CHECK(l["sram_reads"]["spmem"] == 384 + 48);
  CHECK(l["sram_writes"]["filter"] == 0);
  // Gather: 8 accesses in flight take 22 cycles (the eight-channel case of the first test). With 2
  // in flight, rows go in pairs: row i + 2 claims the bus when row i arrives. Bus cycles per row
  // (1, 2, 2, 1, 1, 2, 2, 1) and 10 cycles latency: rows 0, 1 claim at 0 and arrive at 11 (bus 0-1)
  // and 13 (bus 1-3); row 2 claims at 11, bus 11-13, arrives 23; row 3 at 13, bus 13-14, arrives 24;
  // row 4 at 23, bus 23-24, arrives 34; row 5 at 24, bus 24-26, arrives 36; row 6 at 34, bus 34-36,
  // arrives 46; row 7 at 36, bus 36-37, arrives 47: 47 cycles, 25 more than 22.
  CHECK(narrow.report["totals"]["cycles"].get<int64_t>() - tw["cycles"].get<int64_t>() == 25);
  // Pooling: 8 rows x 48 elements = 384 lane-ops, on 8 lanes 48 cycles, on 4 lanes 96: 48 more.
  CHECK(l["vector_ops"] == 384);
  CHECK(slim.report["totals"]["cycles"].get<int64_t>() - tw["cycles"].get<int64_t>() == 48);
  // The unit's lanes are area: 8 lanes more than the core alone has.
  CHECK(wide.report["totals"]["area_breakdown_mm2"].contains("sparse_core"));
}

TEST_CASE("sparse core: a dense op beside the lookups runs on the core, in parallel in graph mode",
          "[embedding][sparse_core]") {
  const nlohmann::json fc = {{"name", "fc"}, {"op", "linear"}, {"tokens", 16}, {"in_features", 16},
                             {"out_features", 16}, {"inputs", {"input"}}};
  nlohmann::json bag = kBag;
  bag["inputs"] = {"input"};
  const nlohmann::json both = nlohmann::json::array({bag, fc});
  const WorkloadRun alone_fc = run_workload_json("sc_fc", sparse_arch(1, 2, 4, 4), fc);
  const WorkloadRun alone_bag = run_workload_json("sc_bag", sparse_arch(1, 2, 4, 4), bag);
  const WorkloadRun together = run_workload_json("sc_both", sparse_arch(1, 2, 4, 4), both);
  for (const WorkloadRun* r : {&alone_fc, &alone_bag, &together}) REQUIRE(r->cli.exit_code == 0);
  const int64_t a = alone_fc.report["totals"]["cycles"], b = alone_bag.report["totals"]["cycles"];
  const int64_t t = together.report["totals"]["cycles"];
  // Independent ops on different units share only the DRAM: the run takes at least the longer of
  // the two and less than both one after the other.
  CHECK(t >= std::max(a, b));
  CHECK(t < a + b);
  CHECK(together.report["totals"]["counters"]["top.dma.descriptors"] ==
        alone_fc.report["totals"]["counters"]["top.dma.descriptors"]);
}

TEST_CASE("sparse core: bad configurations are one line naming the pointer", "[embedding][sparse_core]") {
  struct Case {
    const char* tag;
    nlohmann::json arch;
    const char* pointer;
  };
  nlohmann::json no_pad = sparse_arch(1, 2, 4, 4);
  no_pad["buffers"].erase("spmem");
  nlohmann::json no_unit = sparse_arch(1, 2, 4, 4);
  no_unit.erase("sparse_core");
  nlohmann::json mixed = sparse_arch(1, 2, 4, 4);
  mixed["buffers"]["spmem"]["holds"] = {"sparse_core", "outputs"};
  mixed["buffers"]["ofmap"]["holds"] = nlohmann::json::array({"accumulators"});
  nlohmann::json zero = sparse_arch(1, 2, 4, 4);
  zero["sparse_core"]["tiles"] = 0;
  nlohmann::json small = sparse_arch(1, 2, 4, 4);
  small["buffers"]["spmem"]["capacity_bytes"] = 256;  // one bag: 32 + 384 + 48 B, double-buffered
  for (const Case& c : {Case{"sc_no_pad", no_pad, "/sparse_core"}, Case{"sc_no_unit", no_unit, "/buffers"},
                        Case{"sc_mixed", mixed, "/buffers/spmem/holds"}, Case{"sc_zero", zero, "/sparse_core/tiles"},
                        Case{"sc_small", small, "/buffers/spmem/capacity_bytes"}}) {
    INFO(c.tag);
    const WorkloadRun r = run_workload_json(c.tag, c.arch, kBag);
    CHECK(r.cli.exit_code == 2);
    CHECK(r.cli.err.find(std::string(c.pointer) + ":") != std::string::npos);
    CHECK(std::count(r.cli.err.begin(), r.cli.err.end(), '\n') == 1);
  }
}

TEST_CASE("sparse core: DLRM with and without the fast-forward gives the same report", "[embedding][sparse_core]") {
  const auto dir = temp_dir("sc_dlrm_ff");
  const std::string sc =
      " --set /core/layer_barrier=false --set "
      "'/buffers/spmem={\"holds\":\"sparse_core\",\"capacity_bytes\":10485760,\"ports\":64,\"bytes_per_cycle_per_port\":"
      "32}' --set '/sparse_core={\"count\":4,\"tiles\":16,\"simd_lanes\":8,\"outstanding_rows_per_tile\":4}'";
  const std::string base = "run -q --arch " + source_path("configs/tpu_v4.json") + " --workload " +
                           source_path("workloads/dlrm_criteo.json") + sc;
  REQUIRE(run_cli(base + " --out " + (dir / "ff").string(), dir).exit_code == 0);
  REQUIRE(run_cli(base + " --no-fast-forward --out " + (dir / "noff").string(), dir).exit_code == 0);
  CHECK(read_text(dir / "ff" / "report.json") == read_text(dir / "noff" / "report.json"));
}
