// Model runs through the real CLI (tpusim run --model --scenario): a decode step's DRAM bytes
// and a prefill's MACs derived by hand for a small model, memoized totals equal to simulating
// every copy, and bad input exiting 2 with one line and no report.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kArch = std::string(TPUSIM_SOURCE_DIR) + "/configs/tpu_v4_like_128x128.json";
const std::string kTiny = std::string(TPUSIM_SOURCE_DIR) + "/workloads/models/tiny_gqa.json";

/// Runs a scenario on the tiny model (workloads/models/tiny_gqa.json: 2 layers, hidden 256,
/// 4 heads of 64 in 2 K/V groups, gated MLP of 512, vocabulary 1024, bf16) and returns report.json.
json run_tiny(const json& scenario, const fs::path& dir, const std::string& extra = "") {
  fs::create_directories(dir);
  test::write_text(dir / "s.json", scenario.dump());
  const test::CliResult r = test::run_cli("run -q --arch " + kArch + " --model " + kTiny + " --scenario " +
                                              (dir / "s.json").string() + " --out " + (dir / "out").string() + extra,
                                          dir);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  return json::parse(test::read_text(dir / "out" / "report.json"));
}

std::string fmt_case(int tp, int dp, int batch) {
  return "tp" + std::to_string(tp) + "_dp" + std::to_string(dp) + "_b" + std::to_string(batch);
}

const json* block(const json& report, const std::string& name) {
  for (const json& b : report["blocks"])
    if (b["name"] == name) return &b;
  return nullptr;
}

/// A system of 4 tpu_v4_like_128x128 chips for the parallelism tests (links of 100 GB/s one way,
/// 1 us a hop, efficiency 1), on the given axes ({name, size, wraparound} objects).
fs::path write_test_system(const fs::path& dir, const json& axes) {
  const std::string chip = std::string(TPUSIM_SOURCE_DIR) + "/configs/tpu_v4_like_128x128.json";
  const fs::path path = dir / "system.json";
  test::write_text(path, json{{"name", "test4"}, {"source", "test"}, {"chip", chip}, {"chips", 4},
                              {"topology", {{"kind", "torus"}, {"axes", axes}}},
                              {"link", {{"bandwidth_gb_per_s", 100}, {"latency_ns", 1000}, {"efficiency", 1},
                                        {"energy_pj_per_bit", 5}}}}
                             .dump());
  return path;
}

const json kTorus2x2 = json::array({{{"name", "x"}, {"size", 2}, {"wraparound", false}},
                                     {{"name", "y"}, {"size", 2}, {"wraparound", false}}});

/// A prefill of `batch` sequences of `prompt` tokens of `model` on `system` under `par`, into
/// dir/tag: the CLI's result.
test::CliResult run_prefill(const fs::path& dir, const fs::path& system, const std::string& model,
                            const std::string& tag, uint64_t batch, const json& par, uint64_t prompt = 64) {
  const json s = {{"name", tag}, {"kind", "prefill"}, {"batch", batch}, {"prompt", prompt}, {"parallelism", par}};
  test::write_text(dir / (tag + ".json"), s.dump());
  return test::run_cli("run -q --arch " + system.string() + " --model " + model + " --scenario " +
                           (dir / (tag + ".json")).string() + " --out " + (dir / tag).string(),
                       dir);
}

/// run_prefill's report.json (the run must succeed).
json prefill_report(const fs::path& dir, const fs::path& system, const std::string& model, const std::string& tag,
                    uint64_t batch, const json& par) {
  const test::CliResult r = run_prefill(dir, system, model, tag, batch, par);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(test::read_text(dir / tag / "report.json"));
}

}  // namespace

TEST_CASE("models: a decode step reads the weights and the whole KV cache once", "[models][cli]") {
  const fs::path dir = test::temp_dir("models_decode");
  // One step after 127 cached tokens: it appends its K and V and attends to 128 keys.
  const json rep = run_tiny({{"name", "d"}, {"kind", "decode"}, {"context", 127}, {"tokens", 1},
                             {"attention", {{"kv_block_tokens", 1}}}},
                            dir);
  // Weights per layer (bf16): QKV 256 x (4 + 2 x 2) x 64 = 131072, output 256 x 256 = 65536,
  // gate, up, down 3 x 256 x 512 = 393216: 589824 parameters, 1179648 bytes.
  // Activations read by the dense part, elements (every op reads its inputs from HBM, the chip
  // keeps no activations between ops): ln1 256, qkv 256, o_proj 256, residual1 2 x 256, ln2 256,
  // gate 256, act 512, up 256, gate_mul 2 x 512, down 512, residual2 2 x 256 = 4608 = 9216 bytes.
  const json* dense = block(rep, "decode.layer.dense");
  REQUIRE(dense != nullptr);
  CHECK((*dense)["repeat"] == 2);
  CHECK((*dense)["dram_read_bytes"] == 1179648 + 9216);
  // Written: every op's output once: 256 + 512 + 256 + 256 + 256 + 512 x 4 + 256 + 256 = 4096 elements.
  CHECK((*dense)["dram_write_bytes"] == 4096 * 2);
  // The KV cache, read once: K and V of 128 tokens x 2 groups x 64 = 2 x 16384 elements = 65536
  // bytes; plus Q (2 groups x 2 heads x 64 = 256), the scores into softmax (4 heads x 128 = 512)
  // and the probabilities into P V (512): 1280 elements.
  const json* attn = block(rep, "decode.layer.attention.kv128");
  REQUIRE(attn != nullptr);
  CHECK((*attn)["dram_read_bytes"] == 65536 + 1280 * 2);
  // LM head: its weights 256 x 1024 once, the final norm's input and the head's input (256 each).
  const json* head = block(rep, "decode.lm_head");
  REQUIRE(head != nullptr);
  CHECK((*head)["dram_read_bytes"] == 256 * 1024 * 2 + 512 * 2);
  // The embedding gathers one row of 256.
  const json* embed = block(rep, "decode.embed");
  REQUIRE(embed != nullptr);
  CHECK((*embed)["dram_read_bytes"] == 512);
  // The step: weights (2 layers + head) + KV cache of both layers + activations.
  CHECK(rep["totals"]["dram_read_bytes"] == 2 * (1179648 + 9216) + 2 * (65536 + 2560) + 525312 + 512);
  CHECK(rep["totals"]["memory_per_chip_bytes"]["kv_cache"] == 2 * 2 * 2 * 64 * 128 * 2);
  CHECK(rep["totals"]["time_per_output_token_s"] == rep["totals"]["seconds"]);
}

TEST_CASE("models: a prefill's MACs, executed and needed by the model", "[models][cli]") {
  const fs::path dir = test::temp_dir("models_prefill");
  const json full = run_tiny({{"name", "p"}, {"kind", "prefill"}, {"batch", 2}, {"prompt", 64}}, dir / "full");
  // Dense part per layer: 2 x 64 = 128 rows x 589824 parameters = 75497472. Attention: Q K^T
  // and P V, each 2 groups x 2 sequences (count 4) of (2 heads x 64 rows) x 64 x 64 keys =
  // 2097152. LM head on the last token of each sequence: 2 x 256 x 1024 = 524288.
  const double dense = 128.0 * 589824, attention = 2 * 4 * 128.0 * 64 * 64, head = 2.0 * 256 * 1024;
  CHECK(full["totals"]["executed_macs"].get<double>() == 2 * (dense + attention) + head);
  // The model needs only the causal mask's unmasked pairs, 64 x 65 / 2 = 2080 per head:
  // 2 (Q K^T, P V) x 2 layers x 2 sequences x 4 heads x 64 x 2080.
  const double causal = 2.0 * 2 * 2 * 4 * 64 * 2080;
  CHECK(full["totals"]["model_macs"].get<double>() == 2 * dense + head + causal);
  CHECK(full["totals"]["time_to_first_token_s"] == full["totals"]["seconds"]);
  // Halved: a kernel that skips masked blocks works on ceil(65 / 2) = 33 keys per query.
  const json halved = run_tiny({{"name", "p"}, {"kind", "prefill"}, {"batch", 2}, {"prompt", 64},
                                {"attention", {{"causal", "halved"}}}},
                               dir / "halved");
  CHECK(halved["totals"]["executed_macs"].get<double>() == 2 * (dense + 2 * 4 * 128.0 * 64 * 33) + head);
  CHECK(halved["totals"]["model_macs"] == full["totals"]["model_macs"]);
}

TEST_CASE("models: memoized totals equal simulating every copy", "[models][cli]") {
  const fs::path dir = test::temp_dir("models_memo");
  // A request: prefill, then 3 decode steps each with its own KV length (kv_block_tokens 1).
  const json s = {{"name", "r"}, {"kind", "request"}, {"prompt", 16}, {"tokens", 3},
                  {"attention", {{"kv_block_tokens", 1}}}};
  const json memo = run_tiny(s, dir / "memo");
  const json all = run_tiny(s, dir / "all", " --no-memo");
  // Blocks: prefill embed, dense, attention, head; decode embed, dense, 3 attention, head.
  // Memoized: each distinct block once; the decode LM head (1 row) is the prefill's (the last
  // token of 1 sequence), so 9. Every copy: 1 + 2 + 2 + 1 + 3 + 6 + 2 x 3 + 3 = 24.
  CHECK(memo["simulations"] == 9);
  CHECK((*block(memo, "decode.lm_head"))["reused_from"] == "prefill.lm_head");
  CHECK(all["simulations"] == 24);
  // Integer counters exactly; energy is a sum of doubles in another order.
  for (const char* key : {"cycles", "executed_macs", "dram_read_bytes", "dram_write_bytes"})
    CHECK(memo["totals"][key] == all["totals"][key]);
  CHECK(memo["phases"]["prefill"]["cycles"] == all["phases"]["prefill"]["cycles"]);
  CHECK(memo["phases"]["decode"]["cycles"] == all["phases"]["decode"]["cycles"]);
  CHECK(memo["totals"]["time_per_output_token_s"] == all["totals"]["time_per_output_token_s"]);
  CHECK(memo["totals"]["energy_pj"].get<double>() == Approx(all["totals"]["energy_pj"].get<double>()).epsilon(1e-12));
}

TEST_CASE("models: bad model runs exit 2 with one line and no report", "[models][cli][errors]") {
  const fs::path dir = test::temp_dir("models_errors");
  test::write_text(dir / "s.json", json{{"name", "s"}, {"kind", "prefill"}, {"prompt", 16}}.dump());
  const std::string s = (dir / "s.json").string(), out = " --out " + (dir / "out").string();
  auto expect = [&](const std::string& args, const std::string& message) {
    const test::CliResult r = test::run_cli("run -q --arch " + kArch + " " + args + out, dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "tpusim: " + message + "\n");
    CHECK_FALSE(fs::exists(dir / "out" / "report.json"));
  };
  expect("--model " + kTiny, "--model: needs --scenario SCENARIO.json");
  expect("--scenario " + s, "--scenario: needs --model CONFIG.json");
  expect("--model " + kTiny + " --scenario " + s + " --workload x.json",
         "--workload: not with --model (a model run simulates generated blocks)");
  // 2 layers x 589824 + 2 x 256 x 1024 (embedding, head) + 5 x 256 norms = 1705216 parameters,
  // 3410432 bytes: more than a 1 MiB HBM. KV cache: 2 (K, V) x 2 layers x 2 groups x 64 x 16 x 2 bytes.
  const test::CliResult r = test::run_cli("run -q --arch " + kArch + " --set /dram/capacity_bytes=1048576 --model " +
                                              kTiny + " --scenario " + s + out,
                                          dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("tpusim: " + kArch + ": /dram/capacity_bytes: the scenario needs ", 0) == 0);
  CHECK(r.err.find("(weights 3410432, KV cache 16384,") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(dir / "out" / "report.json"));
}

TEST_CASE("models: PaLM 540B decode on 64 TPU v4 never beats the weight-streaming floor", "[models][cli][system]") {
  // Floor (shared/reference/README.md): every chip streams its share of the int8 weights each
  // step: 540.3e9 parameters x 1 byte / 64 chips / 1228.8e9 B/s (configs/tpu_v4.json) = 6.87 ms
  // (the reference's 7.0 ms uses 1.2 TB/s). Checked over batches and splits of the 64 chips.
  const fs::path dir = test::temp_dir("models_palm_floor");
  const std::string system = std::string(TPUSIM_SOURCE_DIR) + "/configs/systems/tpu_v4_4x4x4.json";
  const std::string palm = std::string(TPUSIM_SOURCE_DIR) + "/workloads/models/palm_540b.json";
  const double floor_s = 540.3e9 / 64 / 1228.8e9;
  for (const auto& [tp, dp, batch] : {std::tuple{64, 1, 1}, {64, 1, 64}, {16, 4, 4}, {16, 4, 64}}) {
    const fs::path d = dir / fmt_case(tp, dp, batch);
    fs::create_directories(d);
    test::write_text(d / "s.json", json{{"name", "palm"}, {"kind", "decode"}, {"batch", batch}, {"context", 1984},
                                        {"tokens", 4}, {"datatypes", {{"weights", "int8"}}},
                                        {"parallelism", {{"tp", tp}, {"dp", dp}}}, {"require_fit", false}}
                                       .dump());
    const test::CliResult r = test::run_cli("run -q --arch " + system + " --model " + palm + " --scenario " +
                                                (d / "s.json").string() + " --out " + (d / "out").string(),
                                            d);
    REQUIRE(r.exit_code == 0);
    const json t = json::parse(test::read_text(d / "out" / "report.json"))["totals"];
    INFO("tp " << tp << " dp " << dp << " batch " << batch);
    CHECK(t["time_per_output_token_s"].get<double>() >= floor_s);
    CHECK(t["chips"] == 64);
    // Each chip holds its tp share of the weights (rounded up where shares are uneven).
    CHECK(t["memory_per_chip_bytes"]["weights"].get<double>() >= 540.3e9 / tp);
  }
}

TEST_CASE("models: PaLM 540B decode on 64 TPU v4 within 25 % of the published 29 ms per token", "[models][cli][system]") {
  // Pope et al. 2023 (shared/reference/README.md): int8 weights, small batch, 2048 context, 64
  // chips: 29 ms per token. The shipped scenario and presets, nothing set.
  const fs::path dir = test::temp_dir("models_palm_decode");
  const std::string src = TPUSIM_SOURCE_DIR;
  const test::CliResult r =
      test::run_cli("run -q --arch " + src + "/configs/systems/tpu_v4_4x4x4.json --model " + src +
                        "/workloads/models/palm_540b.json --scenario " + src +
                        "/workloads/scenarios/palm540b_decode_64chip_int8.json --out " + (dir / "out").string(),
                    dir);
  REQUIRE(r.exit_code == 0);
  const double tpot = json::parse(test::read_text(dir / "out" / "report.json"))["totals"]["time_per_output_token_s"];
  WARN("PaLM 540B decode " << tpot * 1e3 << " ms per token");
  CHECK(tpot == Approx(29e-3).epsilon(0.25));
}

TEST_CASE("models: parallelism errors", "[models][cli][errors]") {
  const fs::path dir = test::temp_dir("models_par_errors");
  const std::string system = std::string(TPUSIM_SOURCE_DIR) + "/configs/systems/tpu_v4_4x4x4.json";
  auto err = [&](const std::string& arch, const json& par) {
    test::write_text(dir / "s.json", json{{"name", "s"}, {"kind", "prefill"}, {"batch", 64}, {"prompt", 16},
                                          {"parallelism", par}}
                                         .dump());
    const test::CliResult r = test::run_cli(
        "run -q --arch " + arch + " --model " + kTiny + " --scenario " + (dir / "s.json").string(), dir);
    CHECK(r.exit_code == 2);
    return r.err;
  };
  const std::string s = (dir / "s.json").string();
  CHECK(err(kArch, {{"tp", 2}}) == "tpusim: " + s + ": /parallelism: 2 chips need a system as --arch (configs/systems/), got the chip " + kArch + "\n");
  CHECK(err(system, {{"tp", 4}}) == "tpusim: " + s + ": /parallelism: the degrees multiply to 4 chips, the system " + system + " has 64\n");
  CHECK(err(system, {{"tp", 8}, {"dp", 8}}) == "tpusim: " + s + ": /parallelism: tp 8 x dp 8 must fill the system's axes, tp the fastest (last) ones: 64 chips in all, tp's axes give 16, the rest 4\n");
  // tp 32 is not a product of the fastest axes of a 4 x 4 x 4 torus.
  CHECK(err(system, {{"tp", 32}, {"dp", 2}}).find("tp's axes give 64, the rest 1") != std::string::npos);
  CHECK(err(system, {{"tp", 16}, {"dp", 3}}).find("the degrees multiply to 48 chips") != std::string::npos);
  // The tiny model has 2 layers: 8 stages cannot hold a layer each.
  CHECK(err(system, {{"tp", 8}, {"pp", 8}}).find("/parallelism/pp: degree 8: more pipeline stages than the model's 2 layers") !=
        std::string::npos);
}

TEST_CASE("models: a training step's optimizer update moves Adam's state once", "[models][cli]") {
  const fs::path dir = test::temp_dir("models_train");
  const json rep = run_tiny({{"name", "t"}, {"kind", "train_step"}, {"batch", 1}, {"sequence", 32}}, dir);
  // 1705216 parameters (2 layers x 589824 + embedding and head 2 x 262144 + 5 norms x 256). Read:
  // fp32 master weight and two moments (12 bytes) and the bf16 gradient (2); written: the three
  // and the bf16 working copy (14).
  const json* adam = block(rep, "train.optimizer");
  REQUIRE(adam != nullptr);
  CHECK((*adam)["dram_read_bytes"] == 1705216ull * 14);
  CHECK((*adam)["dram_write_bytes"] == 1705216ull * 14);
  // Forward + backward: 3 x the forward MACs the model needs (no recomputation here).
  const json& t = rep["totals"];
  CHECK(t["tokens"] == 32);
  const double dense = 32.0 * 589824, head = 32.0 * 256 * 1024, causal = 2.0 * 2 * 1 * 4 * 64 * (32 * 33 / 2);
  CHECK(t["model_macs"].get<double>() == 3 * (2 * dense + head + causal));
}

TEST_CASE("models: FSDP shards weights, gradients and Adam's state and overlaps its collectives", "[models][cli][system]") {
  // tiny_gqa (1705216 parameters, 589824 per layer: the test above) on the 32 chips of the
  // tpu_v5e_8x4 system, dp 32, one 32-token sequence per chip.
  const fs::path dir = test::temp_dir("models_fsdp");
  const std::string system = std::string(TPUSIM_SOURCE_DIR) + "/configs/systems/tpu_v5e_8x4.json";
  auto run = [&](bool fsdp, const std::string& tag) {
    const fs::path d = dir / tag;
    fs::create_directories(d);
    test::write_text(d / "s.json", json{{"name", "t"}, {"kind", "train_step"}, {"batch", 32}, {"sequence", 32},
                                        {"parallelism", {{"dp", 32}, {"fsdp", fsdp}}}}
                                       .dump());
    const test::CliResult r = test::run_cli("run -q --arch " + system + " --model " + kTiny + " --scenario " +
                                                (d / "s.json").string() + " --out " + (d / "out").string(),
                                            d);
    REQUIRE(r.exit_code == 0);
    return json::parse(test::read_text(d / "out" / "report.json"));
  };
  const json sharded = run(true, "fsdp"), replicated = run(false, "ddp");
  const json& mem = sharded["totals"]["memory_per_chip_bytes"];
  // bf16 weights: 1705216 x 2 / 32 = 106576 bytes, plus two layers gathered (running and
  // prefetched): 2 x 589824 x 2 = 2359296. Gradients bf16 / 32; Adam's two moments and the fp32
  // master: 1705216 x 12 / 32 = 639456.
  CHECK(mem["weights"] == 106576u + 2359296u);
  CHECK(mem["gradients"] == 106576u);
  CHECK(mem["optimizer"] == 639456u);
  CHECK(replicated["totals"]["memory_per_chip_bytes"]["weights"] == 1705216u * 2);
  // Each chip updates its 1705216 / 32 = 53288 parameters: 14 bytes read and written per parameter.
  const json* adam = block(sharded, "train.optimizer");
  REQUIRE(adam != nullptr);
  CHECK((*adam)["dram_read_bytes"] == 53288u * 14);
  CHECK((*adam)["dram_write_bytes"] == 53288u * 14);
  // Replicated data parallelism all-reduces the gradients after the backward pass (exposed);
  // FSDP gathers and reduce-scatters per layer beside the compute: hidden up to each block's time.
  CHECK((*block(replicated, "train.optimizer"))["communication_s"].get<double>() > 0);
  CHECK((*adam)["communication_s"] == 0.0);
  for (const char* name : {"train.layer.dense", "train.layer.dense.backward", "train.lm_head"}) {
    const json* b = block(sharded, name);
    REQUIRE(b != nullptr);
    INFO(name);
    CHECK((*b)["hidden_communication_s"].get<double>() > 0);
    CHECK((*b)["hidden_communication_s"].get<double>() <= (*b)["seconds"].get<double>());
  }
  // Same compute per chip, the step no longer pays the gradients' all-reduce.
  CHECK((*block(sharded, "train.layer.dense"))["cycles"] == (*block(replicated, "train.layer.dense"))["cycles"]);
  CHECK(sharded["totals"]["seconds"].get<double>() < replicated["totals"]["seconds"].get<double>());
}

TEST_CASE("models: fused attention keeps the scores on chip (bytes derived by hand)", "[models][cli][attention]") {
  // Prefill of 512 tokens on the tiny model: per layer the attention core has 2 K/V groups of 2
  // query heads, so m = 2 x 512 = 1024 query rows per group, k = 64, n = 512 keys, count = 2
  // (bf16, 2 bytes). Unfused, the scores and probabilities (1024 x 512 x 2 each, 2 MiB) are
  // stored and the context (1024 x 64 x 2, 256 KiB) too: 2 x 2097152 + 262144 = 4456448 bytes
  // written. Fused, only the context: 262144. Four 1 MiB score tiles fit the preset's 16 MiB
  // VMEM, so a group is one block: Q (262144 B), K and V (512 x 64 x 2 x 2 = 131072 B each) are
  // read once: 524288 bytes. The model's MACs (MFU's numerator) do not change.
  const json base = {{"name", "p"}, {"kind", "prefill"}, {"prompt", 512}};
  json fused = base;
  fused["attention"] = {{"fused", true}};
  const json u = run_tiny(base, test::temp_dir("models_attn_unfused"));
  const json f = run_tiny(fused, test::temp_dir("models_attn_fused"));
  const json* ua = block(u, "prefill.layer.attention");
  const json* fa = block(f, "prefill.layer.attention");
  REQUIRE(ua != nullptr);
  REQUIRE(fa != nullptr);
  CHECK((*ua)["dram_write_bytes"] == 4456448);
  CHECK((*fa)["dram_write_bytes"] == 262144);
  CHECK((*fa)["dram_read_bytes"] == 524288);
  CHECK((*fa)["macs"] == (*ua)["macs"]);
  CHECK(f["totals"]["model_macs"] == u["totals"]["model_macs"]);
  // HBM round trips of 8 MiB per layer were most of the unfused core's time.
  CHECK((*fa)["seconds"].get<double>() < (*ua)["seconds"].get<double>());
  CHECK(f["totals"]["time_to_first_token_s"].get<double>() < u["totals"]["time_to_first_token_s"].get<double>());
}

TEST_CASE("models: expert parallelism splits the experts and adds two all-to-alls per MoE layer", "[models][cli][system]") {
  // tests/data/models/tiny_moe.json: 2 layers, hidden 256, 4 experts (gated MLP of 512), top-2,
  // bf16. A prefill of 4 sequences of 64 tokens on a ring of 4 chips, dp 4 against ep 4: every
  // chip has one sequence (n = 64 tokens) either way.
  //  - dp 4: a chip routes its own 64 x 2 = 128 token-expert pairs over the 4 experts (32 tokens
  //    each) and holds all 4.
  //  - ep 4: the group's 4 x 128 = 512 pairs over 4 experts, 128 tokens each; a chip holds and
  //    runs one: the same expert MACs per chip (4 x 32 = 1 x 128 rows of 3 x 256 x 512).
  //  - Weights per chip: 3 experts fewer per layer under ep: 2 x 3 x (3 x 256 x 512) x 2 B.
  //  - Collectives: none for dp inference; ep: per copy of the dense part 2 all-to-alls of
  //    64 tokens x 2 rows x 256 x 2 B = 65536 B each. On a bidirectional ring of p = 4
  //    (arch/interconnect/README.md): R = 2 steps, step(2S/4) + step(S/4) = 2 a + 3 S / (4 B);
  //    a = 1 us, B = 100 GB/s: 2 us + 491.52 ns = 2.49152 us; two of them 4.98304 us.
  const fs::path dir = test::temp_dir("models_ep");
  const std::string moe = std::string(TPUSIM_SOURCE_DIR) + "/tests/data/models/tiny_moe.json";
  const fs::path sys = write_test_system(dir, json::array({{{"name", "x"}, {"size", 4}, {"wraparound", true}}}));
  const json dp = prefill_report(dir, sys, moe, "dp4", 4, {{"dp", 4}});
  const json ep = prefill_report(dir, sys, moe, "ep4", 4, {{"ep", 4}});
  const json* dpd = block(dp, "prefill.layer.dense");
  const json* epd = block(ep, "prefill.layer.dense");
  REQUIRE(dpd != nullptr);
  REQUIRE(epd != nullptr);
  CHECK((*dpd)["macs"] == (*epd)["macs"]);
  CHECK(dp["totals"]["memory_per_chip_bytes"]["weights"].get<uint64_t>() -
            ep["totals"]["memory_per_chip_bytes"]["weights"].get<uint64_t>() ==
        2ULL * 3 * (3 * 256 * 512) * 2);
  CHECK((*dpd)["communication_s"].get<double>() == 0);
  CHECK((*epd)["communication_s"].get<double>() == Approx(4.98304e-6).epsilon(1e-9));
  CHECK(ep["totals"]["ep_axes"] == json::array({"x"}));
  CHECK(ep["totals"]["model_macs"] == dp["totals"]["model_macs"]);
  // A dense model refuses expert parallelism in one line, before any simulation.
  const test::CliResult dense = run_prefill(dir, sys, kTiny, "e", 4, {{"ep", 4}});
  CHECK(dense.exit_code == 2);
  CHECK(dense.err.find("/parallelism/ep: degree 4: expert parallelism splits a mixture of experts") != std::string::npos);
  CHECK(std::count(dense.err.begin(), dense.err.end(), '\n') == 1);
  CHECK(!fs::exists(dir / "e" / "report.json"));
}

TEST_CASE("models: pipeline parallelism runs m + pp - 1 stage times and sends at stage boundaries", "[models][cli][system]") {
  // The tiny model (2 layers) on a 2 x 2 torus: dp 4 against dp 2 x pp 2 with 2 microbatches. A
  // prefill of 4 sequences of 64 tokens: under dp 4 each chip runs 1 sequence through both layers;
  // under pp each chip's 2 sequences go through its 1 layer as 2 microbatches of 1 sequence, so
  // every block simulates the same shapes (1 x 64 rows).
  //  - Copies: layer blocks 2 (dp) against 1 layer x (m + pp - 1 = 3) = 3 (pp); the LM head 1
  //    against m = 2; the embedding 1 in both.
  //  - The embedding's copy carries pp - 1 = 1 send of a microbatch's activations, 64 x 256 x 2 B
  //    = 32768 B, over pp's axis (x, the slowest; dp takes y): send_recv is step(S) = a + S / B =
  //    1 us + 327.68 ns (arch/interconnect/README.md).
  //  - Memory per chip: one layer's weights fewer, (256 x 8 x 64 + 256 x 256 + 3 x 256 x 512 +
  //    2 x 256) x 2 B = 1180672 B; the KV cache equal (half the layers, twice the sequences):
  //    2 x 2 x 2 x 64 x 1 x 64 x 2 B = 65536 B.
  const fs::path dir = test::temp_dir("models_pp");
  const fs::path sys = write_test_system(dir, kTorus2x2);
  const auto run = [&](const std::string& tag, const json& par) { return run_prefill(dir, sys, kTiny, tag, 4, par); };
  const json dp = prefill_report(dir, sys, kTiny, "dp4", 4, {{"dp", 4}});
  const json pp = prefill_report(dir, sys, kTiny, "pp2", 4, {{"dp", 2}, {"pp", 2}, {"microbatches", 2}});
  for (const char* name : {"prefill.layer.dense", "prefill.layer.attention", "prefill.lm_head", "prefill.embed"}) {
    INFO(name);
    REQUIRE(block(dp, name) != nullptr);
    REQUIRE(block(pp, name) != nullptr);
    CHECK((*block(dp, name))["cycles"] == (*block(pp, name))["cycles"]);
  }
  CHECK((*block(dp, "prefill.layer.dense"))["repeat"] == 2);
  CHECK((*block(pp, "prefill.layer.dense"))["repeat"] == 3);
  CHECK((*block(pp, "prefill.layer.attention"))["repeat"] == 3);
  CHECK((*block(dp, "prefill.lm_head"))["repeat"] == 1);
  CHECK((*block(pp, "prefill.lm_head"))["repeat"] == 2);
  CHECK((*block(pp, "prefill.embed"))["repeat"] == 1);
  CHECK((*block(dp, "prefill.embed"))["communication_s"].get<double>() == 0);
  CHECK((*block(pp, "prefill.embed"))["communication_s"].get<double>() == Approx(1.32768e-6).epsilon(1e-9));
  CHECK(pp["totals"]["pp_axes"] == json::array({"x"}));
  CHECK(pp["totals"]["dp_axes"] == json::array({"y"}));
  const json& dm = dp["totals"]["memory_per_chip_bytes"];
  const json& pm = pp["totals"]["memory_per_chip_bytes"];
  CHECK(dm["weights"].get<uint64_t>() - pm["weights"].get<uint64_t>() == 1180672);
  CHECK(dm["kv_cache"] == 65536);
  CHECK(pm["kv_cache"] == 65536);
  CHECK(pp["totals"]["model_macs"] == dp["totals"]["model_macs"]);
  // Bad degrees, one line each before any simulation.
  const test::CliResult odd = run("odd", {{"dp", 2}, {"pp", 2}, {"microbatches", 3}});
  CHECK(odd.exit_code == 2);
  CHECK(odd.err.find("/parallelism/microbatches: 3 microbatches do not divide a chip's 2 sequences") != std::string::npos);
  const test::CliResult nopp = run("nopp", {{"dp", 4}, {"microbatches", 2}});
  CHECK(nopp.exit_code == 2);
  CHECK(nopp.err.find("/parallelism/microbatches: 2 microbatches pipeline a batch through pp stages; pp is 1") !=
        std::string::npos);
  const test::CliResult deep = run("deep", {{"pp", 4}});
  CHECK(deep.exit_code == 2);
  CHECK(deep.err.find("/parallelism/pp: degree 4: more pipeline stages than the model's 2 layers") != std::string::npos);
}

TEST_CASE("models: sequence parallelism splits the tokens and gathers K and V", "[models][cli][system]") {
  // The tiny model on a 2 x 2 torus (lines of 2, no wraparound): dp 4 with 4 sequences of 64
  // tokens (64 rows per chip) against sp 2 x dp 2 with 2 sequences (each chip 32 of a
  // sequence's 64 tokens).
  //  - The dense part and the attention's queries halve: their MACs per chip are half dp 4's
  //    (the attention's keys stay 64: every chip's queries attend to the whole prompt).
  //  - Per layer copy the attention gathers K and V from the sp group: 1 sequence x 64 tokens x
  //    2 (K, V) x 2 K/V heads x 64 x 2 B = 32768 B, an all-gather on a line of 2 (sp takes y,
  //    after tp's none): (p - 1) step(S / p) = 1 us + 16384 B / 100 GB/s = 1.16384 us.
  //  - The KV cache per chip halves: its share of the tokens.
  const fs::path dir = test::temp_dir("models_sp");
  const fs::path sys = write_test_system(dir, kTorus2x2);
  const json dp = prefill_report(dir, sys, kTiny, "dp4", 4, {{"dp", 4}});
  const json sp = prefill_report(dir, sys, kTiny, "sp2", 2, {{"dp", 2}, {"sp", 2}});
  for (const char* name : {"prefill.layer.dense", "prefill.layer.attention"}) {
    INFO(name);
    CHECK((*block(dp, name))["macs"].get<uint64_t>() == 2 * (*block(sp, name))["macs"].get<uint64_t>());
  }
  CHECK((*block(dp, "prefill.layer.attention"))["communication_s"].get<double>() == 0);
  CHECK((*block(sp, "prefill.layer.attention"))["communication_s"].get<double>() == Approx(1.16384e-6).epsilon(1e-9));
  CHECK(sp["totals"]["sp_axes"] == json::array({"y"}));
  CHECK(dp["totals"]["memory_per_chip_bytes"]["kv_cache"].get<uint64_t>() ==
        2 * sp["totals"]["memory_per_chip_bytes"]["kv_cache"].get<uint64_t>());
  // A degree that does not divide the prompt: one line, before any simulation.
  {
    const test::CliResult r = run_prefill(dir, sys, kTiny, "bad", 2, {{"dp", 2}, {"sp", 2}}, 63);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("/parallelism/sp: degree 2 does not divide the 63 tokens per sequence") != std::string::npos);
    CHECK(!fs::exists(dir / "bad" / "report.json"));
  }
  // The whole system's work (MFU's numerator) is the model's: half of 4 sequences' for 2.
  CHECK(dp["totals"]["model_macs"].get<double>() == Approx(2 * sp["totals"]["model_macs"].get<double>()).epsilon(1e-12));
}
