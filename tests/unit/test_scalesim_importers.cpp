// SCALE-Sim importers: topology CSVs (conv and GEMM forms) and .cfg architecture files, good
// inputs in the shapes SCALE-Sim's shipped files have, and bad inputs with their exact messages.
#include <catch2/catch.hpp>

#include <string>

#include "sim/base/error.h"
#include "sim/spec/arch_loader.h"
#include "sim/importers/scalesim_cfg.h"
#include "sim/importers/scalesim_topology.h"

namespace {

using tpusim::InputError;
using tpusim::importers::parse_workload_csv;

const char* kConvHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";

/// The message of the InputError that `f` throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string csv_error(const std::string& text) {
  return error_of([&] { parse_workload_csv(text, "t.csv"); });
}

/// SCALE-Sim's shipped configs/scale.cfg as the reference README describes it (CALC mode).
const std::string kCfg =
    "[general]\n"                            // line 1
    "run_name = scale_example_run_32x32_os\n"  // 2
    "\n"                                       // 3
    "[architecture_presets]\n"                 // 4
    "ArrayHeight:    32\n"                     // 5
    "ArrayWidth:     32\n"                     // 6
    "IfmapSramSzkB:    64\n"                   // 7
    "FilterSramSzkB:   64\n"                   // 8
    "OfmapSramSzkB:    64\n"                   // 9
    "IfmapOffset:    0\n"                      // 10
    "FilterOffset:   10000000\n"               // 11
    "OfmapOffset:    20000000\n"               // 12
    "Bandwidth : 10\n"                         // 13
    "Dataflow : os\n"                          // 14
    "MemoryBanks:   1\n"                       // 15
    "\n"                                       // 16
    "[run_presets]\n"                          // 17
    "InterfaceBandwidth: CALC\n";              // 18

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

tpusim::ArchConfig arch_of(const std::string& cfg_text) {
  return tpusim::config::parse_arch(tpusim::importers::scalesim_cfg_to_json(cfg_text, "x.cfg"), "x.cfg");
}

std::string cfg_error(const std::string& text) {
  return error_of([&] { arch_of(text); });
}

}  // namespace

TEST_CASE("SCALE-Sim topology CSVs import in both forms", "[scalesim][importer]") {
  SECTION("conv form with the quirks of SCALE-Sim's shipped files") {
    // Blank lines, stray spaces and tabs, a '#dw' after the last comma (mobilnet_paper.csv), a
    // row without the trailing comma, CRLF line endings and a ninth value (stride width).
    const std::string text = std::string(kConvHeader) +
                             "\r\n"
                             "Conv1, 224, 224, 3, 3, 3, 32, 2,\r\n"
                             "Conv2_dw, 112, 112, 3, 3, 1, 1, 1,#dw\n"
                             "\tConv3,112,112,1,1,32,64,1\n"
                             "\n"
                             "Conv4, 9, 16, 3, 3, 8, 16, 2, 1,\n";
    const tpusim::Workload w = parse_workload_csv(text, "dir/mobile.net.csv");
    CHECK(w.name == "mobile.net");
    REQUIRE(w.layers.size() == 4);
    const tpusim::Layer& c1 = w.layers[0];
    CHECK(c1.name == "Conv1");
    CHECK(c1.op == tpusim::OpKind::conv2d);
    CHECK(c1.conv.in_h == 224);
    CHECK(c1.conv.in_c == 3);
    CHECK(c1.conv.out_c == 32);
    CHECK(c1.conv.stride_h == 2);
    CHECK(c1.conv.stride_w == 2);
    CHECK(c1.conv.pad_h == 0);
    // Native lowering, floor rule: (224 - 3) / 2 + 1 = 111 per side (SCALE-Sim's ceil gives 112).
    CHECK(c1.gemm.m == 111 * 111);
    CHECK(c1.gemm.k == 3 * 3 * 3);
    CHECK(c1.gemm.n == 32);
    CHECK(w.layers[1].name == "Conv2_dw");  // "dw" is not "DP": no split
    CHECK(w.layers[2].name == "Conv3");
    CHECK(w.layers[2].conv.stride_h == 1);
    CHECK(w.layers[3].conv.stride_h == 2);
    CHECK(w.layers[3].conv.stride_w == 1);
    // (9 - 3) / 2 + 1 = 4 rows, (16 - 3) / 1 + 1 = 14 columns.
    CHECK(w.layers[3].gemm.m == 4 * 14);
  }

  SECTION("newer shipped layouts: a Batch Size column, rows of empty cells") {
    // llama3b.csv's header has a ninth column "Batch Size" (all 1); Transformer_short.csv has a
    // row of empty cells under its header.
    const std::string batch_header =
        "Layer name,     IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides, Batch Size,\n";
    const tpusim::Workload w = parse_workload_csv(
        batch_header + ",,,,,,,,\nEmbedding,      512,          512,         1,             1,            3,        4096,       2,       1,\n",
        "llama.csv");
    REQUIRE(w.layers.size() == 1);
    CHECK(w.layers[0].conv.stride_h == 2);
    CHECK(w.layers[0].conv.stride_w == 2);  // the ninth value is the batch, not the stride width
    // "Embedding,      512,          512,         1,             1,            3,        4096,       2,       " is 103
    // characters: the batch value is at column 104.
    CHECK(csv_error(batch_header + "Embedding,      512,          512,         1,             1,            3,        4096,       2,       4,\n") ==
          "t.csv:2:104: Batch Size must be 1, got 4 (SCALE-Sim v2 runs batch 1 and would read this value as the stride width)");
  }

  SECTION("a DP layer splits into one single-channel layer per channel") {
    const tpusim::Workload w = parse_workload_csv(std::string(kConvHeader) + "DP1, 14, 14, 3, 3, 3, 1, 1,\nPW, 12, 12, 1, 1, 3, 8, 1,\n", "t.csv");
    REQUIRE(w.layers.size() == 4);
    for (int i = 0; i < 3; ++i) {
      CHECK(w.layers[i].name == "DP1Channel_" + std::to_string(i));
      CHECK(w.layers[i].conv.in_c == 1);
      CHECK(w.layers[i].conv.out_c == 1);  // Num Filter is kept
      CHECK(w.layers[i].gemm.k == 9);
    }
    CHECK(w.layers[3].name == "PW");
  }

  SECTION("GEMM form, with and without trailing commas") {
    const tpusim::Workload a = parse_workload_csv("Layer Name, M, N, K,\nTest 1, 128, 64, 256,", "mnk.csv");
    REQUIRE(a.layers.size() == 1);
    CHECK(a.layers[0].name == "Test 1");
    CHECK(a.layers[0].op == tpusim::OpKind::gemm);
    CHECK(a.layers[0].gemm.m == 128);
    CHECK(a.layers[0].gemm.n == 64);
    CHECK(a.layers[0].gemm.k == 256);
    // gpt2.csv style: no trailing commas anywhere.
    const tpusim::Workload b = parse_workload_csv("Layer,M,N,K\nQKT,1024,1024,64\nQKTV,1024,64,1024\n", "gpt2.csv");
    REQUIRE(b.layers.size() == 2);
    CHECK(b.layers[1].gemm.k == 1024);
  }

  SECTION("malformed CSVs name the file, line and column") {
    CHECK(csv_error("Name, A, B,\nx, 1, 2,\n") ==
          "t.csv:1:1: unknown SCALE-Sim topology header: expected the conv form \"Layer name, IFMAP Height, "
          "IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\" or the GEMM form "
          "\"Layer, M, N, K,\", got \"Name, A, B,\"");
    CHECK(csv_error("") ==
          "t.csv:1:1: expected a SCALE-Sim topology header \"Layer name, IFMAP Height, IFMAP Width, Filter Height, "
          "Filter Width, Channels, Num Filter, Strides,\" or \"Layer, M, N, K,\", got an empty file");
    // "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, " is 68 characters:
    // the sixth column starts at column 69.
    CHECK(csv_error("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channel, Num Filter, Strides,\n") ==
          "t.csv:1:69: conv topology header: expected column 6 \"Channels\", got \"Channel\"");
    CHECK(csv_error("Layer, M, N,\n") == "t.csv:1:13: GEMM topology header: expected 4 columns \"Layer, M, N, K,\", got 3");
    // Line 3 (after a blank line 2); "Conv1, 224, " is 12 characters, so the value is at column 13.
    CHECK(csv_error(std::string(kConvHeader) + "\nConv1, 224, 22x4, 7, 7, 3, 64, 2,\n") ==
          "t.csv:3:13: IFMAP Width must be an integer in [1, 4294967296], got \"22x4\"");
    // The row is 28 characters long: the missing value would be at column 29.
    CHECK(csv_error(std::string(kConvHeader) + "Conv1, 224, 224, 7, 7, 3, 64\n") ==
          "t.csv:2:29: expected 8 values (Strides is missing) and a trailing comma, got 7");
    CHECK(csv_error(std::string(kConvHeader) + "C, 5, 5, 7, 3, 1, 1, 1,\n") ==
          "t.csv:2:10: Filter Height 7 is larger than IFMAP Height 5");
    CHECK(csv_error(std::string(kConvHeader) + "C, 5, 5, 3, 3, 1, 1, 1, 1, 9,\n") ==
          "t.csv:2:28: expected 9 values and a trailing comma, got 10 (text after the last comma must be empty or a # comment)");
    CHECK(csv_error(std::string(kConvHeader) + "A, 5, 5, 3, 3, 1, 1, 1,\nA, 5, 5, 3, 3, 1, 1, 1,\n") ==
          "t.csv:3:1: duplicate layer name \"A\" (also on line 2); layer names must be unique");
    CHECK(csv_error("Layer, M, N, K,\nG1, 0, 4, 4,\n") == "t.csv:2:5: M must be an integer in [1, 4294967296], got \"0\"");
    CHECK(csv_error("Layer, M, N, K,\n , 2, 4, 4,\n") == "t.csv:2:2: expected a layer name, got nothing");
    CHECK(csv_error("Layer, M, N, K,\n\n") == "t.csv:2:1: expected at least one layer row after the header, got none");
    CHECK(error_of([] { tpusim::importers::load_workload_csv("/nonexistent/net.csv"); }) ==
          "/nonexistent/net.csv: cannot open file (missing or unreadable)");
  }
}

TEST_CASE("SCALE-Sim .cfg files import into a scalesim-v2 architecture", "[scalesim][importer]") {
  SECTION("the shipped scale.cfg") {
    const tpusim::ArchConfig a = arch_of(kCfg);
    CHECK(a.name == "scale_example_run_32x32_os");
    CHECK(a.timing == tpusim::TimingMode::scalesim_v2);
    CHECK(a.array.rows == 32);
    CHECK(a.array.cols == 32);
    CHECK(a.array.dataflow == tpusim::Dataflow::os);
    REQUIRE(a.buffers.size() == 3);
    const tpusim::BufferConfig* ifmap = a.buffer_for(tpusim::BufferRole::inputs);
    const tpusim::BufferConfig* filter = a.buffer_for(tpusim::BufferRole::weights);
    const tpusim::BufferConfig* ofmap = a.buffer_for(tpusim::BufferRole::outputs);
    REQUIRE((ifmap && filter && ofmap));
    CHECK(ifmap->name == "ifmap");
    CHECK(filter->name == "filter");
    CHECK(ofmap->name == "ofmap");
    CHECK(ifmap->capacity_bytes == 64 * 1024);
    CHECK(a.datatypes.input == tpusim::DataType::int8);
    CHECK(a.datatypes.weight == tpusim::DataType::int8);
    CHECK(a.datatypes.output == tpusim::DataType::int8);
    REQUIRE(a.scalesim.has_value());
    CHECK(a.scalesim->run_name == "scale_example_run_32x32_os");
    CHECK(a.scalesim->filter_offset == 10000000);
    CHECK(a.scalesim->ofmap_offset == 20000000);
    CHECK(a.scalesim->bandwidth_words_per_cycle == std::vector<uint64_t>{10});
    CHECK(a.scalesim->memory_banks == 1);
    CHECK(a.scalesim->interface_bandwidth == tpusim::InterfaceBandwidth::calc);
    // 10 one-byte words per cycle at the default 1000 MHz = 10 GB/s for the native model.
    CHECK(a.dram.bandwidth_gb_per_s == Approx(10.0));
    // The echoed config parses back to the same settings.
    const tpusim::ArchConfig again = tpusim::config::parse_arch(tpusim::config::to_json(a), "echo.json");
    CHECK(again.scalesim->run_name == a.scalesim->run_name);
    CHECK(again.timing == a.timing);
  }

  SECTION("key names are case-insensitive and '=' or ':' both delimit, as in configparser") {
    const tpusim::ArchConfig a = arch_of(replaced(replaced(kCfg, "IfmapSramSzkB:    64", "ifmapsramszkB = 128"),
                                                  "Dataflow : os", "# weight stationary\nDATAFLOW=ws"));
    CHECK(a.buffer_for(tpusim::BufferRole::inputs)->capacity_bytes == 128 * 1024);
    CHECK(a.array.dataflow == tpusim::Dataflow::ws);
  }

  SECTION("the shipped google.cfg (TPU v1-like, with keys SCALE-Sim does not read)") {
    const tpusim::ArchConfig a = arch_of(
        "[general]\nrun_name = GoogleTPU_v1_ws\n\n[architecture_presets]\nArrayHeight:    256\nArrayWidth:     256\n"
        "IfmapSramSzkB:    6144\nFilterSramSzkB:   6144\nOfmapSramSzkB:    2048\nIfmapOffset:    0\n"
        "FilterOffset:   10000000\nOfmapOffset:    20000000\nDataflow : ws\nBandwidth : 10\nMemoryBanks: 1\n\n"
        "[run_presets]\nInterfaceBandwidth: CALC\nSRAM_row_size: 2\nSRAM_bank_size: 5\nDRAM_row_size: 2\nDRAM_bank_size: 5");
    CHECK(a.array.rows == 256);
    CHECK(a.array.dataflow == tpusim::Dataflow::ws);
    CHECK(a.buffer_for(tpusim::BufferRole::outputs)->capacity_bytes == 2048 * 1024);
    CHECK(a.buffer_for(tpusim::BufferRole::inputs)->bytes_per_cycle_per_port == 256);  // max(64, rows, cols)
  }

  SECTION("loading a file, with --set overrides") {
    const std::string path = std::string(TPUSIM_SOURCE_DIR) + "/configs/scalesim/scale.cfg";
    const tpusim::ArchConfig a = tpusim::importers::load_arch_cfg(path, {});
    CHECK(a.file == path);
    CHECK(a.timing == tpusim::TimingMode::scalesim_v2);
    const tpusim::ArchConfig n = tpusim::importers::load_arch_cfg(
        path, {tpusim::config::parse_override("/timing=native"), tpusim::config::parse_override("/array/rows=16")});
    CHECK(n.timing == tpusim::TimingMode::native);
    CHECK(n.array.rows == 16);
    CHECK(error_of([&] { tpusim::importers::load_arch_cfg(path, {tpusim::config::parse_override("/array/rows=0")}); })
              .rfind("--set /array/rows=0: ", 0) == 0);
  }

  SECTION("USER bandwidth mode is refused in scalesim-v2 timing, accepted in native timing") {
    const std::string user = replaced(kCfg, "InterfaceBandwidth: CALC", "InterfaceBandwidth: USER");
    CHECK(cfg_error(user) ==
          "x.cfg: /scalesim/interface_bandwidth: scalesim-v2 timing reproduces SCALE-Sim's CALC mode only, got "
          "\"USER\"; set it to \"CALC\", or set /timing to \"native\" to model the DRAM bandwidth");
    nlohmann::json doc = tpusim::importers::scalesim_cfg_to_json(user, "x.cfg");
    tpusim::config::apply_overrides(doc, {tpusim::config::parse_override("/timing=native")});
    CHECK(tpusim::config::parse_arch(doc, "x.cfg").scalesim->interface_bandwidth == tpusim::InterfaceBandwidth::user);
  }

  SECTION("malformed .cfg files name the file, line and column") {
    CHECK(cfg_error(replaced(kCfg, "Dataflow : os\n", "")) ==
          "x.cfg:4:1: section [architecture_presets] is missing key \"Dataflow\"");
    // "Dataflow : " is 11 characters: the value starts at column 12 of line 14.
    CHECK(cfg_error(replaced(kCfg, "Dataflow : os", "Dataflow : wx")) ==
          "x.cfg:14:12: Dataflow must be one of os, ws, is, got \"wx\"");
    CHECK(cfg_error(replaced(kCfg, "Dataflow : os", "Dataflow : WS")) ==
          "x.cfg:14:12: Dataflow must be one of os, ws, is, got \"WS\"");
    // "ArrayHeight:    " is 16 characters.
    CHECK(cfg_error(replaced(kCfg, "ArrayHeight:    32", "ArrayHeight:    3x2")) ==
          "x.cfg:5:17: ArrayHeight must be an integer in [1, 65536], got \"3x2\"");
    CHECK(cfg_error(replaced(kCfg, "ArrayWidth:     32", "ArrayWidth:     0")) ==
          "x.cfg:6:17: ArrayWidth must be an integer in [1, 65536], got \"0\"");
    CHECK(cfg_error(replaced(kCfg, "MemoryBanks:   1", "OnChipMemoryBanks: 1")) ==
          "x.cfg:15:1: unknown key \"OnChipMemoryBanks\" in [architecture_presets]; allowed: ArrayHeight, ArrayWidth, "
          "IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, IfmapOffset, FilterOffset, OfmapOffset, Dataflow, Bandwidth, "
          "MemoryBanks");
    CHECK(cfg_error(kCfg + "[sparsity]\nSparsitySupport : false\n") ==
          "x.cfg:19:1: unknown section [sparsity]; allowed: [general], [architecture_presets], [run_presets], "
          "[network_presets]");
    CHECK(cfg_error(replaced(kCfg, "[run_presets]\nInterfaceBandwidth: CALC\n", "")) ==
          "x.cfg:16:1: missing section [run_presets] (it must hold InterfaceBandwidth)");
    CHECK(cfg_error(replaced(kCfg, "InterfaceBandwidth: CALC", "InterfaceBandwidth: calc")) ==
          "x.cfg:18:21: InterfaceBandwidth must be one of CALC, USER, got \"calc\"");
    CHECK(cfg_error(replaced(kCfg, "Bandwidth : 10", "Bandwidth 10")) ==
          "x.cfg:13:1: expected \"key = value\" or \"key: value\", got \"Bandwidth 10\"");
    CHECK(cfg_error(replaced(kCfg, "Bandwidth : 10", "Bandwidth : 10, x")) ==
          "x.cfg:13:17: Bandwidth must be a comma-separated list of integers in [1, 4294967296] (words per cycle, "
          "one per memory bank), got \"x\"");
    CHECK(cfg_error(replaced(kCfg, "ArrayWidth:     32", "ArrayHeight: 16")) ==
          "x.cfg:6:1: key \"ArrayHeight\" appears twice in [architecture_presets] (also on line 5)");
    CHECK(cfg_error("run_name = x\n" + kCfg) ==
          "x.cfg:1:1: expected a section header such as [general] before the first key, got \"run_name = x\"");
    CHECK(cfg_error(replaced(kCfg, "[general]", "[general")) ==
          "x.cfg:1:1: expected \"]\" closing the section header, got \"[general\"");
    CHECK(error_of([] { tpusim::importers::load_arch_cfg("/nonexistent/a.cfg", {}); }) ==
          "/nonexistent/a.cfg: cannot open file (missing or unreadable)");
  }
}
