// report.json carries numbers as JSON numbers (the mapper's tiles and folds, SCALE-Sim's GEMM,
// folds and percentages), with values derived by hand for a small GEMM.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::run_cli;
using tpusim::test::source_path;

namespace {

/// True when `text` reads as a decimal number as a whole ("32", "47638904832", "85.7").
bool looks_numeric(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return *end == '\0';
}

/// Every string under `j` that is a number in disguise, by its path.
void numeric_strings(const json& j, const std::string& path, std::vector<std::string>& out) {
  if (j.is_string() && looks_numeric(j.get<std::string>())) out.push_back(path + " = " + j.dump());
  if (j.is_object())
    for (const auto& [k, v] : j.items()) numeric_strings(v, path + "/" + k, out);
  if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) numeric_strings(j[i], path + "/" + std::to_string(i), out);
}

json run_report(const std::string& arch, const std::string& workload, const std::filesystem::path& dir) {
  const auto r = run_cli("run -q --arch " + arch + " --workload " + workload + " --out " + dir.string(), dir);
  REQUIRE(r.exit_code == 0);
  return json::parse(tpusim::test::read_text(dir / "report.json"));
}

}  // namespace

TEST_CASE("report.json: the native mapping is numbers, derived by hand", "[report][cli]") {
  const auto dir = tpusim::test::temp_dir("report_native");
  tpusim::test::write_text(dir / "arch.json", tpusim::test::tiny_arch_json().dump());
  tpusim::test::write_text(
      dir / "w.json",
      json{{"name", "w"},
           {"layers", {{{"name", "g"}, {"op", "gemm"}, {"m", 8}, {"n", 8}, {"k", 8}}, {{"name", "r"}, {"op", "relu"},
                                                                                          {"elements", 64}}}}}
          .dump());
  const json rep = run_report((dir / "arch.json").string(), (dir / "w.json").string(), dir);
  std::vector<std::string> disguised;
  numeric_strings(rep, "", disguised);
  CHECK(disguised.empty());
  for (const auto& d : disguised) WARN(d);
  // C[8x8] = A[8x8] B[8x8] on a 4x4 WS array: K = 8 on the rows, N = 8 on the columns, M = 8
  // streamed: tiles of 4 x 4, 2 row folds x 2 col folds; the double-buffered 1 KiB buffers hold
  // a chunk of all 8 rows of M (a 4 x 8 int8 A tile is 32 B), so one stream chunk.
  const json& m = rep["layers"][0]["mapping"];
  CHECK(m["tile_rows"] == 4);
  CHECK(m["tile_cols"] == 4);
  CHECK(m["tile_stream"] == 8);
  CHECK(m["folds"] == json{{"groups", 1}, {"row", 2}, {"col", 2}, {"stream", 1}});
  // A (64 B) and B (64 B) fit whole, so each tile is fetched once; C (64 B int8) written once.
  CHECK(m["inputs_kept"] == true);
  CHECK(m["weights_kept"] == true);
  CHECK(m["est_dram_read_bytes"] == 128);
  CHECK(m["est_dram_write_bytes"] == 64);
  CHECK(m["est_dram_bytes"] == 192);
  CHECK(m["partial_sums"] == "on chip");
  CHECK(m["inputs_on_chip"] == false);  // no /activations_on_chip: activations come from DRAM
  CHECK(m["outputs_stay"] == false);
  // The relu: 64 elements in and out need 64 B of each 1 KiB buffer (x 2 double-buffered): one chunk.
  const json& v = rep["layers"][1]["mapping"];
  CHECK(v["chunk_elements"] == 64);
  CHECK(v["chunks"] == 1);
}

TEST_CASE("report.json: SCALE-Sim's view is numbers, its percentages those of COMPUTE_REPORT.csv", "[report][cli]") {
  const auto dir = tpusim::test::temp_dir("report_scalesim");
  const json rep = run_report(source_path("configs/scalesim/scale.cfg"),
                              source_path("tests/data/scalesim/test_mnk_input.csv"), dir);
  std::vector<std::string> disguised;
  numeric_strings(rep, "", disguised);
  CHECK(disguised.empty());
  for (const auto& d : disguised) WARN(d);
  // The GEMM row M=128, N=64, K=256 runs as a 128 x 256 ifmap with 64 filters: P = 128, K = 256,
  // N = 64 (sim/compat/scalesim/scalesim_v2.h).
  const json& m = rep["layers"][0]["mapping"];
  CHECK(m["scalesim_gemm"] == json{{"p", 128}, {"k", 256}, {"n", 64}});
  REQUIRE(m["scalesim_folds"].is_object());
  CHECK(m["scalesim_folds"]["row_folds"].is_number_unsigned());
  const json& l = rep["layers"][0];
  // The ratios are the percentages / 100 (ratio_from_pct: within one ulp).
  CHECK(m["scalesim_overall_util_pct"].get<double>() == Approx(100 * l["utilization"].get<double>()).epsilon(1e-15));
  CHECK(m["scalesim_compute_util_pct"].get<double>() ==
        Approx(100 * l["compute_utilization"].get<double>()).epsilon(1e-15));
  // COMPUTE_REPORT.csv prints the same doubles (Python's shortest repr).
  const std::string csv = tpusim::test::read_text(dir / "COMPUTE_REPORT.csv");
  const auto row = csv.substr(csv.find('\n') + 1);
  CHECK(row.find(", " + m["scalesim_overall_util_pct"].dump() + ",") != std::string::npos);
}
