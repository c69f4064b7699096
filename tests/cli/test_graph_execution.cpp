// Graph execution (/core/layer_barrier false): ops issue across op boundaries, independent work
// overlaps, fused epilogues run on output tiles; with the barrier, layers run one after another.
// Expected numbers are derived by hand in the comments (the DRAM and fold rules of
// arch/memory/dram/README.md and arch/matrix/timing/DERIVATION.md); each run is its own process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <sstream>
#include <vector>
#include <string>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;
using tpusim::test::write_text;

namespace {

/// 4x4 ws at 1 GHz; three 1 KiB double-buffered buffers; 2 DMA channels, 1-byte bursts; DRAM
/// 1 B/cycle (1 GB/s), 10-cycle latency, 1-byte bursts. A 4x4x4 int8 GEMM moves 16 B per operand.
json small_arch() {
  json a = tpusim::test::tiny_arch_json();
  a["dma"] = {{"channels", 2}, {"burst_bytes", 1}};
  a["dram"] = {{"bandwidth_gb_per_s", 1}, {"latency_ns", 10}, {"burst_bytes", 1}};
  return a;
}

json gemm(const std::string& name, std::vector<std::string> inputs = {}) {
  json g = {{"name", name}, {"op", "gemm"}, {"m", 4}, {"n", 4}, {"k", 4}};
  if (!inputs.empty()) g["inputs"] = inputs;
  return g;
}

/// Runs `layers` on `arch` with the extra options; returns the report.
json run(const std::string& tag, const json& arch, const json& layers, const std::string& options = "") {
  const auto r = tpusim::test::run_workload_json("graph_" + tag, arch, layers, options);
  INFO(r.cli.err);
  REQUIRE(r.cli.exit_code == 0);
  return r.report;
}

uint64_t cycles(const json& report) { return report["totals"]["cycles"].get<uint64_t>(); }
uint64_t klass(const json& report, const char* c) { return report["totals"]["cycle_breakdown"][c].get<uint64_t>(); }

}  // namespace

TEST_CASE("graph: two independent GEMMs overlap their loads on one matrix unit", "[graph]") {
  // Both GEMMs read the workload input. The DMA load queue holds A1, B1, A2, B2 (two channels):
  //   A1 claims at 0: bus [0, 16), data at 16 + 10 = 26;  B1 at 0: bus [16, 32) -> 42;
  //   A2 waits for a channel (26): bus [32, 48) -> 58;    B2 at 42: bus [48, 64) -> 74.
  // Fold 1 (ready 42): shift [42, 46), skew [46, 49), stream [49, 53), outputs done 56.
  // Fold 2 (single-buffered ws, ready 74): load from max(74, 56) = 74, S = 78, A = 81, stream
  //   [81, 85), outputs done 88. With its operands at hand it would have loaded at 56: weight
  //   stall [56, 74) = 18, after fold 1's last MACs [53, 56).
  // Stores: C1 at 56 finds the bus busy to 64: [64, 80) -> 90; C2 at 88: [88, 104) -> 114.
  // Makespan 114 = weight stall 42 + 18, shift 4 + 4, useful 4 + 4 (16 MACs / 16 PEs per
  // stream cycle), unused 3 + 3 + 3 + 3 (skews and the last drain), output stall [88, 114) = 26.
  // With the barrier each GEMM takes 82 (tests/model/test_native_run.cpp): 164.
  const json layers = {gemm("g1"), gemm("g2", {"input"})};
  const json graph = run("two", small_arch(), layers);
  CHECK(cycles(graph) == 114);
  CHECK(klass(graph, "weight_stall") == 60);
  CHECK(klass(graph, "weight_shift") == 8);
  CHECK(klass(graph, "useful_mac") == 8);
  CHECK(klass(graph, "unused_mac") == 12);
  CHECK(klass(graph, "output_stall") == 26);
  CHECK(graph["layers"][1]["start_cycle"].get<uint64_t>() == 26);  // A2's claim
  CHECK(graph["layers"][0]["end_cycle"].get<uint64_t>() == 90);
  CHECK(cycles(run("two_barrier", small_arch(), layers, "--set /core/layer_barrier=true")) == 164);
}

TEST_CASE("graph: a ReLU fused into its GEMM runs on the output tile before the store", "[graph]") {
  // The GEMM's fold ends its outputs at 56 (above). Fused: the ReLU's 16 lane-operations take
  // ceil(16 / 32 lanes) = 1 cycle on the vector unit [56, 57); the store then writes the ReLU's
  // result: bus [57, 73) -> 83. Unfused: the GEMM's store [56, 72) -> 82, then the ReLU loads it
  // back (RAW: after 82) [82, 98) -> 108, computes [108, 109) and stores [109, 125) -> 135.
  json arch = small_arch();
  const json layers = {gemm("g"), {{"name", "r"}, {"op", "relu"}, {"elements", 16}}};
  const json unfused = run("relu", arch, layers);
  CHECK(cycles(unfused) == 135);
  CHECK(unfused["totals"]["dram_read_bytes"].get<uint64_t>() == 48);  // A, B, then C back
  arch["core"] = {{"fuse_epilogues", true}};
  const json fused = run("relu_fused", arch, layers);
  CHECK(cycles(fused) == 83);
  CHECK(fused["totals"]["dram_read_bytes"].get<uint64_t>() == 32);
  CHECK(fused["totals"]["dram_write_bytes"].get<uint64_t>() == 16);
  CHECK(fused["layers"][1]["start_cycle"].get<uint64_t>() == 56);
  CHECK(fused["layers"][1]["end_cycle"].get<uint64_t>() == 57);
  CHECK(fused["layers"][1]["vector_ops"].get<uint64_t>() == 16);
  // In barrier mode ops never fuse: the same 135 cycles as unfused.
  CHECK(cycles(run("relu_barrier", arch, layers, "--set /core/layer_barrier=true")) == 135);
}

TEST_CASE("graph: a residual block prefetches the next GEMM's weights while the first one runs", "[graph]") {
  // g1 (reads the input) -> g2 (reads g1) -> add(g2, input). g1 as above: store C1 -> 82.
  // g2's A waits for C1 (RAW), so its first fold fetches B first: B2 claims when a channel frees
  // (26): bus [32, 48) -> 58; A2 at 82: bus [82, 98) -> 108 (the bus was free from 72).
  // Fold 2: load 108, S 112, A 115, stream [115, 119), outputs 122; C2 [122, 138) -> 148.
  // The add reads g2 and the input (2 x 16 B) after 148: [148, 180) -> 190, 1 cycle of lanes
  // [190, 191), its store [191, 207) -> 217. With the barrier: 82 + 82 + the add (load 32 B
  // from 164 -> 206, op, store [207, 223) -> 233) = 233; the prefetch hides B2's 16 bus cycles.
  const json layers = {gemm("g1"), gemm("g2"),
                       {{"name", "add"}, {"op", "add"}, {"elements", 16}, {"inputs", {"g2", "input"}}}};
  const json graph = run("residual", small_arch(), layers);
  CHECK(cycles(graph) == 217);
  CHECK(graph["layers"][1]["start_cycle"].get<uint64_t>() == 26);  // B2's claim
  CHECK(graph["layers"][2]["start_cycle"].get<uint64_t>() == 148);
  CHECK(klass(graph, "raw_stall") > 0);  // fold 2 waited for g1's result
  CHECK(cycles(run("residual_barrier", small_arch(), layers, "--set /core/layer_barrier=true")) == 233);
}

TEST_CASE("graph: random chains of GEMMs are never slower than the barrier, never faster than the roofs",
          "[graph]") {
  // Overlap can only remove waiting: the same work under the same dependencies. And no schedule
  // beats the larger of MACs / peak and DRAM bytes / bandwidth.
  std::mt19937_64 rng(12);
  const auto pick = [&](std::initializer_list<int> v) { return *(v.begin() + rng() % v.size()); };
  for (int c = 0; c < 12; ++c) {
    json a = tpusim::test::tiny_arch_json();
    const int rows = pick({4, 8, 16}), cols = pick({4, 8, 16});
    const double gb_per_s = pick({1, 5, 10, 50});
    a["array"] = {{"rows", rows}, {"cols", cols}, {"dataflow", std::vector<std::string>{"os", "ws", "is"}[rng() % 3]},
                  {"double_buffer_stationary", rng() % 2 == 0}, {"overlap_folds", rng() % 2 == 0}};
    for (const char* b : {"ifmap", "filter", "ofmap"}) {
      a["buffers"][b]["capacity_bytes"] = pick({8192, 65536});
      a["buffers"][b]["double_buffered"] = rng() % 3 != 0;
    }
    a["dram"] = {{"bandwidth_gb_per_s", gb_per_s}, {"latency_ns", pick({0, 50, 200})}};
    json layers = json::array();
    const int n = 2 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i)
      layers.push_back({{"name", "g" + std::to_string(i)}, {"op", "gemm"}, {"m", 8 + rng() % 300},
                        {"n", 8 + rng() % 300}, {"k", 8 + rng() % 300}});
    INFO("case " << c << " arch " << a.dump() << " layers " << layers.dump());
    const json graph = run("chain" + std::to_string(c), a, layers);
    const json barrier = run("chain_b" + std::to_string(c), a, layers, "--set /core/layer_barrier=true");
    const auto& t = graph["totals"];
    const double bytes = double(t["dram_read_bytes"].get<uint64_t>() + t["dram_write_bytes"].get<uint64_t>());
    const double floor = std::max(double(t["macs"].get<uint64_t>()) / (rows * cols), bytes / gb_per_s);  // 1 GHz
    CHECK(cycles(graph) <= cycles(barrier));
    CHECK(double(cycles(graph)) >= floor);
  }
}

TEST_CASE("graph: TPU v1 on an MLP0-like workload spends most cycles in weight stall, as its counters did",
          "[graph]") {
  // Five 2000x2000 layers at batch 200 on TPU v1 (34 GB/s): weight-bandwidth bound. Jouppi et al.
  // (ISCA 2017, Table 3, unverified transcription): weight stall 53.9 %, weight shift 15.9 %,
  // array active 12.7 %, with 17.5 % non-matrix work this pure-GEMM version lacks; 12.3 TOPS.
  for (const char* mode : {"false", "true"}) {
    INFO("layer_barrier " << mode);
    const auto dir = tpusim::test::temp_dir(std::string("graph_mlp0_") + mode);
    const auto r = run_cli("run -q --arch " + tpusim::test::source_path("configs/tpu_v1.json") + " --workload " +
                               tpusim::test::source_path("tests/data/memory/mlp0_batch200.json") +
                               " --set /core/layer_barrier=" + mode + " --out " + (dir / "out").string(),
                           dir);
    REQUIRE(r.exit_code == 0);
    const json report = json::parse(read_text(dir / "out" / "report.json"));
    const auto& b = report["totals"]["cycle_breakdown"];
    const double total = double(cycles(report));
    uint64_t largest = 0;
    for (const auto& [k, v] : b.items()) largest = std::max(largest, v.get<uint64_t>());
    CHECK(b["weight_stall"].get<uint64_t>() == largest);
    CHECK(b["weight_stall"].get<double>() / total >= 0.40);
    CHECK(b["weight_stall"].get<double>() / total <= 0.75);
    CHECK(report["totals"]["tops"].get<double>() >= 8.0);
    CHECK(report["totals"]["tops"].get<double>() <= 14.0);
  }
}

TEST_CASE("graph: ResNet-50 on TPU v1 is faster with layers overlapping than with the barrier", "[graph]") {
  const auto dir = tpusim::test::temp_dir("graph_resnet");
  uint64_t c[2] = {0, 0};
  for (int barrier = 0; barrier < 2; ++barrier) {
    const auto out = dir / (barrier ? "b" : "g");
    const auto r = run_cli("run -q --arch " + tpusim::test::source_path("configs/tpu_v1.json") + " --workload " +
                               tpusim::test::source_path("workloads/resnet50.json") + " --set /core/layer_barrier=" +
                               (barrier ? "true" : "false") + " --out " + out.string(),
                           dir);
    REQUIRE(r.exit_code == 0);
    c[barrier] = cycles(json::parse(read_text(out / "report.json")));
  }
  CHECK(c[0] < c[1]);
}

TEST_CASE("graph: --dump-program writes the program the controller runs, ids across ops", "[graph]") {
  // g1 -> g2 (a chain), 4x4x4 each: one fold per op. g1 is load A (0), load B (1), fold (2),
  // store (3); g2's ids continue at 4, and its load of A waits (RAW) for g1's store, id 3. With
  // the barrier every op starts again at 0 and names nothing outside itself.
  const json layers = json::array({gemm("g1"), gemm("g2", {"g1"})});
  for (const bool barrier : {false, true}) {
    json arch = small_arch();
    arch["core"] = {{"layer_barrier", barrier}};
    const auto dir = tpusim::test::temp_dir(barrier ? "dump_barrier" : "dump_graph");
    write_text(dir / "arch.json", arch.dump());
    write_text(dir / "work.json", json{{"name", "dump"}, {"layers", layers}}.dump());
    const auto r = run_cli("run -q --arch " + (dir / "arch.json").string() + " --workload " +
                               (dir / "work.json").string() + " --dump-program " + (dir / "prog.jsonl").string() +
                               " --out " + (dir / "out").string(),
                           dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(read_text(dir / "prog.jsonl"));
    std::vector<json> g2;
    for (std::string line; std::getline(lines, line);) {
      const json j = json::parse(line);
      if (j["layer"] == "g2") g2.push_back(j);
    }
    REQUIRE(g2.size() == 4);
    const json* a_load = nullptr;
    for (const json& j : g2)
      if (j["kind"] == "load" && j["operand"] == "inputs") a_load = &j;
    REQUIRE(a_load != nullptr);
    if (barrier) {
      CHECK(g2.front()["id"] == 0);
      CHECK((*a_load)["deps"].empty());
    } else {
      CHECK(g2.front()["id"] == 4);
      CHECK((*a_load)["deps"] == json::array({3}));
    }
  }
}

TEST_CASE("graph: the timeline shows ops overlapping, each unit's span named by its own op", "[graph]") {
  // The two independent GEMMs of the first case: g2's loads run while g1 computes (derived there),
  // so the layers lane holds two overlapping spans, and every DMA, fold and vector span lies inside
  // the span of the op its "layer" names.
  const auto dir = tpusim::test::temp_dir("graph_timeline");
  write_text(dir / "arch.json", small_arch().dump());
  write_text(dir / "work.json",
             json{{"name", "tl"}, {"layers", json::array({gemm("g1", {"input"}), gemm("g2", {"input"})})}}.dump());
  const auto r = run_cli("run -q --arch " + (dir / "arch.json").string() + " --workload " +
                             (dir / "work.json").string() + " --timeline " + (dir / "tl.json").string() +
                             " --out " + (dir / "out").string(),
                         dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json events = json::parse(read_text(dir / "tl.json"))["traceEvents"];
  std::map<std::string, std::pair<uint64_t, uint64_t>> ops;  // layer name -> [start, end)
  for (const json& e : events)
    if (e.value("ph", "") == "b" && e["tid"] == 0)  // layers overlap: async spans (sim/report/timeline.cpp)
      ops[e["name"].get<std::string>()] = {e["args"]["start_cycle"], e["args"]["end_cycle"]};
  REQUIRE(ops.size() == 2);
  CHECK(ops["g2"].first < ops["g1"].second);  // overlap
  size_t named = 0;
  for (const json& e : events) {
    if (!e.contains("args") || !e["args"].contains("layer")) continue;
    const auto span = ops.at(e["args"]["layer"].get<std::string>());
    CHECK(e["args"]["start_cycle"].get<uint64_t>() >= span.first);
    CHECK(e["args"]["end_cycle"].get<uint64_t>() <= span.second);
    ++named;
  }
  CHECK(named >= 8);  // per op: 2 loads, 1 fold, 1 store
}
