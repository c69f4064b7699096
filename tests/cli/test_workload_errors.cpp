// Workloads through the real CLI: every bad input of issue 2 exits 2 with one line on stderr
// naming the file, the JSON pointer, what was expected and what was found, and writes no report.
// Good input: every shipped workload loads, with the MAC count computed independently from its
// layer shapes (the table in workloads/README.md).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/workload.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {


json gemm_layer() { return {{"name", "g"}, {"op", "gemm"}, {"m", 4}, {"n", 4}, {"k", 4}}; }

/// 8x8x16 input, 3x3 kernel, stride 1, padding 1, 16 -> 32 channels.
json conv_layer() {
  return {{"name", "c"},    {"op", "conv2d"},   {"in_h", 8},     {"in_w", 8},     {"in_c", 16},
          {"out_c", 32},    {"kernel_h", 3},    {"kernel_w", 3}, {"stride", 1},   {"padding", 1}};
}

json workload_of(const json& layer) { return {{"name", "w"}, {"layers", {layer}}}; }

/// `doc` as text with "@RAW@" (quotes included) replaced verbatim, to write 1e15 or 1.5 as a user would.
std::string with_raw(const json& doc, const std::string& raw) {
  std::string text = doc.dump(1);
  const std::string mark = "\"@RAW@\"";
  const auto pos = text.find(mark);
  if (pos != std::string::npos) text.replace(pos, mark.size(), raw);
  return text;
}

json edited(json doc, const std::function<void(json&)>& edit) {
  edit(doc);
  return doc;
}

struct WorkloadCase {
  const char* what;
  std::string text;
  std::string message;  ///< after "<workload file>: "
};

}  // namespace

TEST_CASE("workload errors: each bad workload file exits 2 with its one-line message", "[errors][workload]") {
  const fs::path dir = test::temp_dir("workload_errors");
  const std::string arch = (dir / "arch.json").string();
  test::write_text(arch, test::tiny_arch_json().dump(1));

  // Sanity: the unmodified layers run.
  for (const json& layer : {gemm_layer(), conv_layer()}) {
    const std::string w = (dir / "good.json").string();
    test::write_text(w, workload_of(layer).dump(1));
    REQUIRE(test::run_cli("run -q --arch " + arch + " --workload " + w, dir).exit_code == 0);
  }

  const std::string kDim = "must be an integer in [1, 4294967296], got ";
  auto gemm_with = [](const std::function<void(json&)>& e) { return workload_of(edited(gemm_layer(), e)); };
  auto conv_with = [](const std::function<void(json&)>& e) { return workload_of(edited(conv_layer(), e)); };

  std::vector<WorkloadCase> cases = {
      {"malformed", "{\"name\": \"w\" \"layers\": []}",
       "malformed JSON: parse error at line 1, column 21: syntax error while parsing object - unexpected string "
       "literal; expected '}'"},
      {"truncated", "{\"name\": \"w\", \"layers\": [{\"name\": \"g\", \"op\": \"ge",
       "malformed JSON: parse error at line 1, column 49: syntax error while parsing value - invalid string: "
       "missing closing quote; last read: '\"ge'"},
      {"not an object", "[]", "/: must be an object, got an empty array"},
      {"unknown top-level key (typo)", edited(workload_of(gemm_layer()), [](json& w) { w["batchh"] = 2; }).dump(1),
       "/batchh: unknown key; allowed: batch, input, layers, name, notes, source"},
      {"missing required key: name", edited(workload_of(gemm_layer()), [](json& w) { w.erase("name"); }).dump(1),
       "/name: is required but missing"},
      {"missing required key: in_c", conv_with([](json& l) { l.erase("in_c"); }).dump(1),
       "/layers/0/in_c: is required but missing"},
      {"layer not an object", json{{"name", "w"}, {"layers", {5}}}.dump(1), "/layers/0: must be an object, got 5"},
      {"wrong type", gemm_with([](json& l) { l["m"] = "128"; }).dump(1), "/layers/0/m: " + kDim + "\"128\""},
      {"zero", gemm_with([](json& l) { l["k"] = 0; }).dump(1), "/layers/0/k: " + kDim + "0"},
      {"negative", gemm_with([](json& l) { l["n"] = -1; }).dump(1), "/layers/0/n: " + kDim + "-1"},
      {"non-integer", with_raw(gemm_with([](json& l) { l["m"] = "@RAW@"; }), "1.5"), "/layers/0/m: " + kDim + "1.5"},
      {"absurd", with_raw(conv_with([](json& l) { l["in_h"] = "@RAW@"; }), "1e15"),
       "/layers/0/in_h: " + kDim + "1e+15"},
      // JSON parsers keep the last of two equal keys; a duplicate is rejected where it stands.
      {"duplicate key", R"({"name": "w", "layers": [{"name": "g", "op": "gemm", "m": 4, "n": 4, "k": 4, "m": 8}]})",
       "/layers/0/m: duplicate key; each key may appear once"},
      {"unknown op", gemm_with([](json& l) { l["op"] = "conv3d"; }).dump(1),
       "/layers/0/op: unknown \"conv3d\"; allowed: gemm, linear, conv2d, matmul, maxpool, avgpool, global_avgpool, "
       "relu, gelu, add, softmax, layernorm, scale, concat, vector, embedding_bag, attention"},
      // The graph: inputs name earlier ops (or the workload input), in a number each op accepts.
      {"input names no op",
       R"({"name": "w", "layers": [{"name": "g", "op": "gemm", "m": 4, "n": 4, "k": 4, "inputs": ["x"]}]})",
       "/layers/0/inputs/0: no op named \"x\" before this one (the workload input is \"input\")"},
      {"input names a later op",
       R"({"name": "w", "layers": [{"name": "a", "op": "relu", "elements": 8, "inputs": ["b"]},
                                   {"name": "b", "op": "relu", "elements": 8}]})",
       "/layers/0/inputs/0: \"b\" is listed after this op; list ops in an order where every op comes after the ops "
       "it reads"},
      {"matmul with one input",
       R"({"name": "w", "layers": [{"name": "q", "op": "gemm", "m": 4, "n": 4, "k": 4},
                                   {"name": "s", "op": "matmul", "m": 4, "n": 4, "k": 4}]})",
       "/layers/1/op: matmul reads 2 tensors (\"inputs\"), got 1"},
      {"add with three inputs",
       R"({"name": "w", "layers": [{"name": "a", "op": "relu", "elements": 8},
                                   {"name": "b", "op": "add", "elements": 8, "inputs": ["a", "a", "input"]}]})",
       "/layers/1/inputs: add reads 1 or 2 tensors (\"inputs\"), got 3"},
      {"fused epilogue after a vector op",
       R"({"name": "w", "layers": [{"name": "a", "op": "relu", "elements": 8},
                                   {"name": "b", "op": "gelu", "elements": 8, "fuse": true}]})",
       "/layers/1/fuse: an epilogue follows a matrix op: its input must be a gemm, linear, conv2d or matmul"},
      {"fused epilogue whose producer feeds another op",
       R"({"name": "w", "layers": [{"name": "g", "op": "gemm", "m": 4, "n": 4, "k": 4},
                                   {"name": "r", "op": "relu", "elements": 16, "fuse": true},
                                   {"name": "s", "op": "add", "elements": 16, "inputs": ["g", "r"]}]})",
       "/layers/1/fuse: \"g\" also feeds other ops, which need its output before this epilogue"},
      {"fused softmax",
       R"({"name": "w", "layers": [{"name": "g", "op": "gemm", "m": 4, "n": 4, "k": 4},
                                   {"name": "s", "op": "softmax", "rows": 4, "cols": 4, "fuse": true}]})",
       "/layers/1/fuse: only relu, gelu, scale and a one-input add (a bias add) run as a matrix op's epilogue, got "
       "softmax"},
      // An 11-high kernel on an 8-high input with padding 1: 8 + 2 x 1 = 10 < 11.
      {"kernel larger than padded input", conv_with([](json& l) { l["kernel_h"] = 11; l["padding"] = 1; }).dump(1),
       "/layers/0/kernel_h: kernel extent 11 is larger than the padded input 10 (in_h 8 + 2 x padding 1)"},
      // Dilation 4 spreads a 3-wide kernel over 4 * (3 - 1) + 1 = 9 columns; 8 + 2 x 0 = 8 < 9.
      {"dilated kernel larger than input", conv_with([](json& l) { l["dilation"] = {1, 4}; l["padding"] = 0; }).dump(1),
       "/layers/0/kernel_w: kernel extent 9 is larger than the padded input 8 (in_w 8 + 2 x padding 0)"},
      {"in_c not divisible by groups", conv_with([](json& l) { l["in_c"] = 30; l["groups"] = 4; }).dump(1),
       "/layers/0/groups: in_c 30 is not divisible by groups 4"},
      {"out_c not divisible by groups", conv_with([](json& l) { l["out_c"] = 30; l["groups"] = 4; }).dump(1),
       "/layers/0/groups: out_c 30 is not divisible by groups 4"},
      {"pair of three", conv_with([](json& l) { l["stride"] = {1, 2, 3}; }).dump(1),
       "/layers/0/stride: must be an integer or a [height, width] pair, got an array of 3"},
      {"pool without kernel",
       workload_of({{"name", "p"}, {"op", "maxpool"}, {"in_h", 8}, {"in_w", 8}, {"channels", 4}}).dump(1),
       "/layers/0/kernel: is required but missing"},
      {"duplicate layer name", json{{"name", "w"}, {"layers", {gemm_layer(), conv_layer(), gemm_layer()}}}.dump(1),
       "/layers/2/name: duplicate layer name \"g\" (also /layers/0)"},
  };

  for (const auto& c : cases) {
    SECTION(c.what) {
      const fs::path out = dir / "out";
      const std::string w = (dir / "workload.json").string();
      test::write_text(w, c.text);
      fs::remove_all(out);
      const auto r = test::run_cli("run -q --arch " + arch + " --workload " + w + " --out " + out.string(), dir);
      CHECK(r.exit_code == 2);
      CHECK(r.err == "tpusim: " + w + ": " + c.message + "\n");
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
      CHECK(r.out.empty());
      CHECK_FALSE(fs::exists(out / "report.json"));
      CHECK_FALSE(fs::exists(out / "layers.csv"));
    }
  }

  SECTION("missing workload file") {
    const fs::path out = dir / "out";
    const std::string w = (dir / "no_such_workload.json").string();
    const auto r = test::run_cli("run -q --arch " + arch + " --workload " + w + " --out " + out.string(), dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "tpusim: " + w + ": cannot open file (missing or unreadable)\n");
    CHECK_FALSE(fs::exists(out / "report.json"));
    CHECK_FALSE(fs::exists(out / "layers.csv"));
  }
}

TEST_CASE("workload loading: every shipped workload loads with its MAC count", "[loading][workload]") {
  // MACs summed over the matrix layers by an independent script from the JSON shapes:
  // gemm m*n*k*count; linear batch*tokens*in*out; conv batch*out_h*out_w*kh*kw*(in_c/g)*(out_c/g)*g.
  const std::map<std::string, uint64_t> expected_macs = {
      {"alexnet.json", 724'406'816ULL},
      {"bert_base_layer.json", 931'135'488ULL},
      // batch 2048 x (bottom 13x512 + 512x256 + 256x128 = 170,496; top 479x1024 + 1024x1024 +
      // 1024x512 + 512x256 + 256x1 = 2,194,688; interaction 27x27x128 = 93,312) = 2048 x 2,458,496
      {"dlrm_criteo.json", 5'034'999'808ULL},
      {"gemm_1024.json", 1'073'741'824ULL},  // 1024^3
      {"gemm_128x64x256.json", 2'097'152ULL},  // 128 * 64 * 256
      {"gemm_suite.json", 38'932'321'096ULL},
      {"gpt2_small_block.json", 8'858'370'048ULL},
      {"gpt3_ffn1.json", 1'236'950'581'248ULL},  // 2048 * 12288 * 49152
      {"mobilenet_v2.json", 300'774'272ULL},
      {"resnet50.json", 4'089'184'256ULL},
  };
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(test::source_path("workloads")))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  for (const auto& p : files) {
    INFO(p.string());
    const Workload w = load_workload_json(p.string());
    CHECK(!w.name.empty());
    CHECK(!w.source.empty());  // issue 2: state where the shapes come from
    CHECK(!w.layers.empty());
    const auto it = expected_macs.find(p.filename().string());
    if (it != expected_macs.end()) CHECK(w.total_macs() == it->second);
  }
  // Each listed workload is shipped.
  for (const auto& [name, macs] : expected_macs) {
    INFO(name);
    CHECK(fs::exists(test::source_path("workloads/" + name)));
  }
}
