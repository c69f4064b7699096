// SCALE-Sim v2 compatibility against SCALE-Sim's own outputs (../shared/reference/scalesim/
// cases.json, copied to tests/data/scalesim/ for clones without shared/). Every expected number
// here is read from that file; nothing is copied from tpusim's output.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/compat/scalesim/scalesim_v2.h"
#include "sim/spec/arch_loader.h"
#include "sim/importers/scalesim_cfg.h"
#include "sim/importers/scalesim_topology.h"
#include "sim/report/compute_report_csv.h"
#include "sim/run/scalesim_v2_layer.h"

namespace {

using nlohmann::json;

/// `rel` under ../shared/reference/scalesim beside the repository if present, else the copy
/// of the same file (by base name) in tests/data/scalesim.
std::string scalesim_ref_path(const std::string& rel) {
  const std::string shared = std::string(TPUSIM_SOURCE_DIR) + "/../shared/reference/scalesim/" + rel;
  if (std::ifstream(shared)) return shared;
  return std::string(TPUSIM_SOURCE_DIR) + "/tests/data/scalesim/" + rel.substr(rel.find_last_of('/') + 1);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The .cfg SCALE-Sim ran for a case: its shipped configs/scale.cfg with the case's array.
std::string cfg_for(const json& c) {
  const json& a = c["array"];
  return fmt::format(
      "[general]\nrun_name = {}\n\n[architecture_presets]\nArrayHeight: {}\nArrayWidth: {}\nIfmapSramSzkB: {}\n"
      "FilterSramSzkB: {}\nOfmapSramSzkB: {}\nIfmapOffset: 0\nFilterOffset: 10000000\nOfmapOffset: 20000000\n"
      "Bandwidth : 10\nDataflow : {}\nMemoryBanks: 1\n\n[run_presets]\nInterfaceBandwidth: CALC\n",
      c["id"].get<std::string>(), a["rows"].get<int>(), a["cols"].get<int>(), a["ifmap_sram_kb"].get<int>(),
      a["filter_sram_kb"].get<int>(), a["ofmap_sram_kb"].get<int>(), a["dataflow"].get<std::string>());
}

/// The one-row topology CSV of a case, in the form SCALE-Sim read it.
std::string csv_for(const json& l) {
  if (l["kind"] == "gemm")
    return fmt::format("Layer, M, N, K,\n{}, {}, {}, {},\n", l["name"].get<std::string>(), l["m"].get<uint64_t>(),
                       l["n"].get<uint64_t>(), l["k"].get<uint64_t>());
  return fmt::format(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
      "{}, {}, {}, {}, {}, {}, {}, {},\n",
      l["name"].get<std::string>(), l["ifmap_h"].get<uint64_t>(), l["ifmap_w"].get<uint64_t>(),
      l["filter_h"].get<uint64_t>(), l["filter_w"].get<uint64_t>(), l["channels"].get<uint64_t>(),
      l["num_filters"].get<uint64_t>(), l["stride"].get<uint64_t>());
}

void check_pct(const json& expected, const char* key, double got_pct) {
  if (!expected.contains(key)) return;
  INFO(key);
  CHECK(got_pct == Approx(expected[key].get<double>()).epsilon(1e-9));
}

void check_count(const json& expected, const char* key, uint64_t got) {
  if (!expected.contains(key)) return;
  INFO(key);
  CHECK(got == expected[key].get<uint64_t>());
}

}  // namespace

TEST_CASE("scalesim-v2 reproduces every SCALE-Sim v2 reference case", "[scalesim]") {
  const std::string copy = std::string(TPUSIM_SOURCE_DIR) + "/tests/data/scalesim/";
  const std::string shared = std::string(TPUSIM_SOURCE_DIR) + "/../shared/reference/scalesim/";
  if (std::ifstream(shared + "cases.json")) {  // the copies for clones without shared/ must not drift
    CHECK(slurp(copy + "cases.json") == slurp(shared + "cases.json"));
    CHECK(slurp(copy + "resnet50.csv") == slurp(shared + "topologies/resnet50.csv"));
  }
  const json doc = json::parse(slurp(scalesim_ref_path("cases.json")));
  const json& cases = doc["cases"];
  REQUIRE(cases.size() == 47);  // README: 3 GEMM + 3 AlexNet Conv1 + 41 ResNet-50 layers

  tpusim::RunResult run;
  std::vector<json> expected_rows;
  for (const json& c : cases) {
    const std::string id = c["id"];
    INFO(id);
    // Through the real import path: the case's .cfg and one-row topology CSV.
    const tpusim::ArchConfig arch =
        tpusim::config::parse_arch(tpusim::importers::scalesim_cfg_to_json(cfg_for(c), id + ".cfg"), id + ".cfg");
    REQUIRE(arch.timing == tpusim::TimingMode::scalesim_v2);
    const tpusim::Workload w = tpusim::importers::parse_workload_csv(csv_for(c["layer"]), id + ".csv");
    REQUIRE(w.layers.size() == 1);
    const tpusim::LayerResult r = tpusim::sim::scalesim_v2_layer(arch, w.layers[0]);

    const json& e = c["expected"];
    check_count(e, "total_cycles", r.cycles);
    check_count(e, "stall_cycles", r.stall_cycles);
    check_pct(e, "overall_util_pct", *r.utilization_override * 100.0);
    check_pct(e, "mapping_efficiency_pct", r.mapping_efficiency * 100.0);
    check_pct(e, "compute_util_pct", *r.compute_utilization * 100.0);
    check_count(e, "sram_ifmap_reads", r.sram_reads.at("ifmap"));
    check_count(e, "sram_filter_reads", r.sram_reads.at("filter"));
    check_count(e, "sram_ofmap_writes", r.sram_writes.at("ofmap"));
    CHECK(r.breakdown.total() == r.cycles);
    CHECK(r.compute_cycles == r.cycles);
    run.layers.push_back(r);
    expected_rows.push_back(e);
  }

  // COMPUTE_REPORT.csv: SCALE-Sim's header and separators, and its numbers to the last bit
  // (the report prints ratio * 100, which scalesim_v2_layer makes equal to SCALE-Sim's double).
  const std::string report = tpusim::report::compute_report_csv(run);
  std::istringstream lines(report);
  std::string line;
  std::getline(lines, line);
  CHECK(line == "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,");
  for (size_t i = 0; i < expected_rows.size(); ++i) {
    INFO(cases[i]["id"].get<std::string>());
    REQUIRE(std::getline(lines, line));
    const json& e = expected_rows[i];
    const std::string want = fmt::format(
        "{}, {}, {}, {}, {}, {},", i, e["total_cycles"].get<uint64_t>(), e["stall_cycles"].get<uint64_t>(),
        tpusim::report::python_float_repr(e["overall_util_pct"].get<double>()),
        tpusim::report::python_float_repr(e["mapping_efficiency_pct"].get<double>()),
        tpusim::report::python_float_repr(e["compute_util_pct"].get<double>()));
    CHECK(line == want);
  }
  CHECK_FALSE(std::getline(lines, line));
}

TEST_CASE("the SCALE-Sim ResNet-50 topology loads and runs in scalesim-v2 timing", "[scalesim]") {
  const tpusim::Workload w = tpusim::importers::load_workload_csv(scalesim_ref_path("topologies/resnet50.csv"));
  REQUIRE(w.layers.size() == 54);  // 54 data rows, no DP layers
  CHECK(w.name == "resnet50");
  CHECK(w.layers.front().name == "Conv1");
  CHECK(w.layers.back().name == "FC6");
  // FC6, 1, 1, 1, 1, 2048, 1000, 1: a 1x1 conv on a 1x1 ifmap.
  CHECK(w.layers.back().gemm.m == 1);
  CHECK(w.layers.back().gemm.k == 2048);
  CHECK(w.layers.back().gemm.n == 1000);

  const json doc = json::parse(slurp(scalesim_ref_path("cases.json")));
  for (const char* df : {"os", "ws", "is"}) {
    INFO(df);
    const tpusim::ArchConfig arch = tpusim::importers::load_arch_cfg(
        std::string(TPUSIM_SOURCE_DIR) + "/configs/scalesim/scale.cfg", {tpusim::config::parse_override(std::string("/array/dataflow=") + df)});
    uint64_t total = 0;
    for (size_t i = 0; i < w.layers.size(); ++i) {
      const tpusim::LayerResult r = tpusim::sim::scalesim_v2_layer(arch, w.layers[i]);
      CHECK(r.cycles > 0);
      CHECK(r.breakdown.total() == r.cycles);
      total += r.cycles;
      // The first 41 layers under OS are reference cases (ids resnet50_32x32_os_layerNN).
      if (std::string(df) == "os" && i < 41) {
        const json& c = doc["cases"][6 + i];
        REQUIRE(c["id"] == fmt::format("resnet50_32x32_os_layer{:02d}", i));
        CHECK(r.cycles == c["expected"]["total_cycles"].get<uint64_t>());
      }
    }
    CHECK(total > 0);
  }
}
