// scalesim-v2 timing: numbers derived by hand from SCALE-Sim's fold model
// (../shared/reference/scalesim/README.md), the mapping of JSON-workload layers SCALE-Sim cannot
// express, and the COMPUTE_REPORT.csv writer.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/compat/scalesim/scalesim_v2.h"
#include "sim/base/error.h"
#include "sim/spec/arch_loader.h"
#include "sim/importers/scalesim_cfg.h"
#include "sim/report/compute_report_csv.h"
#include "sim/run/scalesim_v2_layer.h"

namespace {

using tpusim::CycleCategory;
using tpusim::Dataflow;
using namespace tpusim::arch::timing;

tpusim::ArchConfig scalesim_arch(const char* dataflow) {
  const std::string cfg = std::string(
                              "[general]\nrun_name = t\n[architecture_presets]\nArrayHeight: 32\nArrayWidth: 32\n"
                              "IfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 64\nIfmapOffset: 0\n"
                              "FilterOffset: 10000000\nOfmapOffset: 20000000\nDataflow: ") +
                          dataflow + "\n[run_presets]\nInterfaceBandwidth: CALC\n";
  return tpusim::config::parse_arch(tpusim::importers::scalesim_cfg_to_json(cfg, "t.cfg"), "t.cfg");
}

tpusim::Layer layer_from_json(const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(R"({"name": "w", "layers": [)" + text + "]}");
  return tpusim::parse_workload(doc, "w.json").layers.at(0);
}

}  // namespace

TEST_CASE("scalesim-v2 timing matches hand-derived SCALE-Sim numbers", "[scalesim]") {
  SECTION("output size: ceil((H - R + s) / s)") {
    CHECK(scalesim_output_size(224, 7, 2) == 110);   // ResNet-50 Conv1: 109 by the floor rule
    CHECK(scalesim_output_size(56, 1, 2) == 29);     // CB3a_1: 28 by the floor rule
    CHECK(scalesim_output_size(224, 11, 4) == 55);   // AlexNet Conv1: 54 by the floor rule
    CHECK(scalesim_output_size(14, 3, 1) == 12);     // s divides H - R: both rules agree
    const ScalesimGemm g = scalesim_gemm_of_mnk(128, 64, 256);  // M x K ifmap, 1 x K filter
    CHECK(g.p == 128);
    CHECK(g.k == 256);
    CHECK(g.n == 64);
  }

  SECTION("GEMM 128x64x256 on 32x32, the reference README's worked example") {
    const ScalesimGemm g{128, 256, 64};  // P = 128, K = 256, N = 64; MACs = 2,097,152
    // OS: Sr = P = 128 -> 4 row folds, Sc = N = 64 -> 2 col folds, T = K = 256.
    // Fold = 256 + 32 + 32 - 2 = 318; total = 8 * 318 - 1 = 2543.
    const auto os = scalesim_v2_calc(32, 32, Dataflow::os, g);
    CHECK(os.row_folds == 4);
    CHECK(os.col_folds == 2);
    CHECK(os.fold_cycles == 318);
    CHECK(os.total_cycles == 2543);
    CHECK(os.stall_cycles == 0);
    // Per fold: 256 streaming, 31 fill, 31 drain; the -1 comes off the drain.
    CHECK(os.breakdown[CycleCategory::compute] == 8 * 256);
    CHECK(os.breakdown[CycleCategory::fill] == 8 * 31);
    CHECK(os.breakdown[CycleCategory::drain] == 8 * 31 - 1);
    CHECK(os.breakdown[CycleCategory::weight_load] == 0);
    CHECK(os.breakdown.total() == 2543);
    // OFMAP writes: 128 * 64 real + 8 folds * (32 + 32) quirk = 8192 + 512.
    CHECK(os.sram_ofmap_writes == 8704);
    CHECK(os.sram_ifmap_reads == 128 * 256 * 2);  // P*K per column fold
    CHECK(os.sram_filter_reads == 256 * 64 * 4);  // K*N per row fold
    // Overall: 2,097,152 * 100 / (2543 * 1024); every fold is full: mapping 100 %, compute
    // 256 / 318 of each fold.
    CHECK(os.overall_util_pct == Approx(2097152.0 * 100 / (2543.0 * 1024)).epsilon(1e-12));
    CHECK(os.mapping_efficiency_pct == 100.0);
    CHECK(os.compute_util_pct == Approx(100.0 * 256 / 318).epsilon(1e-12));

    // WS: Sr = K = 256 -> 8 row folds, Sc = N = 64 -> 2, T = P = 128.
    // Fold = 2*32 + 32 + 128 - 2 = 222 (32 load + 31 fill + 128 + 31 drain); 16 * 222 - 1 = 3551.
    const auto ws = scalesim_v2_calc(32, 32, Dataflow::ws, g);
    CHECK(ws.total_cycles == 3551);
    CHECK(ws.breakdown[CycleCategory::weight_load] == 16 * 32);
    CHECK(ws.breakdown[CycleCategory::fill] == 16 * 31);
    CHECK(ws.breakdown[CycleCategory::compute] == 16 * 128);
    CHECK(ws.breakdown[CycleCategory::drain] == 16 * 31 - 1);
    // Compute util divides by Lu = 2*32 + 2*32 + 128 - 3 = 253, not the fold length.
    CHECK(ws.compute_util_pct == Approx(100.0 * 128 / 253).epsilon(1e-12));
    CHECK(ws.sram_ofmap_writes == 128 * 64 * 8);  // partial sums of each of the 8 K-folds
    CHECK(ws.sram_filter_reads == 256 * 64);

    // IS: Sr = K = 256 -> 8, Sc = P = 128 -> 4, T = N = 64: 32 * (64 + 32 + 64 - 2) - 1 = 5055.
    const auto is = scalesim_v2_calc(32, 32, Dataflow::is, g);
    CHECK(is.total_cycles == 5055);
    CHECK(is.sram_ifmap_reads == 128 * 256);
    CHECK(is.sram_filter_reads == 256 * 64 * 4);  // K*N per column fold of P
  }

  SECTION("partial folds cost full time but count only their used PEs") {
    // OS, P = 33, K = 1, N = 1: row folds of 32 and 1 rows, one column fold using 1 column.
    const auto s = scalesim_v2_calc(32, 32, Dataflow::os, ScalesimGemm{33, 1, 1});
    CHECK(s.folds() == 2);
    CHECK(s.fold_cycles == 1 + 32 + 32 - 2);  // 63, the partial fold too
    CHECK(s.total_cycles == 2 * 63 - 1);
    // Mapping efficiency: mean(32/1024, 1/1024) = 33/2048; compute util: mean of used*T/(1024*63).
    CHECK(s.mapping_efficiency_pct == Approx(100.0 * 33 / 2048).epsilon(1e-12));
    CHECK(s.compute_util_pct == Approx(100.0 * 33 / (2 * 1024 * 63.0)).epsilon(1e-12));
    CHECK(s.overall_util_pct == Approx(100.0 * 33 / (125 * 1024.0)).epsilon(1e-12));
    CHECK(s.sram_ifmap_reads == 33);         // P*K, the padding of the partial fold excluded
    CHECK(s.sram_filter_reads == 2);         // K*N per row fold
    CHECK(s.sram_ofmap_writes == 33 + 2 * 64);  // the OS quirk exceeds the 33 real writes
  }

  SECTION("on a one-column array the -1 comes off the fill") {
    // OS 4x1 array, P = 4, K = 3, N = 1: one fold of 3 + 4 + 1 - 2 = 6 cycles, no drain; total 5.
    const auto s = scalesim_v2_calc(4, 1, Dataflow::os, ScalesimGemm{4, 3, 1});
    CHECK(s.total_cycles == 5);
    CHECK(s.breakdown[CycleCategory::drain] == 0);
    CHECK(s.breakdown[CycleCategory::fill] == 3 - 1);
    CHECK(s.breakdown[CycleCategory::compute] == 3);
  }

  SECTION("layers with more than 2^24 folds use the closed-form means") {
    // OS, P = 32 * 8192 + 5 -> 8193 row folds (last uses 5 rows), N = 32 * 2048 + 7 -> 2049
    // column folds (last uses 7 columns), K = 1: 16,787,457 folds.
    const auto s = scalesim_v2_calc(32, 32, Dataflow::os, ScalesimGemm{32 * 8192 + 5, 1, 32 * 2048 + 7});
    REQUIRE(s.folds() == 8193ULL * 2049);
    REQUIRE(s.folds() > (1ULL << 24));
    // Sum of used PEs over all folds = P * N (each output once); mean / 1024.
    const double used = double(32 * 8192 + 5) * double(32 * 2048 + 7);
    CHECK(s.mapping_efficiency_pct == Approx(100.0 * used / (double(s.folds()) * 1024)).epsilon(1e-12));
    // Compute util: the same with T / Lu = 1 / (1 + 32 + 32 - 2) per fold.
    CHECK(s.compute_util_pct == Approx(100.0 * used / (double(s.folds()) * 1024 * 63)).epsilon(1e-12));
  }

  SECTION("ratios multiply back to SCALE-Sim's percentage, or within one ulp of it") {
    for (double pct : {80.5348014156508, 50.795707633124124, 100.0, 57.673894677555616, 1.611328125, 33.86243386243386}) {
      const double r = ratio_from_pct(pct);
      CHECK(std::fabs(r * 100 - pct) <= std::nextafter(pct, INFINITY) - pct);
      CHECK(r == Approx(pct / 100).epsilon(1e-15));
    }
  }
}

TEST_CASE("scalesim-v2 maps layers SCALE-Sim cannot express, and marks them", "[scalesim]") {
  const tpusim::ArchConfig ws = scalesim_arch("ws");
  // A CSV conv row: ifmap 8x8 (pre-padded), 3x3 filter, 4 channels, 4 filters, stride 1.
  const auto base = scalesim_v2_calc(32, 32, Dataflow::ws, ScalesimGemm{36, 36, 4});

  SECTION("padding pre-pads the ifmap") {
    // 6x6 input with padding 1 is SCALE-Sim's 8x8 ifmap: E = F = 6, P = 36, K = 3*3*4 = 36.
    const auto r = tpusim::sim::scalesim_v2_layer(ws, layer_from_json(R"({"name": "c", "op": "conv2d", "in_h": 6,
        "in_w": 6, "in_c": 4, "out_c": 4, "kernel_h": 3, "kernel_w": 3, "padding": 1})"));
    CHECK(r.cycles == base.total_cycles);
    CHECK(r.macs == 36 * 36 * 4);
    CHECK(r.notes.count("scalesim_padding") == 1);
    CHECK(r.breakdown.total() == r.cycles);
  }

  SECTION("groups run as independent layers, each with its own -1") {
    // groups 2: two layers of 2 channels and 2 filters: P = 36, K = 18, N = 2.
    const auto one = scalesim_v2_calc(32, 32, Dataflow::ws, ScalesimGemm{36, 18, 2});
    const auto r = tpusim::sim::scalesim_v2_layer(ws, layer_from_json(R"({"name": "g", "op": "conv2d", "in_h": 8,
        "in_w": 8, "in_c": 4, "out_c": 4, "kernel_h": 3, "kernel_w": 3, "groups": 2})"));
    CHECK(r.cycles == 2 * one.total_cycles);
    CHECK(r.sram_writes.at("ofmap") == 2 * one.sram_ofmap_writes);
    CHECK(r.folds == 2 * one.folds());
    CHECK(r.notes.count("scalesim_copies") == 1);
  }

  SECTION("batch folds into P") {
    const auto two = scalesim_v2_calc(32, 32, Dataflow::ws, ScalesimGemm{72, 36, 4});
    const auto r = tpusim::sim::scalesim_v2_layer(ws, layer_from_json(R"({"name": "b", "op": "conv2d", "batch": 2,
        "in_h": 8, "in_w": 8, "in_c": 4, "out_c": 4, "kernel_h": 3, "kernel_w": 3})"));
    CHECK(r.cycles == two.total_cycles);
    CHECK(r.notes.count("scalesim_batch") == 1);
  }

  SECTION("linear layers take SCALE-Sim's GEMM form") {
    const auto g = scalesim_v2_calc(32, 32, Dataflow::ws, ScalesimGemm{16, 64, 10});
    const auto r = tpusim::sim::scalesim_v2_layer(ws, layer_from_json(
        R"({"name": "fc", "op": "linear", "tokens": 16, "in_features": 64, "out_features": 10})"));
    CHECK(r.cycles == g.total_cycles);
    CHECK(r.sram_reads.at("ifmap") == g.sram_ifmap_reads);
  }

  SECTION("sparsity and packed PEs do not exist in SCALE-Sim v2: ignored, and said so") {
    tpusim::Layer dense = layer_from_json(R"({"name": "d", "op": "gemm", "m": 64, "n": 64, "k": 64})");
    tpusim::Layer sparse = dense;
    sparse.sparsity.weight_density = 0.5;
    const auto a = tpusim::sim::scalesim_v2_layer(ws, dense);
    const auto b = tpusim::sim::scalesim_v2_layer(ws, sparse);
    CHECK(b.cycles == a.cycles);
    CHECK(a.notes.count("scalesim_sparsity") == 0);
    CHECK(b.notes.count("scalesim_sparsity") == 1);
    tpusim::ArchConfig packed = ws;
    packed.array.macs_per_pe_per_cycle = 2;
    const auto c = tpusim::sim::scalesim_v2_layer(packed, dense);
    CHECK(c.cycles == a.cycles);
    CHECK(c.notes.count("scalesim_macs_per_pe") == 1);
  }

  SECTION("vector ops cost 0 cycles and say they are not modelled") {
    const auto r = tpusim::sim::scalesim_v2_layer(ws, layer_from_json(R"({"name": "act", "op": "relu", "elements": 1000})"));
    CHECK(r.cycles == 0);
    CHECK(r.macs == 0);
    CHECK(r.notes.at("not_modelled") == "scalesim-v2 has no vector unit: this layer costs 0 cycles here");
    CHECK(r.utilization_override == 0.0);
  }
}

TEST_CASE("COMPUTE_REPORT.csv is written in SCALE-Sim's format", "[scalesim][report]") {
  using tpusim::report::python_float_repr;
  SECTION("floats print as Python's str(float)") {
    CHECK(python_float_repr(100.0) == "100.0");
    CHECK(python_float_repr(0.0) == "0.0");
    CHECK(python_float_repr(80.5348014156508) == "80.5348014156508");
    CHECK(python_float_repr(100.0 / 3) == "33.333333333333336");
    CHECK(python_float_repr(0.1) == "0.1");
    CHECK(python_float_repr(0.0001) == "0.0001");
    CHECK(python_float_repr(0.00001) == "1e-05");
    CHECK(python_float_repr(2.5e-7) == "2.5e-07");
    CHECK(python_float_repr(1e15) == "1000000000000000.0");
    CHECK(python_float_repr(1e16) == "1e+16");
    CHECK(python_float_repr(123456789012345678.0) == "1.2345678901234568e+17");
  }

  SECTION("rows, vector layers, and a file on disk") {
    const tpusim::ArchConfig os = scalesim_arch("os");
    tpusim::RunResult run;
    // GEMM 128x64x256 under OS: 2543 cycles (see above).
    run.layers.push_back(tpusim::sim::scalesim_v2_layer(
        os, layer_from_json(R"({"name": "Test 1", "op": "gemm", "m": 128, "n": 64, "k": 256})")));
    run.layers.push_back(tpusim::sim::scalesim_v2_layer(os, layer_from_json(R"({"name": "act", "op": "relu", "elements": 8})")));
    const std::string text = tpusim::report::compute_report_csv(run);
    // Percentages: SCALE-Sim's values for this GEMM (cases.json, gemm_128x64x256_32x32_os).
    CHECK(text ==
          "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"
          "0, 2543, 0, 80.5348014156508, 100.0, 80.50314465408805,\n"
          "1, 0, 0, 0.0, 0.0, 0.0,\n");
    const std::string path = "/tmp/tpusim_test_compute_report_" + std::to_string(::getpid()) + ".csv";
    tpusim::report::write_compute_report_csv(path, run);
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    CHECK(s.str() == text);
    std::remove(path.c_str());
    CHECK_THROWS_WITH(tpusim::report::write_compute_report_csv("/nonexistent/dir/COMPUTE_REPORT.csv", run),
                      "/nonexistent/dir/COMPUTE_REPORT.csv: cannot write file (does the output directory exist and is "
                      "it writable?)");
  }

  SECTION("a matrix layer without scalesim-v2 results is a caller bug") {
    tpusim::RunResult run;
    run.layers.emplace_back();
    run.layers.back().name = "native";
    CHECK_THROWS_AS(tpusim::report::compute_report_csv(run), tpusim::InternalError);
  }
}
