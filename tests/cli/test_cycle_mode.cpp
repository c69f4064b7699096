// /array/model "cycle" through the SystemC model: every layer's folds are stepped through the
// register-level PE array and checked against the closed form inside the run (a divergence is
// exit 3), so equal reports here mean the stepped model agreed fold by fold. Runs go through the
// CLI as child processes: SystemC elaborates one model per process.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "arch/matrix/array_cycle_run.h"
#include "sim/base/error.h"
#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::run_cli;
using tpusim::test::source_path;

namespace {

/// An 8x8 array (small enough to step quickly, with partial folds on every dimension below).
json small_arch() {
  return {{"name", "small8"},
          {"clock_mhz", 1000},
          {"array", {{"rows", 8}, {"cols", 8}, {"dataflow", "ws"}}},
          {"buffers",
           {{"ifmap", {{"holds", {"inputs"}}, {"capacity_bytes", 65536}}},
            {"filter", {{"holds", {"weights"}}, {"capacity_bytes", 65536}}},
            {"ofmap", {{"holds", {"outputs"}}, {"capacity_bytes", 65536}}}}},
          {"dram", {{"bandwidth_gb_per_s", 16}, {"latency_ns", 20}}}};
}

json small_layers() {
  return {{"name", "small"},
          {"layers",
           {{{"name", "g1"}, {"op", "gemm"}, {"m", 20}, {"n", 12}, {"k", 19}},
            {{"name", "g2"}, {"op", "gemm"}, {"m", 5}, {"n", 17}, {"k", 8}},
            {{"name", "g3"}, {"op", "gemm"}, {"m", 1}, {"n", 9}, {"k", 30}},
            {{"name", "conv"}, {"op", "conv2d"}, {"in_h", 6}, {"in_w", 6}, {"in_c", 3}, {"out_c", 10},
             {"kernel_h", 3}, {"kernel_w", 3}, {"stride", 1}, {"padding", 1}},
            {{"name", "relu"}, {"op", "relu"}, {"elements", 360}}}}};
}

json run_report(const std::filesystem::path& dir, const std::string& name, const std::string& sets) {
  const auto out = dir / name;
  const auto r = run_cli("run --arch " + (dir / "arch.json").string() + " --workload " +
                             (dir / "w.json").string() + " --out " + out.string() + " -q " + sets,
                         dir);
  INFO(name << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(tpusim::test::read_text(out / "report.json"));
}

}  // namespace

TEST_CASE("cycle and analytic models give equal cycles and breakdowns for whole small layers", "[cycle_mode]") {
  const auto dir = tpusim::test::temp_dir("cycle_mode_equal");
  tpusim::test::write_text(dir / "arch.json", small_arch().dump());
  tpusim::test::write_text(dir / "w.json", small_layers().dump());
  struct Opts {
    const char* name;
    const char* sets;
  };
  const Opts opts[] = {
      {"single", "--set /array/double_buffer_stationary=false"},
      {"db", "--set /array/double_buffer_stationary=true"},
      {"db_overlap_follow",
       "--set /array/double_buffer_stationary=true --set /array/overlap_folds=true --set "
       "/array/preload_follows_wave=true --set /array/mac_latency_cycles=2"},
  };
  for (const char* df : {"os", "ws", "is"}) {
    for (const Opts& o : opts) {
      const std::string sets = std::string("--set /array/dataflow=") + df + " " + o.sets;
      const std::string tag = std::string(df) + "_" + o.name;
      const json analytic = run_report(dir, tag + "_a", sets);
      const json cycle = run_report(dir, tag + "_c", sets + " --set /array/model=cycle");
      INFO(tag);
      CHECK(cycle["arch"]["array"]["model"] == "cycle");
      CHECK(cycle["totals"]["cycles"] == analytic["totals"]["cycles"]);
      REQUIRE(cycle["layers"].size() == analytic["layers"].size());
      for (size_t i = 0; i < cycle["layers"].size(); ++i) {
        INFO("layer " << i);
        CHECK(cycle["layers"][i]["cycles"] == analytic["layers"][i]["cycles"]);
        CHECK(cycle["layers"][i]["cycle_breakdown"] == analytic["layers"][i]["cycle_breakdown"]);
      }
    }
  }
}

TEST_CASE("cycle mode refuses a run estimated above max_pe_cycles", "[cycle_mode][errors]") {
  // g1 alone (ws, 8x8, single-buffered): folds of 8 rows x 8 cols x 20, far above 1000 PE-cycles.
  const auto dir = tpusim::test::temp_dir("cycle_mode_budget");
  tpusim::test::write_text(dir / "arch.json", small_arch().dump());
  tpusim::test::write_text(dir / "w.json", small_layers().dump());
  const auto r = run_cli("run --arch " + (dir / "arch.json").string() + " --workload " + (dir / "w.json").string() +
                             " --out " + (dir / "out").string() +
                             " --set /array/model=cycle --set /array/max_pe_cycles=1000",
                         dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("arch.json: /array/max_pe_cycles: the cycle model would step at least") != std::string::npos);
  CHECK(r.err.find("use /array/model \"analytic\"") != std::string::npos);
  CHECK(r.err.find("raise /array/max_pe_cycles") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "out" / "report.json"));
  // 0 = no limit.
  CHECK(run_cli("run --arch " + (dir / "arch.json").string() + " --workload " + (dir / "w.json").string() +
                    " -q --set /array/model=cycle --set /array/max_pe_cycles=0",
                dir)
            .exit_code == 0);
}

TEST_CASE("cycle mode rejects datatypes it cannot compute and --vcd outside its scope", "[cycle_mode][errors]") {
  const auto dir = tpusim::test::temp_dir("cycle_mode_reject");
  tpusim::test::write_text(dir / "arch.json", small_arch().dump());
  tpusim::test::write_text(dir / "w.json", small_layers().dump());
  const std::string base =
      "run --arch " + (dir / "arch.json").string() + " --workload " + (dir / "w.json").string() + " -q ";
  auto r = run_cli(base + "--set /array/model=cycle --set /datatypes/accumulator=fp32", dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("arch.json: /datatypes: the cycle model computes integer inputs") != std::string::npos);
  r = run_cli(base + "--vcd " + (dir / "x.vcd").string(), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--vcd: the waveform comes from the cycle model") != std::string::npos);
  r = run_cli(base + "--set /array/model=cycle --set /array/rows=17 --vcd " + (dir / "x.vcd").string(), dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--vcd: the waveform is for arrays up to 16x16, got 17x8") != std::string::npos);
  CHECK(!std::filesystem::exists(dir / "x.vcd"));
}

TEST_CASE("run with a VCD file writes a waveform of the corner PEs", "[cycle_mode][vcd]") {
  const auto dir = tpusim::test::temp_dir("cycle_mode_vcd");
  tpusim::test::write_text(dir / "arch.json", small_arch().dump());
  tpusim::test::write_text(dir / "w.json", small_layers().dump());
  const auto vcd = dir / "wave.vcd";
  const auto r = run_cli("run --arch " + (dir / "arch.json").string() + " --workload " + (dir / "w.json").string() +
                             " -q --set /array/model=cycle --vcd " + vcd.string(),
                         dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const std::string text = tpusim::test::read_text(vcd);
  CHECK(text.find("$timescale") != std::string::npos);
  CHECK(text.find("$enddefinitions") != std::string::npos);
  // ws on 8x8: corners (0,0), (0,7), (7,0), (7,7), each with its input, weight, partial sum out
  // and MAC-valid bit.
  for (const char* pe : {"pe_0_0", "pe_0_7", "pe_7_0", "pe_7_7"}) {
    INFO(pe);
    const auto scope = text.find(std::string("$scope module ") + pe + " $end");
    REQUIRE(scope != std::string::npos);
    const auto up = text.find("$upscope", scope);
    const std::string vars = text.substr(scope, up - scope);
    CHECK(vars.find("$var wire   32") != std::string::npos);
    CHECK(vars.find(" in [31:0]") != std::string::npos);
    CHECK(vars.find(" stationary [31:0]") != std::string::npos);
    CHECK(vars.find(" psum_out [31:0]") != std::string::npos);
    CHECK(vars.find(" mac ") != std::string::npos);
  }
  // Value changes at increasing times, the last within the run's cycles.
  CHECK(text.find("\n#") != std::string::npos);
}

TEST_CASE("the layer check throws when a fold's closed-form times differ from the stepped model", "[cycle_mode]") {
  // A 4x4 ws single-buffered fold 4x4x4 from cycle 100: load 100..103, S = 104, A = 107, compute
  // 107..110, E = 114 (test_fold_timing.cpp, "finish() empties the array"). The closed form's
  // schedule passes; the same schedule with its anchor one cycle late is an internal error.
  tpusim::ArchConfig arch;
  arch.array.rows = arch.array.cols = 4;
  tpusim::arch::timing::FoldSequencer seq(arch.array);
  seq.finish(100);
  const auto s = seq.schedule({4, 4, 4}, 0);
  tpusim::CycleBreakdown layer = s.breakdown;
  layer += seq.finish(114).breakdown;
  REQUIRE(layer.total() == 14);

  tpusim::arch::ArrayCycleRun run(arch);
  run.begin_layer(100);
  run.record({4, 4, 4}, 0, s);
  CHECK_NOTHROW(run.end_layer(114, layer));
  CHECK(run.stepped_pe_cycles() == 14 * 16);

  auto late = s;
  late.anchor_cycle += 1;
  run.begin_layer(100);
  run.record({4, 4, 4}, 0, late);
  CHECK_THROWS_AS(run.end_layer(114, layer), tpusim::InternalError);
}
