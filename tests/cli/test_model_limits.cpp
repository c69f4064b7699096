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
