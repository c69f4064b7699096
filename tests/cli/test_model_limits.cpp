// Limits of model runs (issue 15's loose ends, issue 16): a model run's blocks are held to the
// same work limit as a workload (--max-folds), a model or scenario too large for the workload
// format is refused naming its file and field (sim/models/limits.h), and a model sweep's
// scenario axes are judged once for the spec. Each through the real CLI: exit 2, exactly one
// stderr line, nothing on stdout, no output file. Expected figures derived in the comments.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Refusal {
  std::string err;  ///< stderr without "tpusim: " and the newline
};

/// Runs `tpusim ARGS --out DIR/out` and checks the one-line exit 2 with nothing written.
Refusal expect_refusal(const fs::path& dir, const std::string& args) {
  const fs::path out = dir / "out";
  fs::remove_all(out);
  const auto r = test::run_cli(args + " --out '" + out.string() + "'", dir);
  INFO("tpusim " << args << "\n" << r.err);
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.rfind("tpusim: ", 0) == 0);
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(out));
  const size_t start = std::min(r.err.size(), std::string("tpusim: ").size());
  return {r.err.substr(start, r.err.empty() ? 0 : r.err.size() - start - 1)};
}

/// workloads/models/tiny_gqa.json with some fields changed, written to DIR/NAME.
std::string tiny_with(const fs::path& dir, const std::string& name, const json& changes) {
  json m = json::parse(test::read_text(test::source_path("workloads/models/tiny_gqa.json")));
  m.update(changes);
  test::write_text(dir / name, m.dump());
  return (dir / name).string();
}

const std::string kV4 = test::source_path("configs/tpu_v4.json");

}  // namespace

TEST_CASE("model limits: --max-folds applies to each block of a model run before any simulation",
          "[models][llm][errors][cli]") {
  // GPT-2 training on 10^6 sequences of 1024 tokens: the dense block's GEMMs stream
  // 1e6 x 1024 = 1.024e9 rows through 6 x 24 folds of 128 x 128 (k = 768, n = 3072 for the MLP's
  // up projection alone), far above 10^7 folds. Before the limit applied to model blocks this
  // ran for minutes with no answer; now the first block over it is named and nothing runs.
  const fs::path dir = test::temp_dir("model_limit_folds");
  const std::string args = "run -q --arch " + kV4 + " --model " + test::source_path("workloads/models/gpt2.json") +
                           " --scenario " + test::source_path("workloads/scenarios/train_b8_s2048_selective.json") +
                           " --scenario-set /batch=1000000 --scenario-set /sequence=1024 --scenario-set /require_fit=false";
  const Refusal r = expect_refusal(dir, args);
  CHECK(r.err.rfind("--max-folds 10000000: generated block train.layer.dense: the run would step ", 0) == 0);
  CHECK(r.err.find("above the limit; use a larger array or buffer, or raise --max-folds (0 = no limit)") !=
        std::string::npos);
  // The option's own value is the one named: a limit of 1 refuses the shipped batch of 8 at its
  // first block, the embedding: 8 x 1024 x 768 = 6291456 bf16 elements read and as many written,
  // 2 x 12.6 MB, more than the half of the double-buffered 32 MiB VMEM a chunk may use: 2 chunks.
  const Refusal low = expect_refusal(dir, "run -q --arch " + kV4 + " --model " +
                                              test::source_path("workloads/models/gpt2.json") + " --scenario " +
                                              test::source_path("workloads/scenarios/train_b8_s2048_selective.json") +
                                              " --scenario-set /sequence=1024 --max-folds 1");
  CHECK(low.err ==
        "--max-folds 1: generated block train.embed: the run would step 2 folds and vector chunks (the largest layer, "
        "\"embed\", 2), above the limit; use a larger array or buffer, or raise --max-folds (0 = no limit)");
}

TEST_CASE("model limits: a model too large for the workload format names its file and field",
          "[models][errors][cli]") {
  const fs::path dir = test::temp_dir("model_limit_sizes");
  const std::string train = test::source_path("workloads/scenarios/train_b8_s2048_selective.json");
  auto run = [&](const std::string& model, const std::string& scenario) {
    return expect_refusal(dir, "run -q --arch " + kV4 + " --model " + model + " --scenario " + scenario);
  };
  // Parameters: tiny_gqa (4 heads, 2 K/V heads of 64, gated MLP, untied 1024-token vocabulary)
  // at hidden = intermediate = 2^24 and 2^24 layers. One layer: attention hidden x (4 + 2 x 2) x
  // 64 + 4 x 64 x hidden = 768 x 2^24 = 1.288e10, MLP 3 x 2^24 x 2^24 = 8.444e14, together
  // 844437815033856 = 8.444e14; x 2^24 layers = 1.417e22, with embeddings 2 x 1024 x 2^24 =
  // 3.436e10: above 2^55 = 3.6e16.
  const std::string params = tiny_with(dir, "params.json", {{"hidden_size", 1 << 24}, {"intermediate_size", 1 << 24},
                                                           {"layers", 1 << 24}});
  CHECK(run(params, train).err ==
        params + ": /layers: the model would have 1.417e+22 parameters (16777216 layers of 8.444e+14, embeddings "
                 "3.436e+10), more than the 2^55 a model may have (the optimizer step's vector op over them must fit "
                 "the workload format, sim/models/README.md \"Limits\")");
  // A dimension: 256 heads and 256 K/V heads of 2^24 make a QKV width of (256 + 512) x 2^24 =
  // 1.288e10 columns, above the format's 2^32 = 4.29e9 per dimension.
  const std::string qkv = tiny_with(dir, "qkv.json", {{"heads", 256}, {"kv_heads", 256}, {"head_dim", 1 << 24}});
  CHECK(run(qkv, train).err ==
        qkv + ": /head_dim: the QKV projection's width (heads + 2 x kv_heads) x head_dim = (256 + 2 x 256) x 16777216 "
              "= 1.288e+10 is more than the workload format's 2^32 per dimension");
  // With the scenario: hidden = intermediate = 2^24 in 2 layers is 1.689e15 parameters (allowed),
  // but a training step of 8 x 2048 = 16384 rows is 3 passes x [16384 x 2 layers x 844437815033856
  // + attention 2 x 2 layers x 16384 x 4 heads x 64 x 2048 keys] = 8.301e19 MACs, above the 2^62 =
  // 4.6e18 the per-chip totals hold; the MLP (8.4e14 of a layer's 8.4e14 parameters) is why.
  const std::string macs = tiny_with(dir, "macs.json", {{"hidden_size", 1 << 24}, {"intermediate_size", 1 << 24}});
  CHECK(run(macs, train).err ==
        macs + ": /intermediate_size: with " + train +
            ": batch 8 x 2048 tokens, the scenario would be about 8.301e+19 MACs on a chip, more than the 2^62 its "
            "64-bit totals hold");
  // The scenario alone: 2^24 sequences of 2^24 tokens are 2^48 = 2.815e14 rows of every GEMM.
  const std::string rows = (dir / "rows.json").string();
  test::write_text(rows, json{{"name", "p"}, {"kind", "prefill"}, {"batch", 1 << 24}, {"prompt", 1 << 24}}.dump());
  CHECK(run(test::source_path("workloads/models/tiny_gqa.json"), rows).err ==
        rows + ": /batch: batch 16777216 x 16777216 tokens = 2.815e+14 rows, more than the workload format's 2^32 per "
               "dimension (a pass's rows are every GEMM's m)");
  // A block the limits let through but the format cannot hold (2^20 heads of one dimension over
  // 8192 tokens: the softmax's 2^20 x 8192 = 2^33 rows) names the model and scenario files first.
  const std::string heads = tiny_with(dir, "heads.json", {{"heads", 1 << 20}, {"kv_heads", 1 << 20}, {"head_dim", 1},
                                                         {"max_position_embeddings", 8192}});
  const std::string long_prompt = (dir / "long.json").string();
  test::write_text(long_prompt, json{{"name", "p"}, {"kind", "prefill"}, {"prompt", 8192}, {"require_fit", false}}.dump());
  CHECK(run(heads, long_prompt).err.rfind(heads + " with " + long_prompt + ": generated block ", 0) == 0);
}

TEST_CASE("model limits: a model sweep's scenario axes are judged once for the spec", "[sweep][models][errors][cli]") {
  const fs::path dir = test::temp_dir("model_limit_sweep");
  const std::string scenario = (dir / "decode.json").string();
  test::write_text(scenario, json{{"name", "d"}, {"kind", "decode"}, {"batch", 1}, {"context", 60}, {"tokens", 2}}.dump());
  auto sweep = [&](const json& axes) {
    const std::string spec = (dir / "spec.json").string();
    test::write_text(spec, json{{"name", "s"},
                                {"arch", kV4},
                                {"model", test::source_path("workloads/models/tiny_gqa.json")},
                                {"scenario", scenario},
                                {"axes", axes}}
                               .dump());
    return expect_refusal(dir, "sweep " + spec + " -q --jobs 1").err;
  };
  const std::string spec = (dir / "spec.json").string();
  // A typo in the second axis' pointer: one error before any of the 4 points runs (it used to be
  // 4 failed rows in points.csv, each with the scenario's error).
  CHECK(sweep({{{"path", "/scenario/batch"}, {"values", {1, 2}}}, {{"path", "/scenario/contxt"}, {"values", {60, 500}}}}) ==
        spec + ": /axes/1/path: /scenario/contxt=60 does not make a valid scenario: " + scenario +
            ": /contxt: unknown key; allowed: attention, batch, context, datatypes, kind, name, notes, parallelism, "
            "require_fit, tokens");
  // A value no scenario can take, alone.
  CHECK(sweep({{{"path", "/scenario/batch"}, {"values", {1, 0}}}}) ==
        spec + ": /axes/0/path: /scenario/batch=0 does not make a valid scenario: " + scenario +
            ": /batch: must be an integer in [1, 16777216], got 0");
  // A pointer through a number.
  CHECK(sweep({{{"paths", {"/scenario/parallelism/tp", "/scenario/batch/x"}}, {"values", {{1, 2}}}}}) ==
        spec + ": /axes/0/paths/1: \"/scenario/batch/x\" does not lead through objects in the scenario " + scenario);
}
