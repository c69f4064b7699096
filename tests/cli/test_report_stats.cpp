// The stats registry and the derived figures in report.json: one peak shared with `describe`
// (sim/metrics), every registry counter per layer and over the run, and the memory system's busy
// shares (DRAM bus, SRAM ports) over an op's span and over the run's makespan. Expected numbers
// are derived by hand in the comments.
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

namespace {

/// tests/cli/test_graph_execution.cpp's small arch: 4x4 ws at 1 GHz, 1 KiB buffers of one 64 B/cycle
/// port; 2 DMA channels of 1-byte bursts; DRAM 1 B/cycle, 10-cycle latency, 1-byte bursts.
json small_arch() {
  json a = tpusim::test::tiny_arch_json();
  a["dma"] = {{"channels", 2}, {"burst_bytes", 1}};
  a["dram"] = {{"bandwidth_gb_per_s", 1}, {"latency_ns", 10}, {"burst_bytes", 1}};
  return a;
}

}  // namespace

TEST_CASE("report.json: every registry counter with its unit, per op and over the run", "[report][cli]") {
  // Two independent 4x4x4 int8 GEMMs (both read the workload input). Each op loads A and B and
  // stores C, 16 B each: 3 descriptors of 16 one-byte DMA bursts = 48 bursts; 3 DMA instructions
  // and 1 matmul (one fold of 4 x 4 x 4 = 64 MAC slots); DRAM reads 32 B, writes 16 B; the bus
  // carries 48 B (1-byte DRAM bursts). Every transfer occupies its buffer's port ceil(16 / 64) = 1
  // cycle: ifmap (A), filter (B), ofmap (C) 1 cycle each per op.
  const json rep = run_report("counters", arch_file("counters", small_arch()),
                              {gemm("g1", 4, 4, 4), gemm("g2", 4, 4, 4, {"input"})});
  const json& defs = rep["counters"];
  CHECK(defs["top.dma.descriptors"]["unit"] == "count");
  CHECK(defs["top.dma.bursts"]["unit"] == "count");
  CHECK(defs["top.ifmap.port_busy_cycles"]["unit"] == "cycles");
  CHECK(defs["top.dram.bus_bytes"]["unit"] == "bytes");
  CHECK_FALSE(defs["top.dma.bursts"]["description"].get<std::string>().empty());
  for (const json& l : rep["layers"]) {
    const json& c = l["counters"];
    CHECK(c.size() == defs.size());
    CHECK(c["top.controller.instructions"] == 4);
    CHECK(c["top.array.folds"] == 1);
    CHECK(c["top.array.macs"] == 64);
    CHECK(c["top.dma.descriptors"] == 3);
    CHECK(c["top.dma.bursts"] == 48);
    CHECK(c["top.dram.read_bytes"] == 32);
    CHECK(c["top.dram.write_bytes"] == 16);
    CHECK(c["top.dram.bus_bytes"] == 48);
    CHECK(c["top.ifmap.port_busy_cycles"] == 1);
    CHECK(c["top.filter.port_busy_cycles"] == 1);
    CHECK(c["top.ofmap.port_busy_cycles"] == 1);
    // The units' class counters are cycle_breakdown, not repeated.
    CHECK_FALSE(c.contains("top.array.useful_mac_cycles"));
    CHECK_FALSE(c.contains("top.vector.raw_stall_cycles"));
    CHECK(c.contains("top.vector.busy_cycles"));
  }
  // Over the run: the sums of the ops' counts.
  const json& t = rep["totals"]["counters"];
  CHECK(t.size() == defs.size());
  CHECK(t["top.controller.instructions"] == 8);
  CHECK(t["top.dma.descriptors"] == 6);
  CHECK(t["top.dma.bursts"] == 96);
  CHECK(t["top.dram.bus_bytes"] == 96);
}

TEST_CASE("report.json: busy shares are over an op's span, and over the makespan in the totals", "[report][cli]") {
  // The two GEMMs above (test_graph_execution.cpp derives their timing): graph mode, g1 spans
  // [0, 90) and g2 [26, 114); the makespan is 114 while the spans sum to 178. Each op's 48 bus
  // bytes at 1 B/cycle keep the DRAM bus busy 48 cycles: 48 / 90 of g1's span, 48 / 88 of g2's.
  // Over the run: 96 busy cycles of the makespan's 114 (not of the spans' 178); each buffer's
  // ports 2 cycles of 114. With the barrier the layers take 82 each, 164 in all: 96 / 164.
  const std::string arch = arch_file("busy", small_arch());
  const json layers = {gemm("g1", 4, 4, 4), gemm("g2", 4, 4, 4, {"input"})};
  const json graph = run_report("busy", arch, layers);
  const json& g1 = graph["layers"][0];
  const json& g2 = graph["layers"][1];
  REQUIRE(g1["cycles"] == 90);
  REQUIRE(g2["cycles"] == 88);
  CHECK(g1["dram_busy_cycles"].get<double>() == 48.0);
  CHECK(g1["dram_bus_utilization"].get<double>() == 48.0 / 90);
  CHECK(g2["dram_bus_utilization"].get<double>() == 48.0 / 88);
  CHECK(g1["sram_port_utilization"]["ifmap"].get<double>() == 1.0 / 90);
  const json& t = graph["totals"];
  REQUIRE(t["cycles"] == 114);
  CHECK(t["dram_busy_cycles"].get<double>() == 96.0);
  CHECK(t["dram_bus_utilization"].get<double>() == 96.0 / 114);
  for (const char* b : {"ifmap", "filter", "ofmap"}) CHECK(t["sram_port_utilization"][b].get<double>() == 2.0 / 114);

  const json barrier = run_report("busy_barrier", arch, layers, "--set /core/layer_barrier=true");
  REQUIRE(barrier["totals"]["cycles"] == 164);
  CHECK(barrier["layers"][0]["dram_bus_utilization"].get<double>() == 48.0 / 82);
  CHECK(barrier["totals"]["dram_busy_cycles"].get<double>() == 96.0);
  CHECK(barrier["totals"]["dram_bus_utilization"].get<double>() == 96.0 / 164);
}

TEST_CASE("report.json: compatibility timing has no registry, so no counters or busy shares", "[report][cli]") {
  const json rep = run_report("scalesim", "--arch " + source_path("configs/scalesim/scale.cfg"), json::array({gemm("g", 32, 32, 32)}));
  CHECK_FALSE(rep.contains("counters"));
  CHECK_FALSE(rep["totals"].contains("counters"));
  CHECK_FALSE(rep["totals"].contains("dram_bus_utilization"));
  CHECK_FALSE(rep["layers"][0].contains("counters"));
  // The peak is there: 32 x 32 x 1 GHz = 1.024e12 MAC/s.
  CHECK(rep["totals"]["peak_macs_per_s"].get<double>() == 1.024e12);
}
