// Energy of a model run over the whole system (sim/llm/README.md "Energy"): the links' energy of
// the tp collectives derived by hand, every chip's compute and memory energy, the static power
// the chips spend waiting for exposed communication, and J per token with its split.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kChip = std::string(TPUSIM_SOURCE_DIR) + "/configs/tpu_v4_like_128x128.json";
const std::string kSystem = std::string(TPUSIM_SOURCE_DIR) + "/configs/systems/tpu_v5e_8x4.json";
const std::string kTiny = std::string(TPUSIM_SOURCE_DIR) + "/workloads/models/tiny_gqa.json";

json run_model(const std::string& arch, const json& scenario, const fs::path& dir) {
  fs::create_directories(dir);
  test::write_text(dir / "s.json", scenario.dump());
  const test::CliResult r = test::run_cli("run -q --arch " + arch + " --model " + kTiny + " --scenario " +
                                              (dir / "s.json").string() + " --out " + (dir / "out").string(),
                                          dir);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  return json::parse(test::read_text(dir / "out" / "report.json"));
}

double sum_of(const json& breakdown, bool (*pick)(const std::string&)) {
  double s = 0;
  for (const auto& [k, v] : breakdown.items())
    if (pick(k)) s += v.get<double>();
  return s;
}
bool is_compute(const std::string& k) { return k == "mac" || k == "pe_register" || k == "vector"; }
bool is_memory(const std::string& k) { return k == "dram" || k == "dma" || k.rfind("sram.", 0) == 0; }

}  // namespace

TEST_CASE("model energy: tp collectives' link energy by hand, every chip counted", "[models][cli][system][energy]") {
  // tiny_gqa (2 layers, hidden 256, vocabulary 1024, bf16) decoding one token for 8 sequences on
  // the 32 chips of tpu_v5e_8x4: tp 4 on axis y (a line of 4, no wraparound: the ring algorithm,
  // one hop per transfer), dp 8 on x, one sequence per chip.
  const fs::path dir = test::temp_dir("model_energy_system");
  const json rep = run_model(kSystem,
                             {{"name", "d"}, {"kind", "decode"}, {"batch", 8}, {"context", 127}, {"tokens", 1},
                              {"parallelism", {{"tp", 4}, {"dp", 8}}}},
                             dir);
  const json& t = rep["totals"];
  // Megatron's collectives of the step, per chip: an all-reduce of the layer output (1 token x
  // 256 x 2 bytes = 512 B) after attention and after the MLP of each of the 2 layers, one after
  // the vocabulary-split embedding: 5 all-reduces, each putting 2 (p-1)/p x 512 = 768 B on the
  // links (p = 4); the LM head's logits all-gathered: (p-1)/p x 1 x 1024 x 2 = 1536 B.
  // 5 x 768 + 1536 = 5376 B per chip, x 32 chips = 172032 B, x 8 bits x 5 pJ/bit = 6881280 pJ.
  const json& split = t["energy_split_pj"];
  CHECK(split["interconnect"].get<double>() == Approx(6881280.0).epsilon(1e-12));
  // Every chip runs the same shard: the system's compute and memory are 32 x one chip's.
  const json& chip = t["energy_breakdown_pj"];
  CHECK(split["compute"].get<double>() == Approx(32 * sum_of(chip, is_compute)).epsilon(1e-12));
  CHECK(split["memory"].get<double>() == Approx(32 * sum_of(chip, is_memory)).epsilon(1e-12));
  // While the collectives are exposed every chip waits and leaks: more static energy than 32 x
  // the chip runs' own (their static power x the exposed time, checked per block below).
  CHECK(t["communication_s"].get<double>() > 0);
  CHECK(split["static"].get<double>() > 32 * chip["static"].get<double>());
  // The one phase is the whole scenario.
  CHECK(rep["phases"]["decode"]["energy_split_pj"] == split);
  const double total = split["compute"].get<double>() + split["memory"].get<double>() +
                       split["interconnect"].get<double>() + split["static"].get<double>();
  CHECK(t["system_energy_pj"].get<double>() == Approx(total).epsilon(1e-12));
  // 8 generated tokens.
  CHECK(t["tokens"] == 8);
  CHECK(t["energy_per_token_j"].get<double>() == Approx(total * 1e-12 / 8).epsilon(1e-12));
  CHECK(t["energy_per_token_split_j"]["interconnect"].get<double>() == Approx(6881280.0e-12 / 8).epsilon(1e-12));
  CHECK(t["tokens_per_j"].get<double>() == Approx(8 / (total * 1e-12)).epsilon(1e-12));
  CHECK(t["average_power_w"].get<double>() == Approx(total * 1e-12 / t["seconds"].get<double>()).epsilon(1e-12));
  CHECK(t["system"] == "tpu_v5e_8x4");
}

TEST_CASE("model energy: on one chip the split is the chip's energy and no key is null", "[models][cli][energy]") {
  // A request (prefill of 16 tokens, 4 generated) on one chip: no links, no waits.
  const fs::path dir = test::temp_dir("model_energy_chip");
  const json rep = run_model(kChip, {{"name", "r"}, {"kind", "request"}, {"batch", 2}, {"prompt", 16}, {"tokens", 4}}, dir);
  const json& t = rep["totals"];
  const json& split = t["energy_split_pj"];
  CHECK(split["interconnect"].get<double>() == 0.0);
  CHECK(t["system_energy_pj"].get<double>() == Approx(t["energy_pj"].get<double>()).epsilon(1e-12));
  CHECK(split["static"].get<double>() == Approx(t["energy_breakdown_pj"]["static"].get<double>()).epsilon(1e-12));
  CHECK_FALSE(t.contains("system"));
  // The request's J per generated token counts its prefill; the decode phase's only the steps.
  CHECK(t["tokens"] == 8);
  CHECK(t["energy_per_token_j"].get<double>() == Approx(t["energy_pj"].get<double>() * 1e-12 / 8).epsilon(1e-12));
  const json& decode = rep["phases"]["decode"];
  CHECK(decode["energy_per_token_j"].get<double>() ==
        Approx(decode["energy_pj"].get<double>() * 1e-12 / 8).epsilon(1e-12));
  // The prefill phase per prompt token: 2 x 16.
  const json& prefill = rep["phases"]["prefill"];
  CHECK(prefill["energy_per_token_j"].get<double>() ==
        Approx(prefill["energy_pj"].get<double>() * 1e-12 / 32).epsilon(1e-12));
  // Decode steps 2..4 reuse the first step's dense part (same shapes): the copy says so, the
  // block simulated itself has no reused_from key at all.
  bool reused = false;
  for (const json& b : rep["blocks"]) {
    if (!b.contains("reused_from")) continue;
    reused = true;
    CHECK(b["reused_from"].is_string());
  }
  CHECK(reused);
}
