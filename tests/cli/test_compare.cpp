// tpusim compare: matching by layer name or sweep point, tolerances, verdicts and exit codes
// (0 within tolerance, 1 beyond, 2 unreadable or mismatched inputs), and its three formats.
// Most cases use small hand-written reports, so the expected numbers are visible here.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/compare/compare.h"
#include "sim/compare/table.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;

namespace {

/// A schema-1 report with three layers; the totals are their sums.
json small_report(const std::string& workload = "net") {
  json layers = json::array();
  const char* names[] = {"conv1", "conv2", "fc"};
  const uint64_t cycles[] = {1000, 2000, 500};
  uint64_t total = 0;
  for (int i = 0; i < 3; ++i) {
    layers.push_back({{"name", names[i]}, {"op", "conv2d"}, {"cycles", cycles[i]}, {"stall_cycles", 100},
                      {"utilization", 0.5}, {"energy_pj", 1000.0 * (i + 1)}, {"dram_read_bytes", 4096},
                      {"dram_write_bytes", 1024}, {"cycle_breakdown", {{"compute", cycles[i] - 100}, {"input_stall", 100}}}});
    total += cycles[i];
  }
  return {{"schema_version", 1},
          {"tool", {{"name", "tpusim"}, {"version", "0.1.0"}}},
          {"arch", {{"name", "a"}, {"array", {{"rows", 4}, {"cols", 4}, {"dataflow", "ws"}}}}},
          {"workload", {{"name", workload}, {"batch", 1}}},
          {"totals", {{"cycles", total}, {"stall_cycles", 300}, {"utilization", 0.5}, {"energy_pj", 6000.0},
                      {"dram_read_bytes", 3 * 4096}, {"dram_write_bytes", 3 * 1024}}},
          {"layers", layers}};
}

std::string write_report(const std::filesystem::path& dir, const std::string& name, const json& report) {
  const auto path = dir / name;
  test::write_text(path, report.dump(2) + "\n");
  return path.string();
}

/// Adds `delta` cycles to layer `index` and to the totals, as a real run would.
void add_cycles(json& report, size_t index, int64_t delta) {
  report["layers"][index]["cycles"] = report["layers"][index]["cycles"].get<int64_t>() + delta;
  report["totals"]["cycles"] = report["totals"]["cycles"].get<int64_t>() + delta;
}

size_t count_lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

}  // namespace

TEST_CASE("compare: two runs of the simulator compare clean whatever the tool version", "[compare]") {
  const auto dir = test::temp_dir("compare_same");
  const std::string run_args = "run -q --arch " + test::source_path("configs/scalesim_32x32.json") + " --workload " +
                               test::source_path("workloads/gemm_128x64x256.json") + " --out ";
  REQUIRE(test::run_cli(run_args + (dir / "a").string(), dir).exit_code == 0);
  REQUIRE(test::run_cli(run_args + (dir / "b").string(), dir).exit_code == 0);
  // Another build: only tool.version differs, and compare ignores it.
  json b = json::parse(test::read_text(dir / "b" / "report.json"));
  b["tool"]["version"] = "9.9.9-other-build";
  test::write_text(dir / "b" / "report.json", b.dump(2));

  const auto r = test::run_cli("compare " + (dir / "a" / "report.json").string() + " " + (dir / "b").string(), dir);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("PASS") != std::string::npos);
  CHECK(r.out.find("none changed") != std::string::npos);
}

TEST_CASE("compare: a one-cycle change in one layer fails and names that layer", "[compare]") {
  const auto dir = test::temp_dir("compare_one_cycle");
  json cur = small_report();
  add_cycles(cur, 1, +1);
  const auto base = write_report(dir, "base.json", small_report());
  const auto current = write_report(dir, "current.json", cur);

  const auto r = test::run_cli("compare " + base + " " + current, dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("conv2") != std::string::npos);
  CHECK(r.out.find("conv1 ") == std::string::npos);  // unchanged layers are not listed
  // Worst first: conv2 changed by 1/2000 = 0.05 %, the totals by 1/3500; both are beyond the
  // exact default, so the verdict names conv2.
  CHECK(r.out.find("FAIL: 2 of") != std::string::npos);
  CHECK(r.out.find("worst conv2 cycles +1 (+0.05%)") != std::string::npos);

  SECTION("a generous --rtol passes it") {
    const auto ok = test::run_cli("compare --rtol 0.01 " + base + " " + current, dir);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("PASS") != std::string::npos);
    CHECK(ok.out.find("2 changed within tolerance") != std::string::npos);
  }
  SECTION("an rtol just below the change still fails it") {
    // 1/2000 = 5e-4 is beyond 4e-4 of conv2 while 1/3500 = 2.9e-4 of the totals is within.
    const auto bad = test::run_cli("compare --rtol 4e-4 " + base + " " + current, dir);
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.find("FAIL: 1 of") != std::string::npos);
  }
}

TEST_CASE("compare: a truncated report gives exit 2 with one line naming the file", "[compare]") {
  const auto dir = test::temp_dir("compare_truncated");
  const auto base = write_report(dir, "base.json", small_report());
  const std::string text = small_report().dump(2);
  test::write_text(dir / "cut.json", text.substr(0, text.size() / 2));
  const auto cut = (dir / "cut.json").string();

  const auto r = test::run_cli("compare " + base + " " + cut, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(cut) != std::string::npos);
  CHECK(r.err.find("truncated") != std::string::npos);

  SECTION("an empty or missing file too") {
    test::write_text(dir / "empty.json", "");
    const auto e = test::run_cli("compare " + base + " " + (dir / "empty.json").string(), dir);
    CHECK(e.exit_code == 2);
    CHECK(e.err.find("empty.json: empty file") != std::string::npos);
    const auto m = test::run_cli("compare " + base + " " + (dir / "nope.json").string(), dir);
    CHECK(m.exit_code == 2);
    CHECK(m.err.find("nope.json: no such file") != std::string::npos);
  }
}

TEST_CASE("compare: different workloads give exit 2 naming both", "[compare]") {
  const auto dir = test::temp_dir("compare_workloads");
  const auto base = write_report(dir, "base.json", small_report("resnet50"));
  const auto current = write_report(dir, "current.json", small_report("mobilenet_v2"));
  const auto r = test::run_cli("compare " + base + " " + current, dir);
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find("workloads differ") != std::string::npos);
  CHECK(r.err.find("\"resnet50\"") != std::string::npos);
  CHECK(r.err.find("\"mobilenet_v2\"") != std::string::npos);
}

TEST_CASE("compare: a missing or extra layer gives exit 2 naming it", "[compare]") {
  const auto dir = test::temp_dir("compare_layers");
  json cur = small_report();
  cur["layers"].erase(1);                 // conv2 is gone
  cur["layers"][1]["name"] = "fc_renamed";  // and fc became fc_renamed
  const auto base = write_report(dir, "base.json", small_report());
  const auto current = write_report(dir, "current.json", cur);
  const auto r = test::run_cli("compare " + base + " " + current, dir);
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find("layers differ: missing from " + current + ": \"conv2\", \"fc\"") != std::string::npos);
  CHECK(r.err.find("not in " + base + ": \"fc_renamed\"") != std::string::npos);
}

TEST_CASE("compare: a row key holding a newline is named on one line by the library too", "[compare][fuzz]") {
  // fuzz_compare (2026-12-02): a row present on one side only was named with its key raw, and a
  // key from a CSV field may hold a newline: a two-line InputError. main() escapes what it prints,
  // but the Python API raises the library's message as is.
  const auto dir = test::temp_dir("compare_key_newline");
  test::write_text(dir / "a.jsonl", "{\"/array/rows\": 32, \"workload\": \"g\\nh\", \"status\": \"ok\", \"cycles\": 1}\n");
  test::write_text(dir / "b.jsonl", "{\"/array/rows\": 64, \"workload\": \"g\", \"status\": \"ok\", \"cycles\": 1}\n");
  const compare::Table a = compare::load_table((dir / "a.jsonl").string());
  const compare::Table b = compare::load_table((dir / "b.jsonl").string());
  try {
    (void)compare::compare_tables(a, b, {});
    FAIL("expected an InputError: the rows differ");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.find("g\\nh") != std::string::npos);  // the newline shown as \n
  }
}

TEST_CASE("compare: layers are matched by name not by position and another arch is a note", "[compare]") {
  const auto dir = test::temp_dir("compare_order");
  json cur = small_report();
  std::swap(cur["layers"][0], cur["layers"][2]);
  cur["arch"]["array"]["dataflow"] = "os";  // comparing two designs on one workload is allowed
  const auto r = test::run_cli("compare " + write_report(dir, "a.json", small_report()) + " " +
                                   write_report(dir, "b.json", cur),
                               dir);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("note: arch differs at /array/dataflow: \"ws\" -> \"os\"") != std::string::npos);
}

TEST_CASE("compare: the tolerance file is honoured", "[compare]") {
  const auto dir = test::temp_dir("compare_tolerances");
  json cur = small_report();
  // fc: energy 3000 -> 3090 pJ (+3 %), stall cycles 100 -> 110 (+10, a metric not compared by default).
  cur["layers"][2]["energy_pj"] = 3090.0;
  cur["totals"]["energy_pj"] = 6090.0;  // +1.5 %
  cur["layers"][2]["stall_cycles"] = 110;
  const auto base = write_report(dir, "base.json", small_report());
  const auto current = write_report(dir, "current.json", cur);
  const auto tol = (dir / "tol.json").string();

  // Default: energy compared up to 1e-9 relative, so +3 % fails; stall_cycles is not compared.
  auto r = test::run_cli("compare " + base + " " + current, dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("stall_cycles") == std::string::npos);

  test::write_text(tol, R"({"energy_pj": {"rel": 0.05}})");
  r = test::run_cli("compare --tolerances " + tol + " " + base + " " + current, dir);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("±5%") != std::string::npos);

  // The totals entry wins over the plain one on the totals row: +1.5 % is beyond 1 %.
  test::write_text(tol, R"({"energy_pj": {"rel": 0.05}, "totals.energy_pj": {"rel": 0.01}})");
  r = test::run_cli("compare --tolerances " + tol + " " + base + " " + current, dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("FAIL: 1 of") != std::string::npos);
  CHECK(r.out.find("worst (totals) energy_pj +90") != std::string::npos);

  // A named metric is compared: +10 stall cycles pass with abs 10, fail with abs 9.
  test::write_text(tol, R"({"energy_pj": {"rel": 0.05}, "stall_cycles": {"abs": 10}})");
  CHECK(test::run_cli("compare --tolerances " + tol + " " + base + " " + current, dir).exit_code == 0);
  test::write_text(tol, R"({"energy_pj": {"rel": 0.05}, "stall_cycles": {"abs": 9}})");
  r = test::run_cli("compare --tolerances " + tol + " " + base + " " + current, dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("worst fc stall_cycles +10") != std::string::npos);

  SECTION("mistakes in the tolerance file are input errors") {
    test::write_text(tol, R"({"energy_pj": {"rtol": 0.05}})");
    r = test::run_cli("compare --tolerances " + tol + " " + base + " " + current, dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("/energy_pj/rtol: unknown key; allowed: abs, rel") != std::string::npos);
    test::write_text(tol, R"({"cyles": {"abs": 1}})");
    r = test::run_cli("compare --tolerances " + tol + " " + base + " " + current, dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("/cyles: no such metric") != std::string::npos);
    test::write_text(tol, R"({"cycles": {"abs": -1}})");
    CHECK(test::run_cli("compare --tolerances " + tol + " " + base + " " + current, dir).exit_code == 2);
  }
}

TEST_CASE("compare: markdown output renders a table for a pull-request comment", "[compare]") {
  const auto dir = test::temp_dir("compare_markdown");
  json cur = small_report();
  add_cycles(cur, 0, -20);
  const auto r = test::run_cli("compare --format markdown " + write_report(dir, "a.json", small_report()) + " " +
                                   write_report(dir, "b.json", cur),
                               dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("### tpusim compare: FAIL") != std::string::npos);
  CHECK(r.out.find("| layer | metric | base | current | delta | delta % | tolerance | |\n|---|") != std::string::npos);
  // conv1: 1000 -> 980 cycles is -2 %.
  CHECK(r.out.find("| conv1 | cycles | 1000 | 980 | -20 | -2% | exact | **FAIL** |") != std::string::npos);
}

TEST_CASE("compare: json output lists every change", "[compare]") {
  const auto dir = test::temp_dir("compare_json");
  json cur = small_report();
  cur["layers"][2]["dram_read_bytes"] = 8192;  // fc: 4096 -> 8192, +100 %
  cur["totals"]["dram_read_bytes"] = 3 * 4096 + 4096;
  const auto r = test::run_cli("compare --format json " + write_report(dir, "a.json", small_report()) + " " +
                                   write_report(dir, "b.json", cur),
                               dir);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j["verdict"] == "fail");
  CHECK(j["workload"] == "net");
  REQUIRE(j["changes"].size() == 2);
  CHECK(j["changes"][0]["row"] == "fc");  // +100 % before the totals' +33 %
  CHECK(j["changes"][0]["metric"] == "dram_read_bytes");
  CHECK(j["changes"][0]["delta"] == 4096.0);
  CHECK(j["changes"][0]["delta_rel"] == 1.0);
  CHECK(j["changes"][1]["row"] == "(totals)");
}

TEST_CASE("compare: sweep tables match points by axis values and workload", "[compare]") {
  const auto dir = test::temp_dir("compare_points");
  const std::string header = "point,/array/rows,/array/dataflow,workload,status,cycles,utilization,energy_pj,report\n";
  test::write_text(dir / "a.csv", header +
                                      "0,16,os,resnet50,ok,1000,0.5,10.5,points/0/report.json\n"
                                      "1,32,os,resnet50,ok,600,0.25,9.5,points/1/report.json\n");
  // Rows in another order and another point numbering: still the same points.
  test::write_text(dir / "b.csv", header +
                                      "7,32,os,resnet50,ok,600,0.25,9.5,elsewhere/1.json\n"
                                      "8,16,os,resnet50,ok,1000,0.5,10.5,elsewhere/0.json\n");
  const auto a = (dir / "a.csv").string(), b = (dir / "b.csv").string();
  CHECK(test::run_cli("compare " + a + " " + b, dir).exit_code == 0);

  SECTION("a changed point is named by its axis values") {
    test::write_text(dir / "b.csv", header +
                                        "0,16,os,resnet50,ok,1001,0.5,10.5,x\n"
                                        "1,32,os,resnet50,\"error: /array/rows, too big\",,,,x\n");
    const auto r = test::run_cli("compare " + a + " " + b, dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("/array/rows=16, /array/dataflow=os, workload=resnet50") != std::string::npos);
    CHECK(r.out.find("error: /array/rows, too big") != std::string::npos);
  }
  SECTION("json lines work the same way") {
    test::write_text(dir / "a.jsonl",
                     R"({"point":0,"/array/rows":16,"workload":"w","status":"ok","cycles":10,"report":"r"})" "\n");
    test::write_text(dir / "b.jsonl",
                     R"({"point":0,"/array/rows":16,"workload":"w","status":"ok","cycles":11,"report":"r"})" "\n");
    const auto r = test::run_cli("compare " + (dir / "a.jsonl").string() + " " + (dir / "b.jsonl").string(), dir);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("/array/rows=16, workload=w") != std::string::npos);
  }
  SECTION("a missing point or a short row is an input error") {
    test::write_text(dir / "b.csv", header + "0,16,os,resnet50,ok,1000,0.5,10.5,x\n");
    auto r = test::run_cli("compare " + a + " " + b, dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("points differ: missing from " + b + ": \"/array/rows=32") != std::string::npos);
    test::write_text(dir / "b.csv", header + "0,16,os,resnet50,ok,1000,0.5,10.5,x\n1,32,os,resn");
    r = test::run_cli("compare " + a + " " + b, dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(b + ":3: expected 9 fields") != std::string::npos);
    r = test::run_cli("compare " + a + " " + write_report(dir, "r.json", small_report()), dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cannot compare a sweep table") != std::string::npos);
  }
}

TEST_CASE("compare: library ranks changes beyond tolerance first then by relative size", "[compare]") {
  compare::Table base, cur;
  base.row_noun = cur.row_noun = "layer";
  base.path = "a";
  cur.path = "b";
  // x: cycles 100 -> 150 (+50 %), y: cycles 10000 -> 10100 (+1 %), z: utilization 0.5 -> 0.4 (-20 %).
  for (const compare::Row& row : {compare::Row{"x", {{"cycles", {100, true}}}, {}},
                                  compare::Row{"y", {{"cycles", {10000, true}}}, {}},
                                  compare::Row{"z", {{"utilization", {0.5, false}}}, {}}})
    REQUIRE(base.add(row));
  for (const compare::Row& row : {compare::Row{"z", {{"utilization", {0.4, false}}}, {}},
                                  compare::Row{"y", {{"cycles", {10100, true}}}, {}},
                                  compare::Row{"x", {{"cycles", {150, true}}}, {}}})
    REQUIRE(cur.add(row));
  CHECK_FALSE(cur.add(compare::Row{"x", {}, {}}));  // keys are unique
  compare::Options opt;
  opt.tolerances.by_metric["cycles"] = {0.0, 0.6};  // x within (50 % < 60 %), y within
  const auto r = compare::compare_tables(base, cur, opt);
  REQUIRE(r.changes.size() == 3);
  CHECK(r.compared == 3);
  CHECK(r.changes[0].row == "z");  // the only one beyond tolerance
  CHECK_FALSE(r.changes[0].within_tolerance);
  CHECK(r.changes[1].row == "x");
  CHECK(r.changes[2].row == "y");
  CHECK(r.beyond_tolerance() == 1);
  CHECK(r.verdict() == "FAIL: 1 of 3 values compared over 3 rows beyond tolerance, worst z utilization -0.1 (-20%); "
                       "2 more changed within tolerance");
  // A metric on one side only (a failed point, another report schema) is a change beyond tolerance.
  cur.rows[cur.find("y")].metrics["energy_pj"] = {5.0, false};
  const auto extra = compare::compare_tables(base, cur, compare::Options{0.0, {{{"energy_pj", {1.0, 0.0}}}, "t"}});
  REQUIRE(extra.changes.size() == 4);
  CHECK(extra.changes[0].row == "y");
  CHECK(extra.changes[0].metric == "energy_pj");
  CHECK(extra.changes[0].base_text == "(none)");
  CHECK(extra.changes[0].current_text == "5");
  // Defaults: integral metrics exact, others up to kFloatRtol, both raised by rtol.
  compare::Options plain;
  CHECK(compare::tolerance_for(plain, "x", "cycles", true).rel == 0.0);
  CHECK(compare::tolerance_for(plain, "x", "energy_pj", false).rel == compare::kFloatRtol);
  plain.rtol = 0.02;
  CHECK(compare::tolerance_for(plain, "x", "cycles", true).rel == 0.02);
}
