// A chip of several matrix units and cores (arch/chip/README.md). The units of a core work on a
// fold together (a gang) and the cores split its streamed rows; every unit runs the same fold in
// lockstep, so a gang's run takes the cycles of one unit running its share alone (the independent
// model each case compares with), while the MACs and the bytes are the whole fold's. Memory is
// made ideal (1e6 GB/s, no latency) so that only the array's timing differs. Each run is its own
// process.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;
using tpusim::test::write_text;

namespace {

/// tiny_arch_json (4x4 ws, 1 GHz, 1 KiB buffers, int8) with ideal DRAM and buffer ports wide
/// enough for four units' tiles in one cycle (a gang reads its units' weight tiles together).
json ideal_arch() {
  json a = tpusim::test::tiny_arch_json();
  for (auto& [name, b] : a["buffers"].items()) b["bytes_per_cycle_per_port"] = 1024;
  a["dram"] = {{"bandwidth_gb_per_s", 1e6}, {"latency_ns", 0}, {"burst_bytes", 1}};
  return a;
}

json gemm(uint64_t m, uint64_t n, uint64_t k, const std::string& name = "g") {
  return {{"name", name}, {"op", "gemm"}, {"m", m}, {"n", n}, {"k", k}};
}

struct Run {
  int exit_code = 0;
  std::string err;
  json report;
};

// A braced list of one op reaches here as that op; run_workload_json wraps it in an array.
Run run_raw(const std::string& tag, const json& arch, const json& layers, const std::string& options = "") {
  auto r = tpusim::test::run_workload_json("chip_" + tag, arch, layers, options);
  return {r.cli.exit_code, r.cli.err, std::move(r.report)};
}

json run(const std::string& tag, const json& arch, const json& layers, const std::string& options = "") {
  Run r = run_raw(tag, arch, layers, options);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.report;
}

uint64_t cycles(const json& report) { return report["totals"]["cycles"].get<uint64_t>(); }
const json& layer0(const json& report) { return report["layers"][0]; }

}  // namespace

TEST_CASE("chip: units side by side (cols) take one unit's cycles and broadcast the streamed operand", "[chip]") {
  json gang = ideal_arch();
  gang["core"] = {{"matrix_units", 4}, {"unit_split", "cols"}};
  // 8x16x4: four 4-column weight tiles, one per unit, the same 8x4 A streamed into all four.
  const json g = run("cols", gang, {gemm(8, 16, 4)});
  const json one = run("cols_one", ideal_arch(), {gemm(8, 4, 4)});  // one unit's share
  CHECK(cycles(g) == cycles(one));
  CHECK(layer0(g)["macs"] == 8 * 16 * 4);
  CHECK(layer0(g)["mapping"]["units"]["split"] == "cols");
  CHECK(layer0(g)["mapping"]["tile_cols"] == 16);  // the gang's array: 4 x 4 columns
  // A is read from the inputs buffer once for all units: 8 x 4 int8 = 32 bytes, as for one unit;
  // the weights buffer serves all four tiles: 4 x 16 = 64 bytes.
  CHECK(layer0(g)["sram_reads"]["ifmap"] == 32);
  CHECK(layer0(one)["sram_reads"]["ifmap"] == 32);
  CHECK(layer0(g)["sram_reads"]["filter"] == 64);
  // Utilization over the chip's 4 x 16 PEs: the same share of a 4x larger array.
  CHECK(layer0(g)["utilization"].get<double>() == Approx(layer0(one)["utilization"].get<double>()));
}

TEST_CASE("chip: units stacked along the rows (rows) split the reduction", "[chip]") {
  json gang = ideal_arch();
  gang["core"] = {{"matrix_units", 4}, {"unit_split", "rows"}};
  // 8x4x16: each unit holds 4 of the 16 weight rows (K) and adds its partial sums to the others'.
  const json g = run("rows", gang, {gemm(8, 4, 16)});
  const json one = run("rows_one", ideal_arch(), {gemm(8, 4, 4)});
  CHECK(cycles(g) == cycles(one));
  CHECK(layer0(g)["mapping"]["tile_rows"] == 16);
  CHECK(layer0(g)["folds"] == 1);
  // Each unit streams its own K slice of A: 8 x 16 bytes in all.
  CHECK(layer0(g)["sram_reads"]["ifmap"] == 8 * 16);
}

TEST_CASE("chip: auto picks the split of least estimated time", "[chip]") {
  json gang = ideal_arch();
  gang["core"] = {{"matrix_units", 4}, {"unit_split", "auto"}};
  // 8x4x16 has one column tile: side by side, three units would idle through 4 row folds of
  // (load 4 + stream 8 + fill/drain 8) = 80 estimated cycles; split over the stream, 4 folds of
  // (4 + 2 + 8) = 56; stacked, one fold of (4 + 8 + 8) = 20. So: rows, as the case above.
  const json g = run("auto", gang, {gemm(8, 4, 16)});
  CHECK(layer0(g)["mapping"]["units"]["split"] == "rows");
  const json one = run("auto_one", ideal_arch(), {gemm(8, 4, 4)});
  CHECK(cycles(g) == cycles(one));
}

TEST_CASE("chip: an op pins its split; a bad split names its pointer", "[chip]") {
  json gang = ideal_arch();
  gang["core"] = {{"matrix_units", 4}, {"unit_split", "auto"}};
  // The same 8x4x16 twice: auto picks rows (case above); the second op pins cols.
  json pinned = gemm(8, 4, 16, "pinned");
  pinned["mapping"] = {{"unit_split", "cols"}};
  const json r = run("pin", gang, json::array({gemm(8, 4, 16, "free"), pinned}));
  CHECK(r["layers"][0]["mapping"]["units"]["split"] == "rows");
  CHECK(r["layers"][1]["mapping"]["units"]["split"] == "cols");
  // Side by side, the 16 weight rows take 4 row folds (one column tile each): 4 folds, not 1.
  CHECK(r["layers"][1]["folds"] == 4);
  pinned["mapping"]["unit_split"] = "diagonal";
  const Run bad = run_raw("pin_bad", gang, pinned);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("/layers/0/mapping/unit_split") != std::string::npos);
}

TEST_CASE("chip: cores split the streamed rows and each fetches its own copy of the weights", "[chip]") {
  json chip = ideal_arch();
  chip["chip"] = {{"cores", 2}};
  const json g = run("cores", chip, {gemm(16, 4, 4)});
  const json one = run("cores_one", ideal_arch(), {gemm(8, 4, 4)});  // one core's 8 rows
  CHECK(cycles(g) == cycles(one));
  // DRAM reads, int8: A 16 x 4 = 64 bytes once, B 4 x 4 = 16 bytes per core = 32; writes: C 16 x 4.
  CHECK(layer0(g)["dram_read_bytes"] == 64 + 32);
  CHECK(layer0(g)["dram_write_bytes"] == 64);
  // The chip's peak counts both cores' PEs.
  const auto dir = tpusim::test::temp_dir("chip_describe");
  write_text(dir / "arch.json", chip.dump());
  const auto desc = run_cli("describe --json --arch " + (dir / "arch.json").string(), dir);
  REQUIRE(desc.exit_code == 0);
  const json d = json::parse(desc.out);
  CHECK(d["peak_macs_per_cycle"] == 2 * 16);
  CHECK(d["cores"] == 2);
}

TEST_CASE("chip: at M = 1 the cores split the output columns, each weight fetched once", "[chip]") {
  json chip = ideal_arch();
  chip["chip"] = {{"cores", 2}, {"core_split", "auto"}};
  // 1x8x4 on two cores of a 4x4 array. Cores on the stream: each core takes ceil(1 / 2) = 1 row
  // and both column tiles, 2 folds of (load 4 + stream 1 + fill 4 + drain 4) = 26 estimated
  // cycles; cores on the columns: a gang 8 columns wide, 1 fold of 13. So: cols.
  const json g = run("cores_cols", chip, {gemm(1, 8, 4)});
  CHECK(layer0(g)["mapping"]["units"]["cores_split"] == "cols");
  CHECK(layer0(g)["mapping"]["tile_cols"] == 8);
  // Each core runs its 4 columns alone: the cycles of a 1x4x4 GEMM on one core.
  const json one = run("cores_cols_one", ideal_arch(), {gemm(1, 4, 4)});
  CHECK(cycles(g) == cycles(one));
  CHECK(layer0(g)["macs"] == 1 * 8 * 4);
  // DRAM reads, int8: B 4 x 8 = 32 bytes once, A 1 x 4 = 4 bytes per core = 8; writes C 1 x 8.
  CHECK(layer0(g)["dram_read_bytes"] == 32 + 8);
  CHECK(layer0(g)["dram_write_bytes"] == 8);
  // SRAM: each core reads its copy of A (2 x 4 bytes) and its own columns of B (32 in all).
  CHECK(layer0(g)["sram_reads"]["ifmap"] == 8);
  CHECK(layer0(g)["sram_reads"]["filter"] == 32);
  CHECK(layer0(g)["mapping"]["est_dram_read_bytes"] == 40);
  // Pinned to the stream, the same op fetches B once per core: 4 + 2 x 32 bytes, and its DRAM
  // energy (a fixed energy per byte) grows with the bytes, (68 + 8) / (40 + 8).
  json pinned = gemm(1, 8, 4);
  pinned["mapping"] = {{"core_split", "stream"}};
  const json s = run("cores_stream_pin", chip, pinned);
  CHECK(layer0(s)["mapping"]["units"]["cores_split"] == "stream");
  CHECK(layer0(s)["dram_read_bytes"] == 4 + 64);
  const double e_cols = layer0(g)["energy_breakdown_pj"]["dram"].get<double>();
  const double e_stream = layer0(s)["energy_breakdown_pj"]["dram"].get<double>();
  CHECK(e_stream / e_cols == Approx(76.0 / 48.0));
  pinned["mapping"]["core_split"] = "rows";
  const Run bad = run_raw("cores_pin_bad", chip, pinned);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("/layers/0/mapping/core_split") != std::string::npos);
}

TEST_CASE("chip: at large M the cores keep the stream, where a second copy of A costs more", "[chip]") {
  // DRAM-bound: 1 GB/s at 1 GHz is 1 byte per cycle; buffers large enough to keep every operand.
  json chip = tpusim::test::tiny_arch_json();
  for (auto& [name, b] : chip["buffers"].items()) {
    b["capacity_bytes"] = 65536;
    b["bytes_per_cycle_per_port"] = 1024;
  }
  chip["dram"] = {{"bandwidth_gb_per_s", 1}, {"latency_ns", 0}, {"burst_bytes", 1}};
  chip["chip"] = {{"cores", 2}};
  // 256x8x4, int8. Stream: A 256 x 4 = 1024 bytes once, B 4 x 8 = 32 per core, C 256 x 8 = 2048:
  // 3136 bytes, 3136 cycles. Columns: A 2 x 1024, B 32, C 2048: 4128. The array's estimate
  // (2 folds of 4 + 128 + 8, or 1 of 4 + 256 + 8) is far below either. So: stream.
  const json g = run("cores_stream", chip, {gemm(256, 8, 4)});
  CHECK(layer0(g)["mapping"]["units"]["cores_split"] == "stream");
  CHECK(layer0(g)["dram_read_bytes"] == 1024 + 64);
  CHECK(layer0(g)["dram_write_bytes"] == 2048);
}

TEST_CASE("chip: per-unit and per-core utilization follow an uneven split", "[chip]") {
  json gang = ideal_arch();
  gang["core"] = {{"matrix_units", 4}, {"unit_split", "cols"}};
  // 8x12x4 side by side: units 0-2 hold 4 of the 12 columns each, unit 3 none. Each busy unit
  // does 8 x 4 x 4 = 128 MACs in the cycles T of one unit running 8x4x4 alone, so its
  // utilization is that run's, 128 / (T x 16); unit 3's is 0; the core's is 3/4 of a unit's.
  const json g = run("unit_util", gang, {gemm(8, 12, 4)});
  const json one = run("unit_util_one", ideal_arch(), {gemm(8, 4, 4)});
  REQUIRE(cycles(g) == cycles(one));
  const double u1 = layer0(one)["utilization"].get<double>();
  const json& units = layer0(g)["unit_utilization"];
  REQUIRE(units.size() == 4);
  for (int u = 0; u < 3; ++u) CHECK(units[u].get<double>() == Approx(u1));
  CHECK(units[3].get<double>() == 0);
  CHECK(layer0(g)["core_utilization"][0].get<double>() == Approx(0.75 * u1));
  // The chip's utilization is the units' mean; one layer, so the totals say the same.
  CHECK(layer0(g)["utilization"].get<double>() == Approx(0.75 * u1));
  CHECK(g["totals"]["unit_utilization"][3].get<double>() == 0);
  CHECK(g["totals"]["unit_utilization"][0].get<double>() == Approx(u1));

  // Two cores on the stream with (8, 1) layout rows: 10 rows are dealt 8 and 2 (each core's
  // share padded to 8), so core 0 does 8 x 4 x 4 = 128 MACs and core 1 32, in the cycles of one
  // core streaming 8 rows: utilizations 128 / (T x 16) and a quarter of it.
  json chip = ideal_arch();
  chip["chip"] = {{"cores", 2}, {"core_split", "stream"}, {"layout_rows", 8}};
  const json c = run("core_util", chip, {gemm(10, 4, 4)});
  REQUIRE(cycles(c) == cycles(one));
  CHECK(layer0(c)["core_utilization"][0].get<double>() == Approx(u1));
  CHECK(layer0(c)["core_utilization"][1].get<double>() == Approx(u1 / 4));
  CHECK(layer0(c)["unit_utilization"].size() == 2);
}

TEST_CASE("chip: the layout tile pads each core's rows and the lanes, costing time but no MACs", "[chip]") {
  json padded = ideal_arch();
  padded["chip"] = {{"layout_rows", 4}, {"layout_lanes", 4}};
  // M = 5 streams as 8 rows (next multiple of 4), N = 3 and K = 2 occupy 4 columns and 4 rows:
  // the fold of an unpadded 8x4x4 GEMM.
  const json g = run("pad", padded, {gemm(5, 3, 2)});
  const json full = run("pad_full", ideal_arch(), {gemm(8, 4, 4)});
  CHECK(cycles(g) == cycles(full));
  CHECK(layer0(g)["macs"] == 5 * 3 * 2);
}

TEST_CASE("chip: per-kernel cost, conversion and write-back add to each op, serially", "[chip]") {
  const json layers = json::array({gemm(8, 4, 4, "g1"), gemm(8, 4, 4, "g2")});
  json plain = ideal_arch();
  plain["core"] = {{"layer_barrier", true}};
  json costly = plain;
  // 1000 ns at 1000 MHz = 1000 cycles per kernel. fp16 stored, bf16 multiplied: A's 8 x 4 = 32
  // elements at 2 per cycle = 16 cycles; write-back of C's 8 x 4 = 32 elements at 4 per cycle = 8.
  costly["chip"] = {{"kernel_overhead_ns", 1000}};
  costly["array"]["native_type"] = "bf16";
  costly["vector"] = {{"convert_in_elems_per_cycle", 2}, {"writeback_elems_per_cycle", 4}};
  costly["datatypes"] = {{"input", "fp16"}, {"weight", "fp16"}, {"accumulator", "fp32"}, {"output", "fp16"}};
  plain["datatypes"] = costly["datatypes"];
  const json a = run("costs_plain", plain, layers);
  const json b = run("costs", costly, layers);
  const uint64_t per_op = 1000 + 16 + 8;
  CHECK(cycles(b) == cycles(a) + 2 * per_op);
  for (int i = 0; i < 2; ++i) {
    const json& la = a["layers"][i];
    const json& lb = b["layers"][i];
    CHECK(lb["cycles"] == la["cycles"].get<uint64_t>() + per_op);
    CHECK(lb["cycle_breakdown"]["idle"] == la["cycle_breakdown"]["idle"].get<uint64_t>() + 1000);
    CHECK(lb["cycle_breakdown"]["non_matrix"] == la["cycle_breakdown"]["non_matrix"].get<uint64_t>() + 24);
    CHECK(lb["chip_costs"]["convert_in_elements"] == 32);
    CHECK(lb["chip_costs"]["writeback_cycles"] == 8);
  }
  // The second op starts after the first op's costs.
  CHECK(b["layers"][1]["start_cycle"] == a["layers"][1]["start_cycle"].get<uint64_t>() + per_op);
  CHECK(!a["layers"][0].contains("chip_costs"));
}

TEST_CASE("chip: each TPU preset's peak is the published one to 1 %", "[chip]") {
  // Published bf16 peaks per chip (shared/reference/README.md: Google Cloud TPU documentation).
  const std::pair<const char*, double> presets[] = {
      {"tpu_v4", 275}, {"tpu_v5e", 197}, {"tpu_v5p", 459}, {"tpu_v6e", 918}};
  const auto dir = tpusim::test::temp_dir("chip_presets");
  for (const auto& [name, tflops] : presets) {
    const auto r =
        run_cli(std::string("describe --json --arch ") + tpusim::test::source_path("configs/") + name + ".json", dir);
    INFO(name << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    const double peak = json::parse(r.out)["peak_tops"].template get<double>();
    CHECK(std::abs(peak / tflops - 1) <= 0.01);
  }
}

TEST_CASE("chip: configurations the model cannot run are refused with the key named", "[chip]") {
  json os = ideal_arch();
  os["array"]["dataflow"] = "os";
  os["chip"] = {{"cores", 2}};
  Run r = run_raw("err_os", os, {gemm(8, 4, 4)});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/chip/cores") != std::string::npos);
  CHECK(r.err.find("ws") != std::string::npos);

  json conv = ideal_arch();
  conv["array"]["native_type"] = "bf16";
  conv["datatypes"] = {{"input", "fp16"}, {"weight", "fp16"}, {"accumulator", "fp32"}, {"output", "fp16"}};
  r = run_raw("err_rate", conv, {gemm(8, 4, 4)});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/vector/convert_in_elems_per_cycle") != std::string::npos);
}

TEST_CASE("chip: the report gives average power beside the published envelope and flags a run above it", "[chip]") {
  json arch = ideal_arch();
  const json plain = run("power_plain", arch, gemm(8, 4, 4));
  // Average power is the run's energy (static included) over its wall time.
  const json& t = plain["totals"];
  CHECK(t["average_power_w"].get<double>() ==
        Approx(t["energy_pj"].get<double>() * 1e-12 / t["seconds"].get<double>()));
  CHECK(!t.contains("power_envelope_w"));
  // An envelope whose maximum lies below that power (half of it) flags the run; one above does not.
  const double w = t["average_power_w"].get<double>();
  arch["chip"] = {{"power_min_w", w / 4}, {"power_mean_w", w / 3}, {"power_max_w", w / 2}};
  const json low = run("power_low", arch, gemm(8, 4, 4));
  CHECK(low["totals"]["power_envelope_w"]["above_max"] == true);
  CHECK(low["totals"]["power_envelope_w"]["max"].get<double>() == Approx(w / 2));
  arch["chip"]["power_max_w"] = 2 * w;
  const json high = run("power_high", arch, gemm(8, 4, 4));
  CHECK(high["totals"]["power_envelope_w"]["above_max"] == false);
}
