// Architecture configs through the real CLI: every bad input of issue 2 exits 2 with one line on
// stderr naming the file, the JSON pointer (or the --set option), what was expected and what was
// found, and writes no report. Good input: every preset loads, covers its energy table, and its
// effective config (to_json) parses back to the same effective config.
//
// The expected messages are written out in full: they are the interface users read, so a change
// of wording should be a deliberate edit here (and in configs/README.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_loader.h"
#include "sim/spec/arch_params.h"
#include "sim/spec/json_reader.h"
#include "sim/energy/energy_table.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {


/// A valid workload: one 4x4x4 GEMM named "g".
json good_workload() {
  return {{"name", "w"}, {"layers", {{{"name", "g"}, {"op", "gemm"}, {"m", 4}, {"n", 4}, {"k", 4}}}}};
}

/// `doc` as text, with the string "@RAW@" (quotes included) replaced by `raw` verbatim: lets a
/// case write a number exactly as a user would (1e15, 1.5) rather than as nlohmann dumps it.
std::string with_raw(const json& doc, const std::string& raw) {
  std::string text = doc.dump(1);
  const std::string mark = "\"@RAW@\"";
  const auto pos = text.find(mark);
  if (pos != std::string::npos) text.replace(pos, mark.size(), raw);
  return text;
}

/// Every key /array accepts, in the order the unknown-key message lists them (sorted), from the
/// parameter table that declares them (sim/spec/arch_params.cpp): the list is not kept twice.
std::string array_keys() {
  for (const auto& p : config::arch_params().params())
    if (p.key == "array") return config::join(p.child->sorted_keys());
  throw std::logic_error("no /array in the parameter table");
}

size_t count_newlines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

/// Runs `tpusim run` with --out and checks exit 2, exactly `expected` (after "tpusim: ") as the
/// only line on stderr, nothing on stdout, and no report written.
void expect_input_error(const fs::path& dir, const std::string& arch, const std::string& workload,
                        const std::string& extra_args, const std::string& expected) {
  const fs::path out = dir / "out";
  fs::remove_all(out);
  const auto r = test::run_cli("run -q --arch '" + arch + "' --workload '" + workload + "' --out '" + out.string() +
                                   "' " + extra_args,
                               dir);
  INFO("arch " << arch << ", workload " << workload << ", args " << extra_args);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpusim: " + expected + "\n");
  CHECK(count_newlines(r.err) == 1);
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(out / "report.json"));
  CHECK_FALSE(fs::exists(out / "layers.csv"));
}

/// A bad architecture document (as text) against the good workload.
struct ArchCase {
  const char* what;
  std::string text;
  std::string message;  ///< after "<arch file>: "
};

}  // namespace

TEST_CASE("config errors: each bad architecture file exits 2 with its one-line message", "[errors][config]") {
  const fs::path dir = test::temp_dir("config_errors");
  const std::string workload = (dir / "workload.json").string();
  test::write_text(workload, good_workload().dump(1));

  // Sanity: the unmodified inputs run.
  {
    const std::string arch = (dir / "good.json").string();
    test::write_text(arch, test::tiny_arch_json().dump(1));
    const auto r = test::run_cli("run -q --arch " + arch + " --workload " + workload, dir);
    REQUIRE(r.exit_code == 0);
  }

  std::vector<ArchCase> cases;
  auto mutated = [](const std::function<void(json&)>& edit) {
    json a = test::tiny_arch_json();
    edit(a);
    return a;
  };
  const std::string kRowsRange = "/array/rows: must be an integer in [1, 65536], got ";

  {
    const std::string good = test::tiny_arch_json().dump(1);
    // A stray '}' where a key should be: nlohmann reports the line and column of the token.
    cases.push_back({"malformed", "{\"name\": \"tiny\", }",
                     "malformed JSON: parse error at line 1, column 18: syntax error while parsing object key - "
                     "unexpected '}'; expected string literal"});
    // The file cut off in the middle of a value.
    cases.push_back({"truncated", "{\"name\": \"tiny\", \"clock_mhz\": 10",
                     "malformed JSON: parse error at line 1, column 33: syntax error while parsing object - "
                     "unexpected end of input; expected '}'"});
  }
  cases.push_back({"unknown key (typo)", mutated([](json& a) { a["array"]["rwos"] = 4; }).dump(1),
                   "/array/rwos: unknown key; allowed: " + array_keys()});
  cases.push_back({"wrong type", mutated([](json& a) { a["array"]["rows"] = "32"; }).dump(1), kRowsRange + "\"32\""});
  cases.push_back({"zero", mutated([](json& a) { a["array"]["rows"] = 0; }).dump(1), kRowsRange + "0"});
  cases.push_back({"negative", mutated([](json& a) { a["array"]["rows"] = -4; }).dump(1), kRowsRange + "-4"});
  cases.push_back({"non-integer", with_raw(mutated([](json& a) { a["array"]["rows"] = "@RAW@"; }), "1.5"),
                   kRowsRange + "1.5"});
  // 1e15 is a JSON float (a whole number, but beyond the range); echoed as nlohmann prints it.
  cases.push_back({"absurd", with_raw(mutated([](json& a) { a["array"]["rows"] = "@RAW@"; }), "1e15"),
                   kRowsRange + "1e+15"});
  cases.push_back({"absurd capacity", mutated([](json& a) { a["buffers"]["ifmap"]["capacity_bytes"] = 1ULL << 51; }).dump(1),
                   "/buffers/ifmap/capacity_bytes: must be an integer in [1, 1125899906842624], got 2251799813685248"});
  cases.push_back({"zero bandwidth", mutated([](json& a) { a["dram"]["bandwidth_gb_per_s"] = 0; }).dump(1),
                   "/dram/bandwidth_gb_per_s: must be a number in (0.001, 1000000], got 0"});
  cases.push_back({"unknown dataflow", mutated([](json& a) { a["array"]["dataflow"] = "wx"; }).dump(1),
                   "/array/dataflow: unknown \"wx\"; allowed: os, ws, is, rs"});
  cases.push_back({"unknown datatype", mutated([](json& a) { a["datatypes"] = {{"input", "int7"}}; }).dump(1),
                   "/datatypes/input: unknown \"int7\"; allowed: int4, int8, int16, int32, bf16, fp16, fp32"});
  cases.push_back({"unknown buffer role", mutated([](json& a) { a["buffers"]["ifmap"]["holds"] = {"input"}; }).dump(1),
                   "/buffers/ifmap/holds/0: unknown \"input\"; allowed: inputs, weights, outputs, accumulators, sparse_core"});
  cases.push_back({"missing required key: buffers", mutated([](json& a) { a.erase("buffers"); }).dump(1),
                   "/buffers: is required but missing"});
  cases.push_back({"missing required key: capacity_bytes",
                   mutated([](json& a) { a["buffers"]["filter"].erase("capacity_bytes"); }).dump(1),
                   "/buffers/filter/capacity_bytes: is required but missing"});
  cases.push_back({"missing role", mutated([](json& a) { a["buffers"].erase("filter"); }).dump(1),
                   "/buffers: no buffer holds \"weights\"; add it to some buffer's \"holds\""});
  cases.push_back({"role held twice", mutated([](json& a) { a["buffers"]["filter"]["holds"] = {"weights", "inputs"}; }).dump(1),
                   "/buffers: \"inputs\" is held by 2 buffers; exactly one may hold it"});

  for (const auto& c : cases) {
    SECTION(c.what) {
      const std::string arch = (dir / "arch.json").string();
      test::write_text(arch, c.text);
      expect_input_error(dir, arch, workload, "", arch + ": " + c.message);
    }
  }

  SECTION("missing architecture file") {
    const std::string arch = (dir / "no_such_arch.json").string();
    expect_input_error(dir, arch, workload, "", arch + ": cannot open file (missing or unreadable)");
  }

  SECTION("a buffer too small for the smallest tile") {
    // 4x4 WS array, int8 weights: the stationary weight tile is rows x cols = 16 B, double-buffered
    // 32 B; the filter buffer has 31.
    const std::string arch = (dir / "arch.json").string();
    test::write_text(arch, mutated([](json& a) { a["buffers"]["filter"]["capacity_bytes"] = 31; }).dump(1));
    expect_input_error(dir, arch, workload, "",
                       arch + ": /buffers/filter/capacity_bytes: cannot hold the smallest tile of layer \"g\" "
                              "(needs 32 bytes: weights 16 B x 2 (double-buffered)), got 31");
  }

  SECTION("a buffer too small: partial sums in the outputs buffer at accumulator width") {
    // No accumulators buffer: ofmap keeps partial sums as int32. WS streams one row of A per
    // step, so the smallest output tile is 1 x cols = 4 elements = 16 B, double-buffered 32 B.
    const std::string arch = (dir / "arch.json").string();
    test::write_text(arch, mutated([](json& a) { a["buffers"]["ofmap"]["capacity_bytes"] = 31; }).dump(1));
    expect_input_error(dir, arch, workload, "",
                       arch + ": /buffers/ofmap/capacity_bytes: cannot hold the smallest tile of layer \"g\" "
                              "(needs 32 bytes: partial sums 16 B x 2 (double-buffered)), got 31");
  }

  SECTION("an energy table entry without a unit") {
    json table = json::parse(test::read_text(test::source_path("configs/energy/default_45nm.json")));
    table["pe_register_pj_per_byte"].erase("unit");
    const std::string table_path = (dir / "table.json").string();
    test::write_text(table_path, table.dump(1));
    const std::string arch = (dir / "arch.json").string();
    test::write_text(arch, mutated([](json& a) { a["energy_table"] = "table.json"; }).dump(1));
    expect_input_error(dir, arch, workload, "",
                       table_path + ": /pe_register_pj_per_byte/unit: missing: every number needs a unit (here \"pJ/B\")");
  }
}

TEST_CASE("config errors: each bad --set exits 2 naming the option", "[errors][config]") {
  const fs::path dir = test::temp_dir("set_errors");
  const std::string workload = (dir / "workload.json").string();
  const std::string arch = (dir / "arch.json").string();
  test::write_text(workload, good_workload().dump(1));
  test::write_text(arch, test::tiny_arch_json().dump(1));

  struct SetCase {
    const char* what;
    std::string option;
    std::string message;
  };
  const std::vector<SetCase> cases = {
      {"no '='", "/array/rows", "--set /array/rows: expected /json/pointer=value, got \"/array/rows\""},
      {"no leading '/'", "array/rows=8", "--set array/rows=8: expected /json/pointer=value, got \"array/rows=8\""},
      {"empty pointer", "=8", "--set =8: expected /json/pointer=value, got \"=8\""},
      {"unknown key", "/array/rwos=8",
       "--set /array/rwos=8: " + arch +
           ": /array/rwos: unknown key; allowed: " + array_keys()},
      {"zero rows", "/array/rows=0", "--set /array/rows=0: " + arch + ": /array/rows: must be an integer in [1, 65536], got 0"},
      // Not JSON, so taken as the string "wx".
      {"unknown dataflow", "/array/dataflow=wx",
       "--set /array/dataflow=wx: " + arch + ": /array/dataflow: unknown \"wx\"; allowed: os, ws, is, rs"},
      {"through a number", "/array/rows/x=1", "--set /array/rows/x=1: /array/rows/x does not lead through objects in the config"},
  };
  for (const auto& c : cases) {
    SECTION(c.what) { expect_input_error(dir, arch, workload, "--set '" + c.option + "'", c.message); }
  }

  SECTION("a good --set still runs") {
    const auto r = test::run_cli("run -q --arch " + arch + " --workload " + workload +
                                     " --set /array/dataflow=os --set /array/rows=8",
                                 dir);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
  }
}

TEST_CASE("config loading: --set values are JSON, else strings", "[loading][config]") {
  const auto rows = config::parse_override("/array/rows=64");
  CHECK(rows.pointer == "/array/rows");
  CHECK(rows.value == json(64));
  const auto df = config::parse_override("/array/dataflow=os");
  CHECK(df.value == json("os"));
  const auto quoted = config::parse_override("/name=\"x=y\"");
  CHECK(quoted.pointer == "/name");
  CHECK(quoted.value == json("x=y"));
  const auto flag = config::parse_override("/array/overlap_folds=true");
  CHECK(flag.value == json(true));

  // Applied overrides reach the parsed config.
  json doc = test::tiny_arch_json();
  config::apply_overrides(doc, {rows, df});
  const ArchConfig a = config::parse_arch(doc, "tiny.json");
  CHECK(a.array.rows == 64);
  CHECK(a.array.dataflow == Dataflow::os);
}

TEST_CASE("config loading: every preset loads, covers its energy table and round-trips", "[loading][config]") {
  std::vector<fs::path> presets;
  for (const auto& e : fs::directory_iterator(test::source_path("configs")))
    if (e.path().extension() == ".json") presets.push_back(e.path());
  std::sort(presets.begin(), presets.end());
  REQUIRE(presets.size() >= 5);  // tpu_v1, scalesim_32x32, eyeriss-, gemmini-, tpu_v4-like
  for (const auto& p : presets) {
    INFO(p.string());
    const ArchConfig a = config::load_arch_json(p.string());
    CHECK(!a.source.empty());  // issue 2: every preset says where its numbers come from
    const json once = config::to_json(a);
    const json twice = config::to_json(config::parse_arch(once, p.string()));
    CHECK(once == twice);
    const EnergyTable t = load_energy_table(resolve_energy_table(a.energy_table, a.file));
    CHECK_NOTHROW(t.check_covers(a));
  }
}
