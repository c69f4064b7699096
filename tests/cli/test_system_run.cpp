// `tpusim run --arch SYSTEM`: collectives as workload ops, timed by arch/interconnect, and their
// overlap with compute on the system timeline (sim/system/README.md). Expected times are derived
// by hand from the closed forms of arch/interconnect/README.md, or are published measurements.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "support/report_lookup.h"
#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;
using tpusim::test::source_path;
using tpusim::test::write_text;

namespace {

/// Runs `layers` on the system file `system`; returns system_report.json.
json run_system(const std::string& tag, const std::string& system, const json& layers, const std::string& extra = "") {
  const auto dir = tpusim::test::temp_dir("system_" + tag);
  write_text(dir / "work.json", json{{"name", tag}, {"layers", json(layers)}}.dump());
  const auto r = run_cli("run -q --arch " + system + " --workload " + (dir / "work.json").string() + " " + extra +
                             " --out " + (dir / "out").string(), dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(read_text(dir / "out" / "system_report.json"));
}

json collective(const std::string& name, const std::string& op, uint64_t bytes, const std::string& axis,
                const std::string& algorithm) {
  return {{"name", name}, {"op", op}, {"bytes", bytes}, {"axes", {axis}}, {"algorithm", algorithm}};
}

/// A 4-chip ring (wraparound), 1 GB/s links, 1 us per hop, whose chips are the tiny 4x4 test chip
/// at 1 GHz (so a cycle is 1000 ps).
std::string tiny_system(const std::string& tag) {
  const auto dir = tpusim::test::temp_dir("system_cfg_" + tag);
  write_text(dir / "chip.json", tpusim::test::tiny_arch_json().dump());
  const json sys = {{"name", "ring4"}, {"chip", "chip.json"}, {"chips", 4},
                    {"topology", {{"kind", "torus"}, {"axes", {{{"name", "x"}, {"size", 4}, {"wraparound", true}}}}}},
                    {"link", {{"bandwidth_gb_per_s", 1}, {"latency_ns", 1000}}}};
  write_text(dir / "system.json", sys.dump());
  return (dir / "system.json").string();
}

json with_inputs(json op, std::vector<std::string> inputs) {
  op["inputs"] = inputs;
  return op;
}

json gemm(const std::string& name, uint64_t m, uint64_t n, uint64_t k, std::vector<std::string> inputs) {
  return {{"name", name}, {"op", "gemm"}, {"m", m}, {"n", n}, {"k", k}, {"inputs", inputs}};
}

const json& op(const json& report, const std::string& name) { return tpusim::test::named(report, name); }

}  // namespace

TEST_CASE("system: TPU v5e all-gather over a 4-chip axis without wraparound, against the measurement", "[system]") {
  const std::string sys = source_path("configs/systems/tpu_v5e_8x4.json");
  // bf16[2048, 8192] = 33554432 B gathered over Y (4 chips, a line): 3 steps of one 8388608 B
  // shard, each 1 us + ceil(8388608 B x 1e12 / 45e9 B/s) ps = 1000000 + 186413512 ps.
  const json big = run_system("v5e_ag_big", sys, json::array({collective("ag", "all_gather", 33554432, "y", "ring")}));
  CHECK(big["step_ps"].get<uint64_t>() == 3 * (1000000ULL + 186413512ULL));
  // The scaling book measured 680 us ("Sharded Matrices", pop quiz 2): within 20 %.
  const double big_us = big["step_ps"].get<double>() * 1e-6;
  CHECK(std::abs(big_us - 680) / 680 < 0.20);
  CHECK(big["exposed_communication_ps"] == big["step_ps"]);  // nothing to hide it under
  // The small case: bf16[256, 256] = 131072 B, 32768 B per shard:
  // 3 x (1 us + 32768 / 45e9 s) = 3 x (1000000 + 728178) ps; about 8 us measured: within 50 %.
  const json small = run_system("v5e_ag_small", sys, json::array({collective("ag", "all_gather", 4 * 32768, "y", "ring")}));
  CHECK(small["step_ps"].get<uint64_t>() == 3 * (1000000ULL + 728178ULL));
  CHECK(std::abs(small["step_ps"].get<double>() * 1e-6 - 8) / 8 < 0.50);
  // Link use on Y: 8 lines of 3 neighbour pairs, 2 directions: 48 links. Every chip receives 3
  // shards: 32 x 3 x 8388608 B in 3 steps of 186413512 ps on 48 links' 562240536 ps.
  const json& y = big["axes"][1];
  CHECK(y["name"] == "y");
  CHECK(y["links"] == 48);
  CHECK(y["bytes"].get<double>() == Approx(32.0 * 3 * 8388608).epsilon(1e-6));
  CHECK(y["utilization"].get<double>() == Approx(32.0 * 3 * 186413512 / (48.0 * 562240536)).epsilon(1e-9));
}

TEST_CASE("system: an all-reduce between two dependent GEMMs is exposed in full", "[system]") {
  const std::string sys = tiny_system("chain");
  // Ring all-reduce of 4096 B on 4 chips: 2(p-1) = 6 steps of 1 us + 1024 B / 1 GB/s = 2.024 us.
  const uint64_t ar_ps = 6 * (1000000 + 1024000);
  const json r = run_system("chain", sys,
                            {gemm("g1", 8, 8, 8, {"input"}), collective("ar", "all_reduce", 4096, "x", "ring"),
                             gemm("g2", 8, 8, 8, {"ar"})});
  const json& g1 = op(r, "g1");
  const json& ar = op(r, "ar");
  const json& g2 = op(r, "g2");
  const json& chip = r["chip"]["layers"];
  // The all-reduce starts when g1 ends and takes its closed form.
  CHECK(ar["start_ps"] == g1["end_ps"]);
  CHECK(ar["end_ps"].get<uint64_t>() == ar["start_ps"].get<uint64_t>() + ar_ps);
  // On the chip alone g2 started at its own start cycle, perhaps before g1 ended (its first
  // commands need no input). After the all-reduce it keeps that head start, so it waits the
  // all-reduce's time less any gap it had after g1 on the chip alone.
  const uint64_t g2_chip_start = chip[1]["start_cycle"].get<uint64_t>() * 1000;
  const uint64_t g1_chip_end = chip[0]["end_cycle"].get<uint64_t>() * 1000;
  const uint64_t gap = g2_chip_start > g1_chip_end ? g2_chip_start - g1_chip_end : 0;
  const uint64_t lead = g1_chip_end > g2_chip_start ? g1_chip_end - g2_chip_start : 0;
  CHECK(g2["start_ps"].get<uint64_t>() == ar["end_ps"].get<uint64_t>() - lead);
  CHECK(r["exposed_communication_ps"].get<uint64_t>() == ar_ps - std::min(ar_ps, gap));
  CHECK(r["hidden_communication_ps"].get<uint64_t>() == std::min(ar_ps, gap));
  CHECK(r["step_ps"].get<uint64_t>() == r["compute_ps"].get<uint64_t>() + r["exposed_communication_ps"].get<uint64_t>());
}

TEST_CASE("system: an all-reduce overlaps an independent GEMM and is hidden under it", "[system]") {
  const std::string sys = tiny_system("overlap");
  const uint64_t ar_ps = 6 * (1000000 + 1024000);  // as above: 12.144 us
  // g2 (64x64x64 on a 4x4 array: at least 64^3 / 16 = 16384 cycles = 16.4 us) reads only the
  // input, so it runs while g1's result is all-reduced; g3 needs both.
  const json r = run_system("overlap", sys,
                            {gemm("g1", 8, 8, 8, {"input"}), gemm("g2", 64, 64, 64, {"input"}),
                             with_inputs(collective("ar", "all_reduce", 4096, "x", "ring"), {"g1"}),
                             {{"name", "g3"}, {"op", "matmul"}, {"m", 8}, {"n", 8}, {"k", 64}, {"inputs", {"ar", "g2"}}}});
  r.at("ops");
  const json& chip = r["chip"]["layers"];
  const uint64_t g1_end = chip[0]["end_cycle"].get<uint64_t>() * 1000;
  const uint64_t g2_end = chip[1]["end_cycle"].get<uint64_t>() * 1000;
  const uint64_t g3_start = chip[2]["start_cycle"].get<uint64_t>() * 1000;
  REQUIRE(g2_end >= g1_end + ar_ps);  // the all-reduce ends while g2 still runs
  CHECK(op(r, "ar")["start_ps"].get<uint64_t>() == g1_end);
  CHECK(op(r, "g3")["start_ps"].get<uint64_t>() == g3_start);  // not delayed
  CHECK(r["exposed_communication_ps"] == 0);
  CHECK(r["hidden_communication_ps"].get<uint64_t>() == ar_ps);
  CHECK(r["step_ps"] == r["compute_ps"]);
}

TEST_CASE("system: bad collectives are one-line errors naming the file and pointer", "[system][errors]") {
  const std::string sys = source_path("configs/systems/tpu_v5e_8x4.json");
  const auto dir = tpusim::test::temp_dir("system_errors");
  auto fails = [&](const json& layer, const std::string& expect) {
    write_text(dir / "w.json", json{{"name", "bad"}, {"layers", json::array({layer})}}.dump());
    const auto r = run_cli("run -q --arch " + sys + " --workload " + (dir / "w.json").string(), dir);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(expect) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  };
  fails(collective("ag", "all_gather", 1024, "q", "ring"), "w.json: /layers/0: ");
  fails(collective("ag", "all_gather", 1024, "y", "tree"), "w.json: /layers/0/algorithm: all_gather runs with ring");
  fails(collective("ag", "all_gather", 0, "y", "ring"), "w.json: /layers/0/bytes");
  json extra = collective("ag", "all_gather", 1024, "y", "ring");
  extra["size"] = 3;
  fails(extra, "w.json: /layers/0");
  // The tree needs a power-of-two group: the 8x4 system's X has 8, so it works; a bidirectional
  // ring needs wraparound, which Y lacks.
  fails(collective("ar", "all_reduce", 1024, "y", "bidirectional_ring"), "w.json: /layers/0: ");
  // On a chip, a collective is refused with a pointer to systems.
  write_text(dir / "chip.json", tpusim::test::tiny_arch_json().dump());
  write_text(dir / "w.json", json{{"name", "bad"}, {"layers", json::array({collective("ag", "all_gather", 1024, "y", "ring")})}}.dump());
  const auto r = run_cli("run -q --arch " + (dir / "chip.json").string() + " --workload " + (dir / "w.json").string(), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("w.json: /layers/0/op: all_gather is a collective: run the workload on a system") != std::string::npos);
}
