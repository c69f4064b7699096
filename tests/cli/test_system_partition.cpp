// `tpusim run --arch SYSTEM --workload MODEL --parallelism SPEC`: the partition pass on a system
// run. Expected times derived by hand from arch/interconnect/README.md's closed forms and
// sim/partition/README.md's pipeline formula.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "support/report_lookup.h"
#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;
using tpusim::test::source_path;
using tpusim::test::write_text;

namespace {

/// 4 chips on a ring (x, wraparound), 1 GB/s and 1 us per link; the tiny 4x4 chip at 1 GHz.
std::filesystem::path setup(const std::string& tag, const json& layers, const json& parallelism) {
  const auto dir = tpusim::test::temp_dir("partition_" + tag);
  write_text(dir / "chip.json", tpusim::test::tiny_arch_json().dump());
  const json sys = {{"name", "ring4"}, {"chip", "chip.json"}, {"chips", 4},
                    {"topology", {{"kind", "torus"}, {"axes", {{{"name", "x"}, {"size", 4}, {"wraparound", true}}}}}},
                    {"link", {{"bandwidth_gb_per_s", 1}, {"latency_ns", 1000}}}};
  write_text(dir / "system.json", sys.dump());
  write_text(dir / "model.json", json{{"name", tag}, {"layers", layers}}.dump());
  write_text(dir / "par.json", parallelism.dump());
  return dir;
}

json run(const std::filesystem::path& dir, const std::string& extra = "") {
  const auto r = run_cli("run -q --arch " + (dir / "system.json").string() + " --workload " + (dir / "model.json").string() +
                             " --parallelism " + (dir / "par.json").string() + " " + extra + " --out " + (dir / "out").string(),
                         dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(read_text(dir / "out" / "system_report.json"));
}

const json& op(const json& report, const std::string& name) { return tpusim::test::named(report, name); }

}  // namespace

TEST_CASE("partition run: a data-parallel gradient all-reduce hides under the compute after it", "[system][partition]") {
  // dw: a weight gradient (k = tokens 16 / dp 4 = 4) of 8192 B; big: 256 / 4 = 64 rows x 64 x 64
  // on a 4x4 array, at least 64 x 64 x 64 / 16 = 16384 cycles = 16.4 us.
  const json layers = {{{"name", "dw"}, {"op", "gemm"}, {"m", 8}, {"n", 8}, {"k", 16}, {"data_dim", "k"},
                        {"gradient_bytes", 8192}},
                       {{"name", "big"}, {"op", "gemm"}, {"m", 256}, {"n", 64}, {"k", 64}}};
  const auto dir = setup("dp_overlap", layers, {{"dp", {{"degree", 4}, {"axes", {"x"}}}}});
  const json r = run(dir);
  // The torus algorithm on one ring: a bidirectional ring, 2 (p - 1) = 6 steps of
  // 1 us + 8192 / (2 x 4) B / 1 GB/s = 2.024 us: 12.144 us.
  const json& ar = op(r, "dw/dp_grad_all_reduce");
  CHECK(ar["start_ps"] == op(r, "dw")["end_ps"]);
  CHECK(ar["end_ps"].get<uint64_t>() - ar["start_ps"].get<uint64_t>() == 6 * (1000000 + 1024000));
  const uint64_t big_end = r["chip"]["layers"][1]["end_cycle"].get<uint64_t>() * 1000;
  REQUIRE(big_end >= ar["end_ps"].get<uint64_t>());
  CHECK(r["exposed_communication_ps"] == 0);
  CHECK(r["hidden_communication_ps"].get<uint64_t>() == 6 * (1000000 + 1024000));
  // The chip ran one data-parallel share: m 256 / 4.
  CHECK(r["chip"]["layers"][1]["gemm"]["m"] == 64);
}

TEST_CASE("partition run: pipeline stages with microbatches", "[system][partition]") {
  // pp 4 on x, 8 microbatches; one 8x8x8 GEMM per stage and microbatch. The hand-over is its
  // output, 8 x 8 x 2 B = 128 B, sent to the next chip: 1 us + 128 ns.
  const json layers = {{{"name", "g"}, {"op", "gemm"}, {"m", 8}, {"n", 8}, {"k", 8}}};
  const auto dir = setup("pp", layers, {{"pp", {{"degree", 4}, {"axes", {"x"}}}}, {"microbatches", 8}, {"schedule", "gpipe"}});
  const json r = run(dir);
  const json& p = r["pipeline"];
  const uint64_t stage = r["step_ps"].get<uint64_t>();
  CHECK(p["stage_ps"] == stage);
  CHECK(p["send_bytes"] == 128);
  CHECK(p["p2p_ps"] == 1128000);
  // (m + p - 1) x stage + 2 (p - 1) x p2p.
  CHECK(p["step_ps"].get<uint64_t>() == 11 * stage + 6 * 1128000);
  CHECK(p["bubble_fraction"].get<double>() == Approx(3.0 / 11));
  CHECK(p["microbatches_in_flight"] == 8);
}

TEST_CASE("partition run: bad parallelism is a one-line error", "[system][partition][errors]") {
  const json layers = {{{"name", "g"}, {"op", "gemm"}, {"m", 8}, {"n", 8}, {"k", 8}}};
  const auto dir = setup("bad", layers, {{"dp", {{"degree", 2}, {"axes", {"x"}}}}});
  auto r = run_cli("run -q --arch " + (dir / "system.json").string() + " --workload " + (dir / "model.json").string() +
                       " --parallelism " + (dir / "par.json").string(), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("par.json: /dp/degree: must equal the product of its axes' sizes (4), got 2") != std::string::npos);
  r = run_cli("run -q --arch " + (dir / "chip.json").string() + " --workload " + (dir / "model.json").string() +
                  " --parallelism " + (dir / "par.json").string(), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpusim: --parallelism, --repeat, --allow-memory-overflow: need a system as --arch (configs/systems/)\n");
}

// The wall time of the step itself (issue 14: under 2 s) is a benchmark figure, scripts/bench.sh
// ("training step, tpu_v4_pod dp 4096"), not an assertion here: a wall-clock bound fails on a
// loaded machine or under the sanitizers (2.39 s under ASan beside two fuzzers). What this case
// asserts is the symmetry, a ratio of two runs on the same machine: 4096 chips cost at most ten
// times 8 chips, because one chip and one group per collective are simulated, not 4096.
TEST_CASE("partition run: a 64-layer training step on 4096 chips costs about as much as on 8",
          "[system][partition][speed]") {
  const auto dir = tpusim::test::temp_dir("partition_speed");
  auto gen = [&](int batch) {
    const std::string out = (dir / ("t" + std::to_string(batch) + ".json")).string();
    REQUIRE(std::system(("python3 " + source_path("scripts/gen_transformer_train.py") + " --batch " +
                         std::to_string(batch) + " -o " + out).c_str()) == 0);
    return out;
  };
  auto timed = [&](const std::string& args) {
    const auto t0 = std::chrono::steady_clock::now();
    // A 12.9e9-parameter model with its Adam state does not fit a 32 GiB chip by data parallelism
    // alone (sim/system/README.md, "Memory"): this test times the step, so it runs anyway.
    const auto r = run_cli("run -q " + args + " --repeat 64 --allow-memory-overflow", dir);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  write_text(dir / "dp4096.json", json{{"dp", {{"degree", 4096}, {"axes", {"x", "y", "z"}}}}}.dump());
  write_text(dir / "dp8.json", json{{"dp", {{"degree", 8}, {"axes", {"x", "y", "z"}}}}}.dump());
  write_text(dir / "tp.json", json{{"dp", {{"degree", 256}, {"axes", {"y", "z"}}}}, {"tp", {{"degree", 16}, {"axes", {"x"}}}}}.dump());
  const std::string pod = source_path("configs/systems/tpu_v4_pod.json");
  std::string eight = source_path("configs/systems/tpu_v4_4x4x4.json") + " --set /chips=8";
  for (int a = 0; a < 3; ++a)
    eight += " --set /topology/axes/" + std::to_string(a) + "/size=2 --set /topology/axes/" + std::to_string(a) +
             "/wraparound=false";
  const double t4096 = timed("--arch " + pod + " --workload " + gen(4096) + " --parallelism " + (dir / "dp4096.json").string());
  const double t8 = timed("--arch " + eight + " --workload " + gen(8) + " --parallelism " + (dir / "dp8.json").string());
  const double ttp = timed("--arch " + pod + " --workload " + gen(256) + " --parallelism " + (dir / "tp.json").string());
  INFO("4096 chips " << t4096 << " s, 8 chips " << t8 << " s, tp 16 x dp 256 " << ttp << " s");
  CHECK(t4096 < 10 * t8 + 0.5);  // symmetry: one chip and one group per collective are simulated
  CHECK(ttp < 10 * t8 + 0.5);
}
