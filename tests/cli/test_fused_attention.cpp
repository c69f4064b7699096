// The fused attention op (`attention`, sim/mapper/attention.h): scores and probabilities stay on
// chip, Q is read once, K and V once per query block, and the op's MACs are both matmuls'. Each
// run is its own process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "support/test_util.h"

using nlohmann::json;

namespace {

/// tiny_arch_json (8x8 here; int8 operands and outputs, int32 accumulators) with one buffer that
/// holds inputs, weights and outputs, as the fused kernel needs.
json shared_buffer_arch() {
  json a = tpusim::test::tiny_arch_json();
  a["array"]["rows"] = 8;
  a["array"]["cols"] = 8;
  a["buffers"] = {{"vmem", {{"holds", {"inputs", "weights", "outputs"}}, {"capacity_bytes", 65536}}}};
  return a;
}

// Two groups of 32 query rows, head size 8, 64 keys, blocks of 16 query rows.
json fused(const json& extra = json::object()) {
  json op = {{"name", "attn"}, {"op", "attention"}, {"m", 32}, {"k", 8}, {"n", 64}, {"count", 2},
             {"q_block", 16}, {"inputs", {"input", "input", "input"}}};
  for (const auto& [k, v] : extra.items()) op[k] = v;
  return op;
}

json unfused() {
  return json::array({{{"name", "scores"}, {"op", "matmul"}, {"m", 32}, {"k", 8}, {"n", 64}, {"count", 2},
                       {"inputs", {"input", "input"}}},
                      {{"name", "softmax"}, {"op", "softmax"}, {"rows", 64}, {"cols", 64}},
                      {{"name", "context"}, {"op", "matmul"}, {"m", 32}, {"k", 64}, {"n", 8}, {"count", 2},
                       {"inputs", {"softmax", "input"}}}});
}

uint64_t total(const json& report, const char* key) { return report["totals"][key].get<uint64_t>(); }

}  // namespace

TEST_CASE("fused attention: DRAM bytes and MACs derived by hand, in graph and barrier mode", "[attention]") {
  // Per group: m = 32 query rows in blocks of 16 (2 blocks; 2 groups: 4 instances). Every byte is
  // one int8 element.
  //  - Q: each block's 16 x 8 rows are loaded once (the scores' A tile is kept over its 8 column
  //    folds of keys): 32 x 8 x 2 = 512 B.
  //  - K: the scores' B (8 x 64) once per block: 4 x 512 = 2048 B.
  //  - V: the context's B (64 x 8) once per block: 4 x 512 = 2048 B.
  //  - The scores (16 x 64 per block) and probabilities never leave the buffer.
  //  Read 512 + 2048 + 2048 = 4608 B; written: the context, 32 x 8 x 2 = 512 B.
  //  MACs: Q K^T and P V, 32 x 8 x 64 x 2 each: 65536. Vector work: 4 lane-operations per score,
  //  4 x 32 x 64 x 2 = 16384.
  for (const char* mode : {"graph", "barrier"}) {
    const bool barrier = std::string(mode) == "barrier";
    const auto r = tpusim::test::run_workload_json(std::string("attn_fused_") + mode, shared_buffer_arch(), fused(),
                                                   barrier ? "--set /core/layer_barrier=true" : "");
    INFO(mode << ": " << r.cli.err);
    REQUIRE(r.cli.exit_code == 0);
    const json& l = r.report["layers"][0];
    CHECK(l["op"] == "attention");
    CHECK(l["attention"] == json({{"m", 32}, {"k", 8}, {"n", 64}, {"count", 2}}));
    CHECK(l["macs"] == 65536);
    CHECK(l["vector_ops"] == 16384);
    CHECK(l["dram_read_bytes"] == 4608);
    CHECK(l["dram_write_bytes"] == 512);
    CHECK(l["mapping"]["q_block"] == 16);
    CHECK(l["mapping"]["blocks"] == 2);
    CHECK(l["mapping"]["tail_rows"] == 16);
    CHECK(l["mapping"]["instances"] == 4);
    CHECK(total(r.report, "macs") == 65536);
    // The array's MAC slots bound the time from below: 65536 MACs / 64 PEs.
    CHECK(total(r.report, "cycles") >= 1024);
  }
}

TEST_CASE("fused attention: the unfused ops write the scores and probabilities to DRAM", "[attention]") {
  // The same attention as three ops: the scores (32 x 64 x 2 = 4096 B) and the probabilities
  // (4096 B) are stored and loaded again; the context (512 B) is stored. Written 8704 B against
  // the fused op's 512; read at least the fused op's 4608 B less K's and V's re-reads for the
  // second block (2 x 1024 B), plus S and P once each (8192 B): 10752 B.
  const auto u = tpusim::test::run_workload_json("attn_unfused", shared_buffer_arch(), unfused());
  INFO(u.cli.err);
  REQUIRE(u.cli.exit_code == 0);
  CHECK(total(u.report, "dram_write_bytes") == 8704);
  CHECK(total(u.report, "dram_read_bytes") >= 10752);
  CHECK(total(u.report, "macs") == 65536);
}

TEST_CASE("fused attention: a last block shorter than q_block", "[attention]") {
  // m = 40 in blocks of 16: blocks of 16, 16 and 8 rows per group. The bytes do not depend on the
  // cut: Q 40 x 8 x 2 = 640 B read once, K and V 512 B per block (3 x 2 blocks each: 3072 B),
  // the context 640 B written; MACs 2 x 40 x 8 x 64 x 2 = 81920.
  const auto r = tpusim::test::run_workload_json("attn_tail", shared_buffer_arch(), fused({{"m", 40}}));
  INFO(r.cli.err);
  REQUIRE(r.cli.exit_code == 0);
  const json& l = r.report["layers"][0];
  CHECK(l["mapping"]["blocks"] == 3);
  CHECK(l["mapping"]["tail_rows"] == 8);
  CHECK(l["dram_read_bytes"] == 640 + 3072 + 3072);
  CHECK(l["dram_write_bytes"] == 640);
  CHECK(l["macs"] == 81920);
}

TEST_CASE("fused attention: the mapper picks the largest block that fits", "[attention]") {
  // Without q_block: m = 32 rows whole (one block per group, 2 instances) when four 32 x 64 score
  // tiles (8 KiB) and the steps' tiles fit 64 KiB, which they do: K and V are then read once,
  // 1024 B each.
  json op = fused();
  op.erase("q_block");
  const auto r = tpusim::test::run_workload_json("attn_auto", shared_buffer_arch(), op);
  INFO(r.cli.err);
  REQUIRE(r.cli.exit_code == 0);
  const json& l = r.report["layers"][0];
  CHECK(l["mapping"]["q_block"] == 32);
  CHECK(l["dram_read_bytes"] == 512 + 1024 + 1024);
}

TEST_CASE("fused attention: inputs it cannot run are refused in one line", "[attention]") {
  const auto dir = tpusim::test::temp_dir("attn_errors");
  struct Case {
    const char* tag;
    json arch, layers;
    const char* expect;
  };
  json separate = tpusim::test::tiny_arch_json();  // inputs and outputs in two buffers
  json two_inputs = fused();
  two_inputs["inputs"] = {"input", "input"};
  json small = shared_buffer_arch();
  small["buffers"]["vmem"]["capacity_bytes"] = 4096;  // four 16 x 64 score tiles alone are 4 KiB
  const Case cases[] = {
      {"q_block_large", shared_buffer_arch(), fused({{"q_block", 33}}), "/layers/0/q_block: must be at most m = 32"},
      {"kv_block_large", shared_buffer_arch(), fused({{"kv_block", 65}}), "/layers/0/kv_block: must be at most n = 64"},
      {"separate_buffers", separate, fused(), "/layers/0/op: the fused attention keeps its scores"},
      {"two_inputs", shared_buffer_arch(), two_inputs, "/layers/0/inputs: attention reads 3 tensors"},
      {"too_small", small, fused(), "/layers/0/q_block: a fused attention block of 16 query rows x 64 keys does not fit"},
  };
  for (const Case& c : cases) {
    const auto r = tpusim::test::run_workload_json(std::string("attn_err_") + c.tag, c.arch, c.layers);
    INFO(c.tag << ": " << r.cli.err);
    CHECK(r.cli.exit_code == 2);
    CHECK(r.cli.err.find(c.expect) != std::string::npos);
    CHECK(std::count(r.cli.err.begin(), r.cli.err.end(), '\n') == 1);
  }
}

TEST_CASE("fused attention: key blocks (online softmax) read K and V once per query block", "[attention]") {
  // One query block of all 32 rows per group, the 64 keys in blocks of 24 (24, 24 and 16: a
  // first, a middle and a last key block). Q is loaded by the first unit and kept: 512 B; K and
  // V each once per query block: 64 x 8 x 2 = 1024 B each; the running output stays on chip and
  // the last unit's combine stores it: 512 B. MACs do not change: 65536.
  for (const char* mode : {"graph", "barrier"}) {
    const bool barrier = std::string(mode) == "barrier";
    const auto r = tpusim::test::run_workload_json(std::string("attn_kv_") + mode, shared_buffer_arch(),
                                                   fused({{"q_block", 32}, {"kv_block", 24}}),
                                                   barrier ? "--set /core/layer_barrier=true" : "");
    INFO(mode << ": " << r.cli.err);
    REQUIRE(r.cli.exit_code == 0);
    const json& l = r.report["layers"][0];
    CHECK(l["mapping"]["kv_block"] == 24);
    CHECK(l["mapping"]["kv_blocks"] == 3);
    CHECK(l["mapping"]["kv_tail"] == 16);
    CHECK(l["mapping"]["instances"] == 6);  // 2 groups x 1 query block x 3 key blocks
    CHECK(l["dram_read_bytes"] == 512 + 1024 + 1024);
    CHECK(l["dram_write_bytes"] == 512);
    CHECK(l["macs"] == 65536);
  }
}
