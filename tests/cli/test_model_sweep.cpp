// Model sweeps (sim/sweep/README.md "Model sweeps"): a spec naming a model and a scenario with
// /scenario/... axes (batch, context, tp x dp), each row a `tpusim run --model --scenario
// --scenario-set`, and the latency/throughput Pareto front derived by dominance from the points.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/sweep/spec.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// Writes a decode scenario and a sweep spec of tiny_gqa over `axes` on `arch`; runs the sweep.
fs::path run_sweep(const fs::path& dir, const std::string& arch, const json& axes) {
  test::write_text(dir / "decode.json",
                   json{{"name", "d"}, {"kind", "decode"}, {"batch", 1}, {"context", 60}, {"tokens", 2}}.dump());
  test::write_text(dir / "spec.json", json{{"name", "model_sweep"},
                                           {"arch", test::source_path(arch)},
                                           {"model", test::source_path("workloads/models/tiny_gqa.json")},
                                           {"scenario", (dir / "decode.json").string()},
                                           {"axes", axes}}
                                          .dump());
  const auto r = test::run_cli("sweep " + (dir / "spec.json").string() + " -q --jobs 2 --out " + (dir / "out").string(), dir);
  REQUIRE(r.exit_code == 0);
  return dir / "out";
}

/// The points of DIR/pareto.csv (its first column).
std::set<uint64_t> pareto_points(const fs::path& out) {
  std::set<uint64_t> front;
  std::istringstream pareto(test::read_text(out / "pareto.csv"));
  std::string line;
  std::getline(pareto, line);  // the header
  while (std::getline(pareto, line)) front.insert(std::stoull(line.substr(0, line.find(','))));
  return front;
}

/// Dominance, by hand: a row is on the front when no other ok row has a latency as low and as
/// many tokens/s per chip, one of them strictly better.
std::set<uint64_t> front_by_hand(const std::vector<json>& rows) {
  std::set<uint64_t> front;
  for (const json& a : rows) {
    if (a["status"] != "ok") continue;
    bool dominated = false;
    for (const json& b : rows) {
      if (b["status"] != "ok" || &a == &b) continue;
      const double la = a["latency_s"], lb = b["latency_s"], ta = a["tokens_per_s_per_chip"], tb = b["tokens_per_s_per_chip"];
      if (lb <= la && tb >= ta && (lb < la || tb > ta)) dominated = true;
    }
    if (!dominated) front.insert(a["point"].get<uint64_t>());
  }
  return front;
}

}  // namespace

TEST_CASE("model sweep: batch and context axes, each row a run with --scenario-set", "[sweep][models][cli]") {
  const fs::path dir = test::temp_dir("model_sweep_chip");
  const fs::path out = run_sweep(dir, "configs/tpu_v4_like_128x128.json",
                                 {{{"path", "/scenario/batch"}, {"values", {1, 4, 16}}},
                                  {{"path", "/scenario/context"}, {"values", {60, 500}}}});
  const std::vector<json> rows = test::read_jsonl(out / "points.jsonl");
  REQUIRE(rows.size() == 6);
  const std::string header = test::read_text(out / "points.csv").substr(0, test::read_text(out / "points.csv").find('\n'));
  CHECK(header == "point,/scenario/batch,/scenario/context,workload,status,latency_s,time_to_first_token_s,"
                  "time_per_output_token_s,tokens_per_s,tokens_per_s_per_chip,mfu,energy_per_token_j,"
                  "memory_per_chip_bytes,fits,report");
  for (const json& r : rows) REQUIRE(r["status"] == "ok");
  // Row 5 (batch 16, context 500) equals tpusim run with the same scenario values.
  const auto run = test::run_cli("run -q --arch " + test::source_path("configs/tpu_v4_like_128x128.json") + " --model " +
                                     test::source_path("workloads/models/tiny_gqa.json") + " --scenario " +
                                     (dir / "decode.json").string() +
                                     " --scenario-set /batch=16 --scenario-set /context=500 --out " + (dir / "one").string(),
                                 dir);
  REQUIRE(run.exit_code == 0);
  const json t = json::parse(test::read_text(dir / "one" / "report.json"))["totals"];
  CHECK(rows[5]["/scenario/batch"] == 16);
  CHECK(rows[5]["latency_s"] == t["time_per_output_token_s"]);
  CHECK(rows[5]["tokens_per_s_per_chip"] == t["tokens_per_s_per_chip"]);
  CHECK(rows[5]["energy_per_token_j"] == t["energy_per_token_j"]);
  CHECK(rows[5]["memory_per_chip_bytes"] == t["memory_per_chip_bytes"]["total"]);
  // 16 sequences x 2 steps generate 32 tokens.
  CHECK(rows[5]["tokens_per_s"].get<double>() == Approx(32 / t["seconds"].get<double>()).epsilon(1e-12));
  // The front in pareto.csv is the dominance front of the points.
  const std::set<uint64_t> front = pareto_points(out);
  CHECK(front == front_by_hand(rows));
  CHECK_FALSE(front.empty());
  // A longer context reads more KV cache per token at the same batch: never faster.
  for (size_t b = 0; b < 3; ++b) CHECK(rows[2 * b + 1]["latency_s"].get<double>() >= rows[2 * b]["latency_s"].get<double>());
}

TEST_CASE("model sweep: tp x dp as a linked axis on a system; a split the model cannot take is a failed row",
          "[sweep][models][cli][system]") {
  // tpu_v5e_8x4 (32 chips): tp 4 x dp 8 or tp 32 x dp 1 (uneven head shares rounded up), batch 4
  // or 32: dp 8 does not divide a batch of 4, which is that row's error.
  const fs::path dir = test::temp_dir("model_sweep_system");
  const fs::path out = run_sweep(dir, "configs/systems/tpu_v5e_8x4.json",
                                 {{{"paths", {"/scenario/parallelism/tp", "/scenario/parallelism/dp"}},
                                   {"values", {{4, 8}, {32, 1}}}},
                                  {{"path", "/scenario/batch"}, {"values", {4, 32}}}});
  const std::vector<json> rows = test::read_jsonl(out / "points.jsonl");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0]["status"].get<std::string>().find("/parallelism/dp: degree 8 does not divide the batch (4)") !=
        std::string::npos);
  CHECK(rows[0]["latency_s"].is_null());
  CHECK(rows[0]["report"].is_null());
  for (size_t i : {1, 2, 3}) CHECK(rows[i]["status"] == "ok");
  // The same 32 sequences on 32 chips: tp 32 x dp 1 gives every chip all 32 (1/32 of each
  // layer), tp 4 x dp 8 gives each chip 4; tokens/s per chip = tokens/s / 32 in both.
  for (size_t i : {1, 3})
    CHECK(rows[i]["tokens_per_s_per_chip"].get<double>() == Approx(rows[i]["tokens_per_s"].get<double>() / 32));
  const std::set<uint64_t> front = pareto_points(out);
  CHECK(front == front_by_hand(rows));
}

TEST_CASE("model sweep: spec errors", "[sweep][models]") {
  auto err = [](const json& doc) {
    try {
      (void)sweep::parse_sweep_spec(doc, "s.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const json axes = {{{"path", "/scenario/batch"}, {"values", {1}}}};
  CHECK(err({{"name", "t"}, {"arch", "a.json"}, {"workloads", {"w.json"}}, {"axes", axes}}) ==
        "s.json: /axes/0/path: \"/scenario/batch\" sets the scenario: only in a sweep with \"model\" and \"scenario\"");
  CHECK(err({{"name", "t"}, {"arch", "a.json"}, {"model", "m.json"}, {"scenario", "s.json"}, {"workloads", {"w.json"}},
             {"axes", axes}}) ==
        "s.json: /workloads: not with \"model\" and \"scenario\" (a model sweep runs the scenario)");
  CHECK(err({{"name", "t"}, {"arch", "a.json"}, {"model", "m.json"}, {"axes", axes}}).find("/scenario") !=
        std::string::npos);
}
