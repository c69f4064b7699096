// FPGA designs (/fpga, sim/spec/fpga.h): resource counts derived by hand, the published FPGA CNN
// accelerator of Zhang et al. (FPGA 2015) against its measured throughput, the device's energy
// figures, and the one-line errors of a design that does not fit.
#include <catch2/catch.hpp>

#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;

namespace {

json describe_json(const std::string& arch, const std::string& sets, const std::filesystem::path& dir) {
  const auto r = test::run_cli("describe --json --arch " + arch + " " + sets, dir);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

/// Real MACs of AlexNet's five conv layers (workloads/alexnet.json), out pixels x out channels x
/// (in channels per group x kernel window): conv1 3025 x 96 x 3 x 121 = 105,415,200; conv2 729 x
/// 256 x 48 x 25 = 223,948,800; conv3 169 x 384 x 256 x 9 = 149,520,384; conv4 169 x 384 x 192
/// x 9 = 112,140,288; conv5 169 x 256 x 192 x 9 = 74,760,192.
constexpr double kAlexnetConvMacs = 105415200.0 + 223948800.0 + 149520384.0 + 112140288.0 + 74760192.0;

json vu9p_int8_arch() {
  return {{"name", "vu9p_int8"},
          {"clock_mhz", 300},
          {"array", {{"rows", 32}, {"cols", 64}}},
          {"buffers",
           {{"act", {{"holds", {"inputs", "outputs"}}, {"capacity_bytes", 1048576}, {"bytes_per_cycle_per_port", 64}}},
            {"wgt", {{"holds", "weights"}, {"capacity_bytes", 100000}, {"ports", 2}, {"bytes_per_cycle_per_port", 128}}},
            {"acc", {{"holds", "accumulators"}, {"capacity_bytes", 65536}, {"bytes_per_cycle_per_port", 256}}}}},
          {"dram", {{"bandwidth_gb_per_s", 19.2}, {"latency_ns", 80}}},
          {"fpga", {{"device", "xcvu9p"}, {"memory", {{"act", "uram"}}}}}};
}

}  // namespace

TEST_CASE("fpga: Zhang et al. 2015's resources from its engine, as the paper reports them", "[fpga][cli]") {
  const auto dir = test::temp_dir("fpga_zhang_res");
  const json f = describe_json(test::source_path("configs/zhang2015_vx485t.json"), "", dir)["fpga"];
  // DSPs: 7 x 64 PEs x 5 DSP48E1 per fp32 multiply-add = 2240, the paper's 2,240 (80 % of 2,800).
  CHECK(f["dsp"]["used"] == 2240);
  CHECK(f["dsp"]["available"] == 2800);
  CHECK(f["dsp"]["utilization"].get<double>() == Approx(0.8));
  // BRAM18 (16 Kib data, 32-bit port each), max(capacity, ports):
  //   ifmap  28672 B x 8 / 16384 = 14;  2 ports x ceil(28 B x 8 / 32) = 2 x 7 = 14
  //   filter 1835008 B x 8 / 16384 = 896; 2 x ceil(1792 x 8 / 32) = 2 x 448 = 896
  //   ofmap  262144 B x 8 / 16384 = 128;  2 x ceil(256 x 8 / 32) = 2 x 64 = 128
  // 1038 of 2 x 1030; the paper reports 1,024 (50 %): within 2 %.
  CHECK(f["buffers"]["ifmap"]["blocks"] == 14);
  CHECK(f["buffers"]["filter"]["blocks"] == 896);
  CHECK(f["buffers"]["ofmap"]["blocks"] == 128);
  CHECK(f["bram18"]["used"] == 1038);
  CHECK(f["bram18"]["available"] == 2060);
  CHECK(f["bram18"]["used"].get<double>() == Approx(1024).epsilon(0.02));
  CHECK(f["uram"]["used"] == 0);
}

TEST_CASE("fpga: int8 packs two MACs per DSP48E2; URAM and BRAM36 blocks by capacity and by ports", "[fpga][cli]") {
  const auto dir = test::temp_dir("fpga_vu9p_res");
  test::write_text(dir / "arch.json", vu9p_int8_arch().dump());
  const std::string arch = (dir / "arch.json").string();
  json f = describe_json(arch, "", dir)["fpga"];
  // 32 x 64 = 2048 int8 PEs, two per DSP48E2 (WP486): 1024 of 6840.
  CHECK(f["dsp"]["used"] == 1024);
  CHECK(f["dsp"]["available"] == 6840);
  // act, URAM (256 Kib, 64-bit port): 1 MiB x 8 / 262144 = 32 for capacity, 1 x ceil(512 / 64) = 8
  // for the port: 32 of 960.
  CHECK(f["buffers"]["act"]["memory"] == "uram");
  CHECK(f["buffers"]["act"]["blocks_for_capacity"] == 32);
  CHECK(f["buffers"]["act"]["blocks_for_ports"] == 8);
  CHECK(f["uram"]["used"] == 32);
  CHECK(f["uram"]["available"] == 960);
  // wgt, BRAM36 (32 Kib, 64-bit port): ceil(800000 / 32768) = 25; 2 x ceil(1024 / 64) = 32 -> 32.
  // acc: 524288 / 32768 = 16; 1 x ceil(2048 / 64) = 32 -> 32. 64 BRAM36 = 128 BRAM18 of 4320.
  CHECK(f["buffers"]["wgt"]["blocks_for_capacity"] == 25);
  CHECK(f["buffers"]["wgt"]["blocks"] == 32);
  CHECK(f["buffers"]["acc"]["blocks"] == 32);
  CHECK(f["bram18"]["used"] == 128);
  CHECK(f["bram18"]["available"] == 4320);
  // Two MACs per PE per cycle: 4096 MACs per cycle, 2048 slices.
  f = describe_json(arch, "--set /array/macs_per_pe_per_cycle=2", dir)["fpga"];
  CHECK(f["dsp"]["used"] == 2048);
  // int16 operands take a slice each: 2048.
  f = describe_json(arch, "--set /datatypes/input=int16 --set /datatypes/weight=int16", dir)["fpga"];
  CHECK(f["dsp"]["used"] == 2048);
}

TEST_CASE("fpga: Zhang et al. 2015 on AlexNet's conv layers within 15 % of the measured 61.62 GFLOPS", "[fpga][cli]") {
  const auto dir = test::temp_dir("fpga_zhang_alexnet");
  const auto r = test::run_cli("run -q --arch " + test::source_path("configs/zhang2015_vx485t.json") + " --workload " +
                                   test::source_path("workloads/alexnet.json") + " --out " + (dir / "out").string(),
                               dir);
  REQUIRE(r.exit_code == 0);
  const json rep = json::parse(test::read_text(dir / "out" / "report.json"));
  // The preset runs layer by layer (/core/layer_barrier), so the conv layers' time is the sum of
  // their own: the paper's figure covers only them (ReLU, pooling and the FC layers are not in it).
  double seconds = 0, cycles = 0, macs = 0;
  for (const json& l : rep["layers"])
    if (l["op"] == "conv2d") {
      seconds += l["seconds"].get<double>();
      cycles += l["cycles"].get<double>();
      macs += l["macs"].get<double>();
    }
  CHECK(macs == kAlexnetConvMacs);
  // Measured (Zhang et al., FPGA 2015, Table 4): 61.62 GFLOPS over the five conv layers, i.e.
  // 2 x 665,784,864 FLOP / 61.62e9 = 21.61 ms.
  const double gflops = 2.0 * kAlexnetConvMacs / seconds / 1e9;
  CHECK(gflops == Approx(61.62).epsilon(0.15));
  // The paper's own cycle model of its engine (its eq. for a tiled loop nest with Tm = 64, Tn = 7),
  // groups x ceil(M / 64) x ceil(N / 7) x R x C x K x K per layer, N the input channels per group:
  //   conv1 1 x 2 x 1 x 55 x 55 x 121 = 732,050     conv2 2 x 2 x 7 x 27 x 27 x 25 = 510,300
  //   conv3 1 x 6 x 37 x 13 x 13 x 9 = 337,662      conv4 2 x 3 x 28 x 169 x 9 = 255,528
  //   conv5 2 x 2 x 28 x 169 x 9 = 170,352          total 2,005,892 cycles (20.06 ms at 100 MHz)
  // channels_on_rows runs exactly that loop nest (one kernel position at a time, ceil(N / 7) folds
  // of 7 channels each); the array's folds add fill and drain per layer and DMA waits: within 2 %.
  CHECK(cycles == Approx(2005892).epsilon(0.02));
  // With im2col instead (the kernel window on the rows), conv1's 3 x 11 x 11 = 363-long reduction
  // fills the 7 rows, which the published engine cannot do: ceil(363 / 7) = 52 reduction folds
  // instead of 121 kernel positions x ceil(3 / 7) = 121, so about 52 / 121 = 0.43 of the cycles.
  const auto i2c = test::run_cli("run -q --arch " + test::source_path("configs/zhang2015_vx485t.json") +
                                     " --set /array/conv_lowering=im2col --workload " +
                                     test::source_path("workloads/alexnet.json") + " --out " + (dir / "i2c").string(),
                                 dir);
  REQUIRE(i2c.exit_code == 0);
  const json l1 = json::parse(test::read_text(dir / "i2c" / "report.json"))["layers"][0];
  REQUIRE(l1["name"] == "conv1");
  CHECK(l1["cycles"].get<double>() < 0.6 * 732050);
}

TEST_CASE("fpga: MACs, buffers and static power priced by the device", "[fpga][cli]") {
  const json arch = json::parse(test::read_text(test::source_path("configs/zhang2015_vx485t.json")));
  const json gemm = {{"name", "g"}, {"op", "linear"}, {"tokens", 64}, {"in_features", 70}, {"out_features", 128}};
  const auto run = test::run_workload_json("fpga_energy", arch, gemm);
  REQUIRE(run.cli.exit_code == 0);
  const json& rep = run.report;
  const json& l = rep["layers"][0];
  const json& e = l["energy_breakdown_pj"];
  // xc7vx485t: an fp32 MAC keeps 5 DSP48E1 busy a cycle at 4 pJ each: 64 x 128 x 70 x 20 pJ.
  CHECK(e["mac"].get<double>() == Approx(64.0 * 128 * 70 * 5 * 4.0));
  CHECK(e["pe_register"].get<double>() == 0.0);
  // BRAM18: 3.3 pJ per access of its 4-byte port: 0.825 pJ per byte read or written.
  const double filter_bytes = l["sram_reads"]["filter"].get<double>() + l["sram_writes"]["filter"].get<double>();
  CHECK(filter_bytes > 0);
  CHECK(e["sram.filter"].get<double>() == Approx(filter_bytes * 0.825));
  // Static: the whole device's 0.5 W over the layer's time.
  CHECK(e["static"].get<double>() == Approx(0.5 * l["seconds"].get<double>() * 1e12));
  CHECK(rep["totals"]["static_power_breakdown_mw"]["fpga_device"].get<double>() == Approx(500.0));
  // No area (the silicon is the device's), and the resource report beside the totals.
  CHECK(rep["totals"]["area_mm2"].get<double>() == 0.0);
  CHECK(rep["fpga"]["dsp"]["used"] == 2240);
  CHECK(rep["fpga"]["bram18"]["used"] == 1038);
  CHECK(rep["arch"]["fpga"]["device"] == "xc7vx485t");
  CHECK(rep["arch"]["fpga"]["memory"]["filter"] == "bram18");
}

TEST_CASE("fpga: a design that does not fit its device is one line, exit 2, no report", "[fpga][cli]") {
  const auto dir = test::temp_dir("fpga_errors");
  const std::string zhang = test::source_path("configs/zhang2015_vx485t.json");
  test::write_text(dir / "vu9p.json", vu9p_int8_arch().dump());
  const std::string vu9p = (dir / "vu9p.json").string();
  struct Case {
    std::string arch, sets;
    std::vector<std::string> words;
  };
  const std::vector<Case> cases = {
      // 9 x 64 x 5 = 2880 slices > 2800.
      {zhang, "--set /array/rows=9", {": /array: ", "needs 2880 DSP48E1 slices", "576 PEs", "has 2800"}},
      // filter 5000000 B x 8 / 16384 = 2442 BRAM18 (> its 896 for ports) + 14 + 128 = 2584 > 2060.
      {zhang, "--set /buffers/filter/capacity_bytes=5000000", {": /buffers: ", "needs 2584 18 Kb", "filter 2442 bram18", "has 2060"}},
      // A 7-series part has no UltraRAM. ifmap in URAM: ceil(229376 / 262144) = 1 for capacity,
      // 2 ports x ceil(224 / 64) = 8 for its ports.
      {zhang, "--set /fpga/memory/ifmap=uram", {": /buffers: ", "needs 8 UltraRAM", "ifmap 8 uram", "has 0"}},
      // 961 URAM: 961 x 262144 / 8 bytes.
      {vu9p, "--set /buffers/act/capacity_bytes=31490048", {": /buffers: ", "needs 961 UltraRAM", "has 960"}},
      {vu9p, "--set /datatypes/input=fp32", {": /datatypes: ", "fp32 MACs cannot be built on XCVU9P"}},
      {zhang, "--set /fpga/memory/nope=bram36", {": /fpga/memory/nope: ", "no buffer named \"nope\""}},
      {zhang, "--set /fpga/memory/ifmap=lutram", {": /fpga/memory/ifmap: ", "lutram", "bram18, bram36, uram"}},
      {zhang, "--set /fpga/device=xc7z045", {": /fpga/device: ", "unknown \"xc7z045\"", "xc7vx485t, xcvu9p"}},
      {zhang, "--set /fpga/clock_mhz=200", {": /fpga/clock_mhz: unknown key", "device, memory"}},
  };
  for (const auto& c : cases) {
    INFO(c.sets);
    const auto out = dir / "out";
    std::filesystem::remove_all(out);
    const auto r = test::run_cli("run -q --arch " + c.arch + " --workload " + test::source_path("workloads/gemm_128x64x256.json") +
                                     " " + c.sets + " --out " + out.string(),
                                 dir);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    for (const auto& w : c.words) CHECK(r.err.find(w) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out / "report.json"));
  }
}
