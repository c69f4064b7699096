// tpusim export gemm-table: the LLMCompass lookup table (software_model/matmul.py reads it with
// no header as M,N,K,ArrayHeight,ArrayWidth,Dataflow,cycle_count,util_rate, the rows it writes
// from SCALE-Sim's total_cycles and overall_util with "{util_rate:.3f}"), the CSV with a header
// and the time, and the errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "support/test_util.h"

using namespace tpusim;
namespace fs = std::filesystem;

TEST_CASE("export gemm-table: SCALE-Sim's own rows for its scale.cfg, as LLMCompass writes them", "[export][cli]") {
  const auto dir = test::temp_dir("export_llmcompass");
  // SCALE-Sim v2 (tests/data/scalesim/cases.json, from scale-sim-v2 at 22f88b1) on scale.cfg,
  // 128x64x256: total_cycles 2543 / 3551 / 5055 and overall_util 80.5348 / 57.6739 / 40.5143 %
  // under os / ws / is. tpusim's scalesim-v2 timing mode (the .cfg's) reproduces them, so the
  // table's rows are the ones LLMCompass would have appended after running SCALE-Sim.
  std::string table;
  for (const char* df : {"os", "ws", "is"}) {
    const auto out = dir / (std::string(df) + ".csv");
    const auto r = test::run_cli("export gemm-table --arch " + test::source_path("configs/scalesim/scale.cfg") +
                                     " --set /array/dataflow=" + df + " --m 128 --n 64 --k 256 --jobs 1 --out " + out.string(),
                                 dir);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    table += test::read_text(out);
  }
  CHECK(table ==
        "128,64,256,32,32,os,2543,80.535\n"
        "128,64,256,32,32,ws,3551,57.674\n"
        "128,64,256,32,32,is,5055,40.514\n");
}

TEST_CASE("export gemm-table: the product of the sides, M slowest, with a header and the time", "[export][cli]") {
  const auto dir = test::temp_dir("export_csv");
  // The tiny 4x4 WS array at 1000 MHz: a cycle is 1 ns. Each GEMM runs alone, so a row equals
  // `tpusim run` of that GEMM (checked for one below); the MACs per row are M*N*K and the
  // utilization is MACs / (cycles x 16 PEs).
  test::write_text(dir / "arch.json", test::tiny_arch_json().dump());
  const auto out = dir / "t.csv";
  auto r = test::run_cli("export gemm-table --arch " + (dir / "arch.json").string() +
                             " --m 4,8 --n 4 --k 4,12 --format csv --jobs 2 --out " + out.string(),
                         dir);
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(test::read_text(out));
  std::string line;
  std::getline(lines, line);
  CHECK(line == "m,n,k,array_rows,array_cols,dataflow,cycles,utilization,time_ns");
  const uint64_t sides[4][3] = {{4, 4, 4}, {4, 4, 12}, {8, 4, 4}, {8, 4, 12}};
  std::string last_row;
  for (const auto& s : sides) {
    REQUIRE(std::getline(lines, line));
    last_row = line;
    unsigned long long m = 0, n = 0, k = 0, rows = 0, cols = 0, cycles = 0;
    char df[8] = {};
    double util = 0, time_ns = 0;
    REQUIRE(std::sscanf(line.c_str(), "%llu,%llu,%llu,%llu,%llu,%2[a-z],%llu,%lf,%lf", &m, &n, &k, &rows, &cols, df,
                        &cycles, &util, &time_ns) == 9);
    CHECK((m == s[0] && n == s[1] && k == s[2] && rows == 4 && cols == 4 && std::string(df) == "ws"));
    CHECK(time_ns == Approx(double(cycles)));
    CHECK(util == Approx(double(m * n * k) / (double(cycles) * 16)).margin(1e-6));
  }
  CHECK(!std::getline(lines, line));
  // The 8x4x12 row is what `tpusim run` gives for that GEMM alone.
  test::write_text(dir / "w.json",
                   R"({"name": "g", "layers": [{"name": "gemm", "op": "gemm", "m": 8, "n": 4, "k": 12}]})");
  r = test::run_cli("run -q --arch " + (dir / "arch.json").string() + " --workload " + (dir / "w.json").string() +
                        " --out " + (dir / "run").string(),
                    dir);
  REQUIRE(r.exit_code == 0);
  const auto report = nlohmann::json::parse(test::read_text(dir / "run/report.json"));
  CHECK(last_row.find(",ws," + std::to_string(report["totals"]["cycles"].get<uint64_t>()) + ",") != std::string::npos);
}

TEST_CASE("export gemm-table: GEMMs from a SCALE-Sim topology file", "[export][cli]") {
  const auto dir = test::temp_dir("export_topology");
  const auto out = dir / "t.csv";
  auto r = test::run_cli("export gemm-table --arch " + test::source_path("configs/scalesim/scale.cfg") + " --gemms " +
                             test::source_path("tests/data/scalesim/test_mnk_input.csv") + " --out " + out.string(),
                         dir);
  REQUIRE(r.exit_code == 0);
  CHECK(test::read_text(out) == "128,64,256,32,32,os,2543,80.535\n");
}

TEST_CASE("export gemm-table: bad input is one line, exit 2, and no table", "[export][cli]") {
  const auto dir = test::temp_dir("export_errors");
  test::write_text(dir / "arch.json", test::tiny_arch_json().dump());
  const std::string arch = " --arch " + (dir / "arch.json").string();
  const std::string out = " --out " + (dir / "t.csv").string();
  test::write_text(dir / "g.csv", "M,N,K\n4,4,4\n4,x,4\n");
  const std::pair<std::string, std::string> cases[] = {
      {"export gemm-table" + arch + " --m 4,0 --n 4 --k 4" + out,
       "tpusim: --m: expected an integer in [1, 2147483648], got \"0\"\n"},
      {"export gemm-table" + arch + " --m 4 --n 4" + out,
       "tpusim: --k: required with the other sides (or give --gemms FILE)\n"},
      {"export gemm-table" + arch + " --gemms " + (dir / "g.csv").string() + out,
       "tpusim: " + (dir / "g.csv").string() + ": row 3 N: expected an integer in [1, 2147483648], got \"x\"\n"},
      {"export gemm-table" + arch + " --m 4 --n 4 --k 4 --format genz" + out,
       "tpusim: --format: unknown \"genz\"; allowed: llmcompass, csv\n"},
      {"export gemm-tables" + arch + out, "tpusim: export: unknown export \"gemm-tables\"; allowed: gemm-table, chakra\n"},
      // rows = 0 is refused when the architecture loads, before any GEMM runs.
      {"export gemm-table" + arch + " --set /array/rows=0 --m 4 --n 4 --k 4" + out,
       "tpusim: --set /array/rows=0: " + (dir / "arch.json").string() +
           ": /array/rows: must be an integer in [1, 65536], got 0\n"},
  };
  for (const auto& [args, want] : cases) {
    const auto r = test::run_cli(args, dir);
    INFO(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == want);
    CHECK(!fs::exists(dir / "t.csv"));
  }
}

TEST_CASE("export gemm-table: a GEMM whose run fails names it, and nothing is written", "[export][cli]") {
  const auto dir = test::temp_dir("export_run_error");
  // A 16-byte filter buffer holds no double-buffered 4x4 int8 weight tile (2 x 16 B): the
  // architecture loads, the GEMM's run refuses it.
  auto arch = test::tiny_arch_json();
  arch["buffers"]["filter"]["capacity_bytes"] = 16;
  test::write_text(dir / "arch.json", arch.dump());
  // The runs' scratch directory goes under TMPDIR (std::filesystem::temp_directory_path).
  fs::create_directories(dir / "tmp");
  ::setenv("TMPDIR", (dir / "tmp").c_str(), 1);
  const auto r = test::run_cli("export gemm-table --arch " + (dir / "arch.json").string() +
                                   " --m 8 --n 8 --k 8 --jobs 1 --out " + (dir / "t.csv").string(),
                               dir);
  ::unsetenv("TMPDIR");
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("tpusim: gemm-table: M=8 N=8 K=8: " + (dir / "arch.json").string() +
                        ": /buffers/filter/capacity_bytes: cannot hold the smallest tile of layer \"gemm\"",
                    0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(!fs::exists(dir / "t.csv"));
  CHECK(fs::is_empty(dir / "tmp"));  // the runs' scratch directory is gone too
}
