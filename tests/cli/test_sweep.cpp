// Sweeps: spec parsing (exact messages), expansion order and constraints, the Pareto front, and
// the CLI end to end (a row equals `tpusim run`, shards and merge, resume, failures, timeouts).
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include "sim/base/error.h"
#include "sim/sweep/constraints.h"
#include "sim/sweep/plan.h"
#include "sim/sweep/progress.h"
#include "sim/sweep/spec.h"
#include "sim/sweep/table.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// The message of the InputError that parsing `doc` as "s.json" throws ("" if none).
std::string spec_error(const json& doc) {
  try {
    (void)sweep::parse_sweep_spec(doc, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

/// A valid spec to break one key at a time.
json base_spec() {
  return {{"name", "t"},
          {"arch", "a.json"},
          {"workloads", {"w.json"}},
          {"axes", {{{"path", "/array/rows"}, {"values", {8, 16}}}}}};
}

/// Writes a spec into `dir` that sweeps the SCALE-Sim 32x32 preset on small GEMMs.
fs::path write_spec(const fs::path& dir, const json& axes, const json& workloads = {"gemm_128x64x256"},
                    const json& extra = json::object()) {
  json spec = {{"name", "test"}, {"arch", test::source_path("configs/scalesim_32x32.json")}, {"axes", axes}};
  spec["workloads"] = json::array();
  for (const auto& w : workloads) spec["workloads"].push_back(test::source_path("workloads/" + w.get<std::string>() + ".json"));
  for (auto it = extra.begin(); it != extra.end(); ++it) spec[it.key()] = it.value();
  const fs::path p = dir / "spec.json";
  test::write_text(p, spec.dump(2));
  return p;
}

/// Four points x two workloads: 8 rows, quick to run.
const json kSmallAxes = {{{"paths", {"/array/rows", "/array/cols"}}, {"values", {16, 32}}},
                         {{"path", "/array/dataflow"}, {"values", {"os", "ws"}}}};
const json kSmallWorkloads = {"gemm_128x64x256", "gemm_1024"};

}  // namespace

TEST_CASE("sweep spec: every feature parses and relative paths resolve against the spec", "[sweep]") {
  const json doc = {
      {"name", "full"},
      {"description", "all features"},
      {"arch", "../configs/a.json"},
      {"workloads", {"w1.json", "/abs/w2.json"}},
      {"axes",
       {{{"paths", {"/array/rows", "/array/cols"}}, {"values", {8, json::array({16, 32})}}},
        {{"path", "/dram/bandwidth_gb_per_s"}, {"range", {{"start", 10}, {"stop", 20}, {"step", 5}}}},
        {{"path", "/clock_mhz"}, {"range", {{"start", 0.5}, {"stop", 1.0}, {"step", 0.25}}}},
        {{"path", "/vector/lanes"}, {"range", {{"start", 16}, {"stop", 128}, {"powers_of_two", true}}}}}},
      {"constraints",
       {{"max_total_sram_bytes", 1 << 20}, {"max_pes", 4096}, {"require", {"/array/rows * 2 >= /array/cols + 0"}}}},
      {"timeout_s", 30}};
  const auto s = sweep::parse_sweep_spec(doc, "sweeps/s.json");
  CHECK(s.arch_path == "configs/a.json");
  CHECK(s.workload_paths == std::vector<std::string>{"sweeps/w1.json", "/abs/w2.json"});
  CHECK(s.workload_labels == std::vector<std::string>{"w1", "w2"});
  REQUIRE(s.axes.size() == 4);
  // Linked axis: a scalar applies to every path, an array gives one value per path.
  CHECK(s.axes[0].steps == std::vector<std::vector<json>>{{8, 8}, {16, 32}});
  // Integer ranges stay integers (the stop is included when a step lands on it).
  CHECK(json(s.axes[1].steps).dump() == "[[10],[15],[20]]");
  CHECK(json(s.axes[2].steps).dump() == "[[0.5],[0.75],[1.0]]");
  CHECK(json(s.axes[3].steps).dump() == "[[16],[32],[64],[128]]");
  CHECK(s.columns() == std::vector<std::string>{"/array/rows", "/array/cols", "/dram/bandwidth_gb_per_s",
                                                "/clock_mhz", "/vector/lanes"});
  CHECK(s.combine == sweep::Combine::product);
  CHECK(*s.constraints.max_total_sram_bytes == 1u << 20);
  CHECK(*s.constraints.max_pes == 4096);
  REQUIRE(s.constraints.require.size() == 1);
  CHECK(s.constraints.require[0].op == ">=");
  CHECK(s.timeout_s == 30);
}

TEST_CASE("sweep spec: bad specs name the file and the JSON pointer", "[sweep]") {
  auto with = [](const std::string& pointer, const json& value) {
    json d = base_spec();
    d[json::json_pointer(pointer)] = value;
    return spec_error(d);
  };
  CHECK(spec_error(base_spec()).empty());
  CHECK(with("/axis", 1) == "s.json: /axis: unknown key; allowed: arch, axes, combine, constraints, description, model, name, "
                            "scenario, timeout_s, workloads");
  CHECK(with("/axes/0/value", 1) == "s.json: /axes/0/value: unknown key; allowed: path, paths, range, values");
  CHECK(with("/axes/0/path", "array/rows") ==
        "s.json: /axes/0/path: must be a JSON pointer into the architecture config such as \"/array/rows\", got "
        "\"array/rows\"");
  CHECK(with("/axes/0/values", json::array()) == "s.json: /axes/0/values: must be a non-empty array, got an empty array");
  CHECK(with("/axes/0/values/1", nullptr) == "s.json: /axes/0/values/1: must be a config value, got null");
  CHECK(with("/axes/0/range", json{{"start", 1}, {"stop", 4}, {"step", 1}}) ==
        "s.json: /axes/0: needs exactly one of \"values\" or \"range\"");
  {
    json d = base_spec();
    d["axes"][0].erase("values");
    d["axes"][0]["range"] = {{"start", 1}, {"stop", 4}, {"step", 0}};
    CHECK(spec_error(d) == "s.json: /axes/0/range/step: must be a positive number, got 0");
    d["axes"][0]["range"] = {{"start", 8}, {"stop", 96}, {"powers_of_two", true}};
    CHECK(spec_error(d) == "s.json: /axes/0/range/stop: must be a power of two, got 96");
    d["axes"][0]["range"] = {{"start", 8}, {"stop", 4}, {"step", 1}};
    CHECK(spec_error(d) == "s.json: /axes/0/range/stop: must be at least start (8), got 4");
    d["axes"][0]["range"] = {{"start", 8}, {"stop", 64}, {"powers_of_two", true}, {"step", 2}};
    CHECK(spec_error(d) == "s.json: /axes/0/range/step: unknown key; allowed: powers_of_two, start, stop");
  }
  CHECK(with("/axes/1", json{{"paths", {"/array/cols", "/array/rows"}}, {"values", {1}}}) ==
        "s.json: /axes/1: \"/array/rows\" is swept by an earlier axis");
  CHECK(with("/axes/1", json{{"paths", {"/a", "/b"}}, {"values", {json::array({1, 2, 3})}}}) ==
        "s.json: /axes/1/values/0: must hold one value per path (2), got 3");
  CHECK(with("/combine", "cross") == "s.json: /combine: unknown \"cross\"; allowed: product, zip");
  {
    json d = base_spec();
    d["combine"] = "zip";
    d["axes"].push_back({{"path", "/array/cols"}, {"values", {1, 2, 3}}});
    CHECK(spec_error(d) == "s.json: /axes/1: combine \"zip\" needs every axis to have 2 values (as /axes/0), got 3");
  }
  CHECK(with("/workloads", json::array({"a/x.json", "b/x.json"})) ==
        "s.json: /workloads/1: another workload is also named \"x\" (file stems must differ)");
  CHECK(with("/name", "a b") == "s.json: /name: must be letters, digits, '_', '-' or '.' (not first), got \"a b\"");
  CHECK(with("/constraints", json{{"max_sram", 1}}) ==
        "s.json: /constraints/max_sram: unknown key; allowed: max_pes, max_total_sram_bytes, require");
  CHECK(with("/constraints", json{{"require", {"/array/rows 64"}}}) ==
        "s.json: /constraints/require/0: \"/array/rows 64\" has no comparison; expected one of < <= == != >= > "
        "between spaces");
  CHECK(with("/constraints", json{{"require", {"/array/rows <= 64 *"}}}) ==
        "s.json: /constraints/require/0: \"/array/rows <= 64 *\" ends with an operator");
  CHECK(with("/constraints", json{{"require", {"/array/rows <= rows"}}}) ==
        "s.json: /constraints/require/0: unexpected \"rows\" in \"/array/rows <= rows\"; expected a JSON pointer, a "
        "number or a \"string\"");
  {
    json d = base_spec();
    d.erase("arch");
    CHECK(spec_error(d) == "s.json: /arch: is required but missing");
  }
}

TEST_CASE("sweep constraints: totals and expressions on the effective config", "[sweep]") {
  const json cfg = {{"array", {{"rows", 64}, {"cols", 32}, {"dataflow", "ws"}}},
                    {"buffers", {{"a", {{"capacity_bytes", 1000}}}, {"b", {{"capacity_bytes", 24}}}}}};
  CHECK(sweep::total_sram_bytes(cfg) == 1024);
  sweep::Constraints c;
  c.max_total_sram_bytes = 1024;
  c.max_pes = 2048;
  CHECK(sweep::check_constraints(c, cfg, "s.json").empty());
  c.max_total_sram_bytes = 1023;
  CHECK(sweep::check_constraints(c, cfg, "s.json") == "max_total_sram_bytes: 1024 > 1023");
  c = {};
  c.max_pes = 2047;
  CHECK(sweep::check_constraints(c, cfg, "s.json") == "max_pes: 2048 > 2047");
  auto holds = [&](const std::string& text) {
    sweep::Constraints e;
    e.require.push_back(sweep::parse_comparison(text, "s.json", "/constraints/require/0"));
    return sweep::check_constraints(e, cfg, "s.json").empty();
  };
  CHECK(holds("/array/rows * /array/cols == 2048"));
  CHECK(holds("/array/rows <= 2 * /array/cols"));      // 64 <= 64
  CHECK_FALSE(holds("/array/rows < 2 * /array/cols"));
  CHECK(holds("/array/rows - /array/cols + 1 == 33"));  // * binds tighter than + and -
  CHECK(holds("/array/dataflow != \"os\""));
  CHECK_FALSE(holds("/array/dataflow == \"os\""));
  CHECK_THROWS_WITH(holds("/array/rwos > 1"),
                    "s.json: /constraints/require/0: \"/array/rwos\" is not a key of the effective config");
  CHECK_THROWS_WITH(holds("/array/dataflow > 1"),
                    "s.json: /constraints/require/0: \"/array/dataflow > 1\": cannot compare \"ws\" with 1.0 using >");
}

TEST_CASE("sweep plan: product order zip constraints and keys", "[sweep]") {
  const auto dir = test::temp_dir("sweep_plan");
  const json axes = {{{"path", "/array/rows"}, {"values", {16, 32, 64}}},
                     {{"path", "/array/dataflow"}, {"values", {"os", "ws", "is"}}}};
  auto plan = sweep::plan_sweep(sweep::load_sweep_spec(write_spec(dir, axes, kSmallWorkloads).string()));
  REQUIRE(plan.points.size() == 9);
  REQUIRE(plan.jobs.size() == 18);
  // Product: the first axis varies slowest.
  CHECK(json(plan.points[1].values).dump() == "[16,\"ws\"]");
  CHECK(json(plan.points[3].values).dump() == "[32,\"os\"]");
  CHECK(plan.points[3].overrides[0].text == "/array/rows=32");
  CHECK(plan.points[3].overrides[1].text == "/array/dataflow=\"os\"");
  CHECK(plan.jobs[7].row == 7);
  CHECK(plan.jobs[7].point == 3);
  CHECK(plan.jobs[7].workload == 1);
  std::set<std::string> keys;
  for (const auto& j : plan.jobs) keys.insert(j.key);
  CHECK(keys.size() == 18);  // distinct configs and workloads give distinct keys

  // Zip pairs the i-th values; the constraint removes rows * cols > 1024 (64 x 32).
  auto plan_zip = sweep::plan_sweep(sweep::load_sweep_spec(
      write_spec(dir, axes, {"gemm_1024"}, {{"combine", "zip"}, {"constraints", {{"max_pes", 1024}}}}).string()));
  REQUIRE(plan_zip.points.size() == 2);
  CHECK(plan_zip.excluded_points == 1);
  CHECK(json(plan_zip.points[1].values).dump() == "[32,\"ws\"]");
  // The same effective config and workload give the same key whatever the sweep.
  CHECK(plan_zip.jobs[1].key == plan.jobs[9].key);  // 32/ws on gemm_1024 in both

  // A SCALE-Sim .cfg works as the arch: its rows are the same as after `tpusim run` imports it.
  json cfg_spec = json::parse(test::read_text(write_spec(dir, axes, {"gemm_1024"})));
  cfg_spec["arch"] = test::source_path("configs/scalesim/scale.cfg");
  test::write_text(dir / "cfg.json", cfg_spec.dump());
  CHECK(sweep::plan_sweep(sweep::load_sweep_spec((dir / "cfg.json").string())).jobs.size() == 9);

  // An axis path the config does not have is an error before anything runs.
  const json bad_axes = {{{"path", "/array/rwos"}, {"values", {16}}}};
  const auto spec_path = write_spec(dir, bad_axes);
  CHECK_THROWS_WITH(sweep::plan_sweep(sweep::load_sweep_spec(spec_path.string())),
                    spec_path.string() + ": /axes/0/path: \"/array/rwos\" is not a key of the effective config of " +
                        test::source_path("configs/scalesim_32x32.json"));
}

TEST_CASE("sweep pareto: non-dominated ok rows per workload", "[sweep]") {
  auto row = [](uint64_t point, const std::string& w, double cycles, double energy, const std::string& status = "ok") {
    sweep::PointResult r = status == "ok" ? sweep::PointResult{} : sweep::PointResult::failure(status, false);
    if (status == "ok") {
      r.cycles = cycles;
      r.energy_pj = energy;
    }
    return sweep::make_row(point, {}, {}, w, r, "r");
  };
  const std::vector<sweep::Row> rows = {
      row(0, "a", 100, 10), row(1, "a", 50, 20), row(2, "a", 60, 20),  // 2 is dominated by 1
      row(3, "a", 100, 10),                                              // a tie stays
      row(4, "a", 10, 1, "boom"),                                        // failures never appear
      row(5, "b", 1000, 1000)};                                          // another workload
  std::vector<uint64_t> front;
  for (const auto& r : sweep::pareto_front(rows)) front.push_back(r.at("point").get<uint64_t>());
  CHECK(front == std::vector<uint64_t>{0, 1, 3, 5});
  CHECK(sweep::csv_line(row(4, "a", 0, 0, "bad, \"quoted\"")) == "4,a,\"bad, \"\"quoted\"\"\",,,,,,\n");
}

TEST_CASE("sweep: a row equals tpusim run with the same overrides", "[sweep][cli]") {
  const auto dir = test::temp_dir("sweep_row");
  const auto spec = write_spec(dir, kSmallAxes, kSmallWorkloads);
  const auto r = test::run_cli("sweep " + spec.string() + " --jobs 2 --out " + (dir / "out").string(), dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("sweep: 8 rows (ran 8, reused 0, failed 0) in ") == 0);
  const auto rows = test::read_jsonl(dir / "out/points.jsonl");
  REQUIRE(rows.size() == 8);
  // Row 5: point 2 = (32x32, os) on gemm_1024.
  const json& row = rows[5];
  CHECK(row.at("point") == 2);
  CHECK(row.at("/array/rows") == 32);
  CHECK(row.at("/array/dataflow") == "os");
  CHECK(row.at("workload") == "gemm_1024");
  CHECK(row.at("status") == "ok");
  const auto run = test::run_cli("run --arch " + test::source_path("configs/scalesim_32x32.json") + " --workload " +
                                     test::source_path("workloads/gemm_1024.json") +
                                     " --set /array/rows=32 --set /array/cols=32 --set /array/dataflow=os -q --out " +
                                     (dir / "single").string(),
                                 dir);
  REQUIRE(run.exit_code == 0);
  const json report = json::parse(test::read_text(dir / "single/report.json"));
  const json& t = report.at("totals");
  CHECK(row.at("cycles") == t.at("cycles"));
  CHECK(row.at("utilization") == t.at("utilization"));
  CHECK(row.at("energy_pj") == t.at("energy_pj"));
  CHECK(row.at("tops_per_w") == t.at("tops_per_w"));
  CHECK(row.at("area_mm2") == (t.contains("area_mm2") ? t.at("area_mm2") : json()));
  // The row's own report is the same report (tool version and all).
  CHECK(json::parse(test::read_text(dir / "out" / row.at("report").get<std::string>())) == report);
  // The CSV carries the same row: point, axes, workload, then the metrics.
  const std::string csv = test::read_text(dir / "out/points.csv");
  CHECK(csv.find("point,/array/rows,/array/cols,/array/dataflow,workload,status,cycles,utilization,energy_pj,"
                 "tops_per_w,area_mm2,report\n") == 0);
  CHECK(csv.find("\n2,32,32,os,gemm_1024,ok," + t.at("cycles").dump() + ",") != std::string::npos);
}

TEST_CASE("sweep: shards cover every row exactly once and merge to the local table", "[sweep][cli]") {
  const auto dir = test::temp_dir("sweep_shards");
  const auto spec = write_spec(dir, kSmallAxes, kSmallWorkloads);
  REQUIRE(test::run_cli("sweep " + spec.string() + " --jobs 2 -q --out " + (dir / "local").string(), dir).exit_code == 0);
  std::multiset<std::pair<uint64_t, std::string>> seen;
  std::string shard_dirs;
  for (int i = 1; i <= 3; ++i) {
    const auto out = dir / ("shard" + std::to_string(i));
    const auto r = test::run_cli(
        "sweep " + spec.string() + " --jobs 2 -q --shard " + std::to_string(i) + "/3 --out " + out.string(), dir);
    REQUIRE(r.exit_code == 0);
    for (const auto& row : test::read_jsonl(out / "points.jsonl")) {
      // Shard I of 3 takes rows with row % 3 == I - 1 (row = point * workloads + workload).
      const uint64_t row_index = row.at("point").get<uint64_t>() * 2 + (row.at("workload") == "gemm_1024" ? 1 : 0);
      CHECK(row_index % 3 == uint64_t(i - 1));
      seen.insert({row.at("point").get<uint64_t>(), row.at("workload").get<std::string>()});
    }
    shard_dirs += " " + out.string();
  }
  CHECK(seen.size() == 8);
  CHECK(std::set<std::pair<uint64_t, std::string>>(seen.begin(), seen.end()).size() == 8);
  const auto m = test::run_cli("sweep -q --merge" + shard_dirs + " --out " + (dir / "merged").string(), dir);
  REQUIRE(m.exit_code == 0);
  for (const char* f : {"points.csv", "points.jsonl", "pareto.csv"})
    CHECK(test::read_text(dir / "merged" / f) == test::read_text(dir / "local" / f));
  // The merged table's report paths are valid: the runs were copied next to it.
  for (const auto& row : test::read_jsonl(dir / "merged/points.jsonl"))
    CHECK(fs::exists(dir / "merged" / row.at("report").get<std::string>()));
  // Two of three shards are not the whole sweep.
  const auto partial = test::run_cli("sweep --merge " + (dir / "shard1").string() + " " + (dir / "shard3").string() +
                                         " --out " + (dir / "partial").string(),
                                     dir);
  CHECK(partial.exit_code == 2);
  CHECK(partial.err == "tpusim: --merge: the directories hold 5 of the 8 rows of sweep \"test\"; first missing: "
                       "point 0 workload gemm_1024 (row 1)\n");
  // Directories of another sweep (other axis values: another sweep id) do not merge.
  const auto other_dir = dir / "other";
  fs::create_directories(other_dir);
  const auto other = write_spec(other_dir, json::array({{{"path", "/array/rows"}, {"values", {8}}}}));
  REQUIRE(test::run_cli("sweep " + other.string() + " -q --out " + (dir / "o").string(), dir).exit_code == 0);
  const auto mixed = test::run_cli("sweep --merge " + (dir / "shard1").string() + " " + (dir / "o").string() +
                                       " --out " + (dir / "mixed").string(),
                                   dir);
  CHECK(mixed.exit_code == 2);
  CHECK(mixed.err.find("tpusim: --merge " + (dir / "o").string() + ": holds sweep \"test\" (") == 0);
  CHECK(test::run_cli("sweep " + spec.string() + " --shard 4/3 --out x", dir).err ==
        "tpusim: --shard 4/3: expected I/N with 1 <= I <= N (1-based), such as 2/8\n");
}

TEST_CASE("sweep: resume on a finished sweep recomputes nothing", "[sweep][cli]") {
  const auto dir = test::temp_dir("sweep_resume");
  const auto spec = write_spec(dir, kSmallAxes, kSmallWorkloads);
  const std::string cmd = "sweep " + spec.string() + " --jobs 2 --out " + (dir / "out").string();
  REQUIRE(test::run_cli(cmd, dir).exit_code == 0);
  std::map<std::string, fs::file_time_type> mtimes;
  for (const auto& e : fs::recursive_directory_iterator(dir / "out/points"))
    if (e.is_regular_file()) mtimes[e.path().string()] = e.last_write_time();
  REQUIRE(mtimes.size() == 8 * 4);  // report.json, layers.csv, stderr.txt, result.json per row
  const std::string table = test::read_text(dir / "out/points.csv");

  // Without --resume the directory is not overwritten.
  const auto again = test::run_cli(cmd, dir);
  CHECK(again.exit_code == 2);
  CHECK(again.err == "tpusim: --out " + (dir / "out").string() +
                         ": holds a sweep already; pass --resume to continue it or choose another directory\n");

  const auto r = test::run_cli(cmd + " --resume", dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("sweep: 8 rows (ran 0, reused 8, failed 0)") == 0);
  for (const auto& [path, t] : mtimes) CHECK(fs::last_write_time(path) == t);
  CHECK(test::read_text(dir / "out/points.csv") == table);

  // A lost row (its run deleted) is the only one run again.
  const auto first = test::read_jsonl(dir / "out/points.jsonl").front();
  fs::remove_all((dir / "out" / first.at("report").get<std::string>()).parent_path());
  const auto r2 = test::run_cli(cmd + " --resume", dir);
  CHECK(r2.out.find("sweep: 8 rows (ran 1, reused 7, failed 0)") == 0);
  CHECK(test::read_text(dir / "out/points.csv") == table);
}

TEST_CASE("sweep: a failing point is recorded and the sweep goes on", "[sweep][cli]") {
  const auto dir = test::temp_dir("sweep_fail");
  // rows = 0 is rejected when the config is parsed; a 16-byte filter buffer fails in the run
  // (a 16-column os fold needs 32 B of weights, twice: double-buffered).
  const json axes = {{{"path", "/array/rows"}, {"values", {0, 16}}},
                     {{"path", "/buffers/filter/capacity_bytes"}, {"values", {16, 65536}}}};
  const auto spec = write_spec(dir, axes);
  const auto r = test::run_cli("sweep " + spec.string() + " --jobs 2 --out " + (dir / "out").string(), dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("sweep: 4 rows (ran 2, reused 0, failed 3)") == 0);
  const auto rows = test::read_jsonl(dir / "out/points.jsonl");
  REQUIRE(rows.size() == 4);
  const std::string arch = test::source_path("configs/scalesim_32x32.json");
  CHECK(rows[0].at("status") == "--set /array/rows=0: " + arch + ": /array/rows: must be an integer in [1, 65536], got 0");
  CHECK(rows[1].at("status") == rows[0].at("status"));
  CHECK(rows[2].at("status").get<std::string>().find(arch + ": /buffers/filter/capacity_bytes: cannot hold the "
                                                      "smallest tile of layer \"gemm\"") == 0);
  CHECK(rows[2].at("cycles").is_null());
  CHECK(rows[2].at("report").is_null());
  CHECK(rows[3].at("status") == "ok");
  CHECK(rows[3].at("cycles").get<uint64_t>() > 0);
  // The error is quoted in the CSV; failed rows are not on the Pareto front.
  CHECK(test::read_text(dir / "out/points.csv").find(",\"--set /array/rows=0: ") != std::string::npos);
  CHECK(test::read_text(dir / "out/pareto.csv").find("\n3,16,65536,gemm_128x64x256,ok,") != std::string::npos);
}

TEST_CASE("sweep: a point over its timeout is killed and run again on resume", "[sweep][cli]") {
  const auto dir = test::temp_dir("sweep_timeout");
  // ResNet-50 on an 8x8 array takes a few hundred ms: far over a 20 ms timeout.
  const json axes = {{{"paths", {"/array/rows", "/array/cols"}}, {"values", {8}}}};
  const auto spec = write_spec(dir, axes, {"resnet50"});
  const std::string cmd = "sweep " + spec.string() + " -q --out " + (dir / "out").string();
  REQUIRE(test::run_cli(cmd + " --timeout-s 0.02", dir).exit_code == 0);
  auto rows = test::read_jsonl(dir / "out/points.jsonl");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].at("status") == "timeout after 0.02 s");
  REQUIRE(test::run_cli(cmd + " --resume", dir).exit_code == 0);
  rows = test::read_jsonl(dir / "out/points.jsonl");
  CHECK(rows[0].at("status") == "ok");
}

TEST_CASE("sweep progress: durations read as seconds minutes and hours", "[sweep]") {
  CHECK(sweep::Progress::format_duration(0.4) == "0s");
  CHECK(sweep::Progress::format_duration(42) == "42s");
  CHECK(sweep::Progress::format_duration(75) == "1m15s");
  CHECK(sweep::Progress::format_duration(7380) == "2h03m");
}
