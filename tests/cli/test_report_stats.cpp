// The derived figures in report.json: one peak shared with `describe` (sim/metrics). Expected
// numbers are derived by hand in the comments.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;
using tpusim::test::source_path;
using tpusim::test::write_text;

namespace {

json run_report(const std::string& tag, const std::string& arch_options, const json& layers,
                const std::string& options = "") {
  const auto dir = tpusim::test::temp_dir("stats_" + tag);
  write_text(dir / "w.json", json{{"name", tag}, {"layers", layers}}.dump());
  const auto r = run_cli("run -q " + arch_options + " --workload " + (dir / "w.json").string() + " " + options +
                             " --out " + (dir / "out").string(),
                         dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(read_text(dir / "out" / "report.json"));
}

/// `arch` written to a file, as --arch options.
std::string arch_file(const std::string& tag, const json& arch) {
  const auto dir = tpusim::test::temp_dir("stats_arch_" + tag);
  write_text(dir / "arch.json", arch.dump());
  return "--arch " + (dir / "arch.json").string();
}

json gemm(const std::string& name, uint64_t m, uint64_t n, uint64_t k, std::vector<std::string> inputs = {}) {
  json g = {{"name", name}, {"op", "gemm"}, {"m", m}, {"n", n}, {"k", k}};
  if (!inputs.empty()) g["inputs"] = inputs;
  return g;
}

json describe(const std::string& arch_options) {
  const auto dir = tpusim::test::temp_dir("stats_describe");
  const auto d = run_cli("describe --json " + arch_options, dir);
  INFO(d.err);
  REQUIRE(d.exit_code == 0);
  return json::parse(d.out);
}

}  // namespace

TEST_CASE("describe and report.json share one peak: macs_per_pe_per_cycle packs MACs into each PE", "[report][cli]") {
  // gemmini_like_16x16 (1 GHz, 16 GB/s) with 2 MACs per PE per cycle (narrow MACs packed along K,
  // sim/mapper/sparsity.h): peak = 16 x 16 x 2 = 512 MACs per cycle = 512e9 MAC/s = 1.024 TOPS
  // (2 ops per MAC); ridge point = 512e9 / 16e9 = 32 MACs per DRAM byte. (describe used to say
  // 0.512 TOPS: it counted PEs, not MACs.)
  const std::string arch =
      "--arch " + source_path("configs/gemmini_like_16x16.json") + " --set /array/macs_per_pe_per_cycle=2";
  const json d = describe(arch);
  CHECK(d["pes"] == 256);
  CHECK(d["macs_per_pe_per_cycle"] == 2);
  CHECK(d["peak_macs_per_cycle"] == 512);
  CHECK(d["peak_macs_per_s"].get<double>() == 512e9);
  CHECK(d["peak_tops"].get<double>() == Approx(1.024).epsilon(1e-15));
  CHECK(d["ridge_macs_per_byte"].get<double>() == 32.0);
  const auto text = run_cli("describe " + arch, tpusim::test::temp_dir("stats_describe_text"));
  CHECK(text.out.find("0.512 TMAC/s = 1.024 TOPS (2 ops per MAC, 2 MACs per PE per cycle)") != std::string::npos);

  // A dense 256 x 256 x 256 GEMM: the report's peak is describe's, and for dense MACs the
  // attained TOPS are utilization x peak (2 macs / seconds = executed / (cycles x 512) x 2 x 512
  // x clock), so both agree on what 100 % means.
  const json rep = run_report("peak", arch, json::array({gemm("g", 256, 256, 256)}));
  const json& t = rep["totals"];
  CHECK(t["peak_tops"] == d["peak_tops"]);
  CHECK(t["peak_macs_per_s"] == d["peak_macs_per_s"]);
  CHECK(t["ridge_macs_per_byte"] == d["ridge_macs_per_byte"]);
  CHECK(t["utilization"].get<double>() <= 1.0);
  CHECK(t["tops"].get<double>() == Approx(t["utilization"].get<double>() * t["peak_tops"].get<double>()).epsilon(1e-12));
  CHECK(t["peak_tops_per_mm2"].get<double>() == Approx(1.024 / t["area_mm2"].get<double>()).epsilon(1e-12));
  // The roof of the layer is the peak or under it: 512e9 at most.
  CHECK(rep["layers"][0]["roofline"]["roof_macs_per_s"].get<double>() <= 512e9);
}

TEST_CASE("describe and report.json: the peak of a chip counts cores, units and packed MACs", "[report][cli]") {
  // tiny 4x4 array at 1 GHz, 16 GB/s; 2 cores x 2 matrix units x 2 MACs per PE per cycle:
  // 2 x 2 x 16 PEs = 64 PEs, x 2 = 128 MACs per cycle = 128e9 MAC/s = 0.256 TOPS; ridge
  // 128e9 / 16e9 = 8 MACs per byte.
  json a = tpusim::test::tiny_arch_json();
  a["array"]["macs_per_pe_per_cycle"] = 2;
  a["core"] = {{"matrix_units", 2}};
  a["chip"] = {{"cores", 2}};
  const std::string arch = arch_file("chip", a);
  const json d = describe(arch);
  CHECK(d["pes"] == 64);
  CHECK(d["peak_macs_per_cycle"] == 128);
  CHECK(d["peak_tops"].get<double>() == Approx(0.256).epsilon(1e-15));
  CHECK(d["ridge_macs_per_byte"].get<double>() == 8.0);
  const json t = run_report("chip", arch, json::array({gemm("g", 16, 16, 16)}))["totals"];
  CHECK(t["peak_tops"] == d["peak_tops"]);
  CHECK(t["ridge_macs_per_byte"] == d["ridge_macs_per_byte"]);
  // 16 x 16 x 16 = 4096 dense MACs over cycles x 128 MAC slots.
  CHECK(t["utilization"].get<double>() == Approx(4096.0 / (t["cycles"].get<double>() * 128)).epsilon(1e-15));
}

TEST_CASE("scalesim-v2 timing ignores macs_per_pe_per_cycle in the peak as in its cycles", "[report][cli]") {
  // scale.cfg: a 32 x 32 array at the default 1000 MHz; SCALE-Sim's PEs do one MAC per cycle:
  // 1024 MACs per cycle = 1.024e12 MAC/s = 2.048 TOPS whatever /array/macs_per_pe_per_cycle says.
  const json d = describe("--arch " + source_path("configs/scalesim/scale.cfg") + " --set /array/macs_per_pe_per_cycle=2");
  CHECK(d["macs_per_pe_per_cycle"] == 1);
  CHECK(d["peak_macs_per_cycle"] == 1024);
  CHECK(d["peak_tops"].get<double>() == Approx(2.048).epsilon(1e-15));
}
