// /array/preload_shares_ports (arch/matrix/README.md): a double-buffered preload that reads the
// same buffer as the stream delays the next fold when the buffer's ports cannot deliver both.
// Each run is its own process.
#include <catch2/catch.hpp>

#include <string>

#include "support/test_util.h"

using nlohmann::json;

namespace {

/// A 4x4 ws array at 1 GHz, double-buffered weights, overlapped folds; one buffer holds A and B
/// (one port of `port_bytes` per cycle), the outputs another; ideal DRAM.
json arch(uint64_t port_bytes, bool shares) {
  return {{"name", "tiny"},
          {"clock_mhz", 1000},
          {"array",
           {{"rows", 4}, {"cols", 4}, {"dataflow", "ws"}, {"double_buffer_stationary", true},
            {"overlap_folds", true}, {"preload_shares_ports", shares}}},
          {"buffers",
           {{"buf", {{"holds", {"inputs", "weights"}}, {"capacity_bytes", 4096}, {"ports", 1},
                     {"bytes_per_cycle_per_port", port_bytes}}},
            {"ofmap", {{"holds", {"outputs"}}, {"capacity_bytes", 4096}, {"bytes_per_cycle_per_port", 64}}}}},
          {"dram", {{"bandwidth_gb_per_s", 1e6}, {"latency_ns", 0}, {"burst_bytes", 1}}}};
}

uint64_t cycles_of(const std::string& tag, uint64_t port_bytes, bool shares) {
  // 64x8x4 int8: K = 4 rows, N = 8 in two column folds of 4, the stream M = 64: two folds.
  const json gemm = {{"name", "g"}, {"op", "gemm"}, {"m", 64}, {"n", 8}, {"k", 4}};
  const auto r = tpusim::test::run_workload_json("preload_" + tag, arch(port_bytes, shares), gemm);
  INFO(r.cli.err);
  REQUIRE(r.cli.exit_code == 0);
  CHECK(r.report["layers"][0]["folds"] == 2);
  return r.report["totals"]["cycles"].get<uint64_t>();
}

}  // namespace

TEST_CASE("preload ports: a preload sharing the stream's buffer ports delays the next fold by hand", "[array]") {
  // Fold 2's stream would start s = 64 cycles after fold 1's (double-buffered, overlapped: its
  // preload hides behind fold 1's stream). Sharing the buffer, fold 1 streams 64 x 4 = 256 B of A
  // and fold 2's weights are 4 x 4 = 16 B: at 4 B per cycle the port delivers them
  // ceil(272 / 4) = 68 cycles after fold 1's stream starts, so fold 2, and the run, end 4 cycles
  // later. At 8 B per cycle it takes ceil(272 / 8) = 34 < 64 cycles: hidden, no change. The DMA
  // fills of A and both weight tiles (288 B, 72 cycles at 4 B per cycle) end long before fold 2
  // could start (about 136), so they do not decide its start.
  CHECK(cycles_of("p4_shared", 4, true) == cycles_of("p4_own", 4, false) + 4);
  CHECK(cycles_of("p8_shared", 8, true) == cycles_of("p8_own", 8, false));
}
