// tpusim choose: its rows are the figures single `tpusim run`s give, broken constraints are
// marked, and a bad architecture stops it before anything runs.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;

namespace {

/// choose.csv as rows of column -> text.
std::vector<std::map<std::string, std::string>> read_csv(const std::filesystem::path& p) {
  std::istringstream in(test::read_text(p));
  std::string line;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  auto split = [](const std::string& s) {
    std::vector<std::string> v;
    std::string cell;
    std::istringstream ss(s);
    while (std::getline(ss, cell, ',')) v.push_back(cell);
    if (!s.empty() && s.back() == ',') v.push_back("");
    return v;
  };
  std::getline(in, line);
  header = split(line);
  while (std::getline(in, line)) {
    const auto cells = split(line);
    REQUIRE(cells.size() == header.size());
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

json single_run(const std::string& arch, const std::string& workload, const std::filesystem::path& dir) {
  const auto r = test::run_cli("run -q --arch " + arch + " --workload " + workload + " --out " + dir.string(), dir.parent_path());
  REQUIRE(r.exit_code == 0);
  return json::parse(test::read_text(dir / "report.json"));
}

double num(const std::map<std::string, std::string>& row, const std::string& key) { return std::stod(row.at(key)); }

/// One `tpusim run` of a model and scenario on `arch` (its report's totals) and the `choose` table
/// of the same on that one architecture (its rows).
std::pair<json, std::vector<std::map<std::string, std::string>>> llm_run_and_choose(const std::string& arch,
                                                                                  const std::string& model,
                                                                                  const std::string& scenario,
                                                                                  const std::filesystem::path& dir) {
  const std::string what = " --arch " + arch + " --model " + model + " --scenario " + scenario + " --out ";
  auto r = test::run_cli("run -q" + what + (dir / "single").string(), dir);
  REQUIRE(r.exit_code == 0);
  const json t = json::parse(test::read_text(dir / "single" / "report.json"))["totals"];
  r = test::run_cli("choose -q" + what + (dir / "c").string(), dir);
  REQUIRE(r.exit_code == 0);
  auto rows = read_csv(dir / "c" / "choose.csv");
  REQUIRE(rows.size() == 1);
  return {t, rows};
}

}  // namespace

TEST_CASE("choose: each row is what tpusim run gives, and a broken constraint is marked", "[choose][cli]") {
  const auto dir = test::temp_dir("choose_rows");
  const std::string gemmini = test::source_path("configs/gemmini_like_16x16.json");
  const std::string fpga = test::source_path("configs/zhang2015_vx485t.json");
  const std::string work = test::source_path("workloads/gemm_128x64x256.json");
  const json a = single_run(gemmini, work, dir / "a"), b = single_run(fpga, work, dir / "b");
  const double ta = a["totals"]["seconds"].get<double>() * 1e3, tb = b["totals"]["seconds"].get<double>() * 1e3;
  REQUIRE(ta != tb);
  // A latency limit between the two: exactly the slower one breaks it. Power: both run far above
  // a nanowatt. Area: Gemmini's (from its report) is above half of it; the FPGA design has none.
  const double limit = std::sqrt(ta * tb);
  const double area_limit = a["totals"]["area_mm2"].get<double>() / 2;
  // Energy per inference (the workload once, batch 1): a limit between the two, in mJ.
  const double ea = a["totals"]["energy_pj"].get<double>() * 1e-9, eb = b["totals"]["energy_pj"].get<double>() * 1e-9;
  REQUIRE(ea != eb);
  const double energy_limit = std::sqrt(ea * eb);
  const auto r = test::run_cli("choose --arch " + gemmini + " " + fpga + " --workload " + work +
                                        " --max-latency-ms " + std::to_string(limit) + " --max-power-w 1e-9 --max-area-mm2 " +
                                        std::to_string(area_limit) + " --max-energy-mj " + fmt::format("{:.17g}", energy_limit) +
                                        " --jobs 2 --out " + (dir / "c").string(),
                               dir);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(dir / "c" / "choose.csv");
  REQUIRE(rows.size() == 2);
  const json* reports[2] = {&a, &b};
  for (size_t i = 0; i < 2; ++i) {
    const auto& row = rows[i];
    const json& t = (*reports[i])["totals"];
    INFO(row.at("arch"));
    CHECK(row.at("status") == "ok");
    CHECK(row.at("name") == (*reports[i])["arch"]["name"]);
    // The same run: equal figures, to the printed precision (shortest round-trip form).
    CHECK(num(row, "latency_ms") == Approx(t["seconds"].get<double>() * 1e3).epsilon(1e-12));
    CHECK(num(row, "throughput_per_s") == Approx(1.0 / t["seconds"].get<double>()).epsilon(1e-12));
    CHECK(num(row, "energy_per_inference_mj") == Approx(t["energy_pj"].get<double>() * 1e-9).epsilon(1e-12));
    CHECK(num(row, "tops_per_w") == Approx(t["tops_per_w"].get<double>()).epsilon(1e-12));
    CHECK(num(row, "average_power_w") == Approx(t["average_power_w"].get<double>()).epsilon(1e-12));
    CHECK(num(row, "utilization") == Approx(t["utilization"].get<double>()).epsilon(1e-12));
    const bool slower = (i == 0 ? ta : tb) > limit;
    const std::string v = row.at("violates");
    CHECK((v.find("latency") != std::string::npos) == slower);
    CHECK(v.find("power") != std::string::npos);
    CHECK((v.find("energy") != std::string::npos) == ((i == 0 ? ea : eb) > energy_limit));
    // Bound: the larger of the compute and memory shares, from the cycle classes.
    const json& cb = t["cycle_breakdown"];
    const double compute = cb["useful_mac"].get<double>() + cb["unused_mac"].get<double>() +
                           cb["weight_shift"].get<double>() + cb["non_matrix"].get<double>();
    const double memory = cb["weight_stall"].get<double>() + cb["input_stall"].get<double>() + cb["output_stall"].get<double>();
    CHECK(num(row, "compute_share") == Approx(compute / t["cycles"].get<double>()));
    const double raw = cb["raw_stall"].get<double>();
    const std::string bound = compute >= memory && compute >= raw ? "compute" : memory >= raw ? "memory" : "dependency";
    CHECK(row.at("bound") == bound);
  }
  CHECK(num(rows[0], "area_mm2") == Approx(a["totals"]["area_mm2"].get<double>()).epsilon(1e-12));
  CHECK(rows[0].at("violates").find("area") != std::string::npos);
  CHECK(rows[1].at("area_mm2").empty());  // FPGA: no area, so no area violation
  CHECK(rows[1].at("violates").find("area") == std::string::npos);
  // The markdown on stdout: one line per architecture, the violations in bold.
  CHECK(r.out.find("| gemmini_like_16x16 |") != std::string::npos);
  CHECK(r.out.find("| zhang2015_vx485t |") != std::string::npos);
  CHECK(r.out.find("n/a (FPGA)") != std::string::npos);
  CHECK(r.out.find("**") != std::string::npos);
  // choose.json: the limits given (all four here), and no null anywhere: the FPGA row has no
  // area_mm2 key rather than a null one.
  const json meta = json::parse(test::read_text(dir / "c" / "choose.json"));
  CHECK(meta["limits"].size() == 4);
  CHECK(meta["limits"]["max_energy_mj"].get<double>() == Approx(energy_limit));
  CHECK(meta["rows"][0].contains("area_mm2"));
  CHECK_FALSE(meta["rows"][1].contains("area_mm2"));
  CHECK(meta.dump().find("null") == std::string::npos);
}

TEST_CASE("choose: an LLM decode step per architecture, time per output token", "[choose][cli]") {
  const auto dir = test::temp_dir("choose_llm");
  const std::string arch = test::source_path("configs/tpu_v4_like_128x128.json");
  const std::string model = test::source_path("workloads/models/tiny_gqa.json");
  const std::string scenario = test::source_path("workloads/scenarios/decode_b1_c2048_t128.json");
  const auto [t, rows] = llm_run_and_choose(arch, model, scenario, dir);
  CHECK(rows[0].at("throughput_unit") == "tokens/s");
  CHECK(num(rows[0], "latency_ms") == Approx(t["time_per_output_token_s"].get<double>() * 1e3).epsilon(1e-12));
  CHECK(num(rows[0], "throughput_per_s") == Approx(t["tokens_per_s"].get<double>()).epsilon(1e-12));
  CHECK(num(rows[0], "energy_per_inference_mj") == Approx(t["energy_per_token_j"].get<double>() * 1e3).epsilon(1e-12));
  CHECK(num(rows[0], "utilization") == Approx(t["mfu"].get<double>()).epsilon(1e-12));
}

TEST_CASE("choose: an LLM run on a system prices the whole system's energy", "[choose][cli]") {
  const auto dir = test::temp_dir("choose_llm_system");
  const std::string arch = test::source_path("configs/systems/tpu_v5e_8x4.json");
  const std::string model = test::source_path("workloads/models/tiny_gqa.json");
  test::write_text(dir / "s.json", R"({"name": "tiny decode on 32 chips", "kind": "decode", "batch": 8, "context": 127, "tokens": 1,
                                        "parallelism": {"tp": 4, "dp": 8}})");
  const std::string scenario = (dir / "s.json").string();
  const auto [t, rows] = llm_run_and_choose(arch, model, scenario, dir);
  // 32 chips: the system's energy is more than one chip's, and the row's power and TOPS/W are the
  // system's (2 x the whole model's MACs over all 32 chips' energy and the links').
  const double system_j = t["system_energy_pj"].get<double>() * 1e-12;
  REQUIRE(system_j > 30 * t["energy_pj"].get<double>() * 1e-12);
  CHECK(num(rows[0], "average_power_w") == Approx(system_j / t["seconds"].get<double>()).epsilon(1e-12));
  CHECK(num(rows[0], "tops_per_w") == Approx(2.0 * t["model_macs"].get<double>() / system_j / 1e12).epsilon(1e-12));
}

TEST_CASE("choose: a bad architecture path, limit or workload is one line, exit 2, no table", "[choose][cli]") {
  const auto dir = test::temp_dir("choose_errors");
  const std::string good = test::source_path("configs/tpu_v1.json");
  const std::string work = test::source_path("workloads/gemm_128x64x256.json");
  struct Case {
    std::string args, word;
  };
  const std::vector<Case> cases = {
      {"--arch " + good + " configs/no_such_preset.json --workload " + work, "configs/no_such_preset.json"},
      {"--arch " + good + " --workload " + work + " --max-power-w -1", "--max-power-w: must be a positive number"},
      {"--arch " + good + " --workload workloads/none.json", "workloads/none.json"},
      {"--arch " + good, "give a workload, or a model with a scenario"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    std::filesystem::remove_all(dir / "c");
    const auto r = test::run_cli("choose " + c.args + " --out " + (dir / "c").string(), dir);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find(c.word) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "c" / "choose.csv"));
  }
}
