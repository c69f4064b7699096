// Loader defects found by fuzzing (tests/fuzz, issue 16), one regression case each, through the
// real CLI: exit 2, exactly one stderr line naming the file and the JSON pointer (or the option),
// nothing on stdout, no report. The expected messages are written out in full.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_util.h"

using namespace tpusim;
namespace fs = std::filesystem;

namespace {

size_t count_newlines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

/// Runs `tpusim ARGS` (with --out DIR/out when `with_out`) and checks the one-line exit 2.
void expect_input_error(const fs::path& dir, const std::string& args, const std::string& expected,
                        bool with_out = true) {
  const fs::path out = dir / "out";
  fs::remove_all(out);
  const auto r = test::run_cli(args + (with_out ? " --out '" + out.string() + "'" : std::string()), dir);
  INFO("tpusim " << args);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpusim: " + expected + "\n");
  CHECK(count_newlines(r.err) == 1);
  CHECK(r.out.empty());
  CHECK_FALSE(fs::exists(out));
}

/// `depth` arrays nested in each other around `inner`: "[[...inner...]]".
std::string nested(size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

/// "/0/0/.../0", `n` times.
std::string zeros(size_t n) {
  std::string p;
  for (size_t i = 0; i < n; ++i) p += "/0";
  return p;
}

const std::string kWorkload = R"({"name": "w", "layers": [{"name": "g", "op": "gemm", "m": 4, "n": 4, "k": 4}]})";

}  // namespace

TEST_CASE("loader hardening: a number beyond a double's range is exit 2 naming its pointer", "[errors][fuzz]") {
  const fs::path dir = test::temp_dir("hardening_number");
  const std::string arch = (dir / "arch.json").string(), work = (dir / "work.json").string();
  test::write_text(work, kWorkload);
  // Found as "internal error: [json.exception.out_of_range.406] number overflow parsing '1e400'"
  // (exit 3): nlohmann raises out_of_range, not parse_error, for a number strtod makes infinite.
  test::write_text(arch, test::tiny_arch_json().dump().replace(test::tiny_arch_json().dump().find("1000"), 4, "1e400"));
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work,
                     arch + ": /clock_mhz: must be a number within a double's range (magnitude up to about 1.8e308), "
                            "got 1e400");
  // Inside an array the pointer names the element: the third of [1, 2, -1e999].
  test::write_text(work, R"({"name": "w", "layers": [{"name": "g", "op": "gemm", "m": 4, "n": 4, "k": 4,
    "inputs": [1, 2, -1e999]}]})");
  test::write_text(arch, test::tiny_arch_json().dump());
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work,
                     work + ": /layers/0/inputs/2: must be a number within a double's range (magnitude up to about "
                            "1.8e308), got -1e999");
  // A --set value: the option is named.
  test::write_text(work, kWorkload);
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work + " --set /array/rows=1e400",
                     "--set /array/rows=1e400: /: must be a number within a double's range (magnitude up to about "
                     "1.8e308), got 1e400");
}

TEST_CASE("loader hardening: JSON nested deeper than 100 levels is exit 2, not a stack overflow", "[errors][fuzz]") {
  const fs::path dir = test::temp_dir("hardening_depth");
  const std::string arch = (dir / "arch.json").string(), work = (dir / "work.json").string();
  test::write_text(arch, test::tiny_arch_json().dump());
  // 100 levels are allowed: the workload's object is level 1, the array of "layers" level 2, and
  // 98 arrays inside it reach 100; the loader then judges the content (an array is not a layer).
  test::write_text(work, R"({"name": "w", "layers": )" + nested(99) + "}");
  {
    const auto r = test::run_cli("run -q --arch " + arch + " --workload " + work, dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("nested deeper") == std::string::npos);
  }
  // One more is refused where it opens: /layers then 99 indices 0 lead to the 101st level.
  test::write_text(work, R"({"name": "w", "layers": )" + nested(100) + "}");
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work,
                     work + ": /layers" + zeros(99) + ": nested deeper than 100 levels of objects and arrays");
  // A million levels (2 MB) crashed compare and sweep with SIGSEGV; now the same one line.
  const std::string deep = nested(1000000);
  const std::string report = (dir / "report.json").string(), spec = (dir / "spec.json").string();
  test::write_text(report, deep);
  expect_input_error(dir, "compare " + report + " " + report,
                     report + ": " + zeros(100) + ": nested deeper than 100 levels of objects and arrays", false);
  test::write_text(spec, R"({"arch": "a.json", "axes": )" + deep + "}");
  expect_input_error(dir, "sweep -q " + spec,
                     spec + ": /axes" + zeros(99) + ": nested deeper than 100 levels of objects and arrays");
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work + " --set '/array/rows=" + nested(101) + "'",
                     "--set /array/rows=" + nested(101) + ": " + zeros(100) +
                         ": nested deeper than 100 levels of objects and arrays");
}

TEST_CASE("loader hardening: products of conv and pool extents are checked, not wrapped", "[errors][fuzz]") {
  const fs::path dir = test::temp_dir("hardening_extent");
  const std::string arch = (dir / "arch.json").string(), work = (dir / "work.json").string();
  test::write_text(arch, test::tiny_arch_json().dump());
  const std::string limit = "makes the layer too large (over 4611686018427387904 elements or MACs)";  // 2^62
  // A 2^32 x 2^32 kernel on a 2^32 x 2^32 input: one output pixel, but kernel_h x kernel_w = 2^64
  // wrapped to a reduction K of 0 (then a division by it: SIGFPE). 2^32 > 2^62 / 2^32 = 2^30.
  test::write_text(work, R"({"name": "w", "layers": [{"name": "c", "op": "conv2d", "in_h": 4294967296,
    "in_w": 4294967296, "in_c": 1, "out_c": 1, "kernel_h": 4294967296, "kernel_w": 4294967296}]})");
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work, work + ": /layers/0/kernel_w: " + limit);
  // A 2^32 x 2^32 pool input: its plane, 2^64 elements, wrapped to 0. (Padding can no longer reach
  // a wrap: it is at most the larger of the input and the window, tests/data/bad.)
  test::write_text(work, R"({"name": "w", "layers": [{"name": "p", "op": "maxpool", "in_h": 4294967296,
    "in_w": 4294967296, "channels": 1, "kernel": 1}]})");
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work, work + ": /layers/0/in_w: " + limit);
}

TEST_CASE("loader hardening: a depthwise SCALE-Sim row may not expand into billions of layers", "[errors][fuzz]") {
  const fs::path dir = test::temp_dir("hardening_dp");
  const std::string arch = (dir / "arch.json").string(), topo = (dir / "dp.csv").string();
  test::write_text(arch, test::tiny_arch_json().dump());
  // A 1x1 filter keeps the window (2^32 elements) and the MACs (2^32) within their limits, so the
  // row reached the per-channel expansion, which asked for 2^32 layers: std::bad_alloc (exit 3).
  // Channels starts at column 18 of line 2 ("DP1, 1, 1, 1, 1, " is 17 characters).
  test::write_text(topo, "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                         "Strides,\nDP1, 1, 1, 1, 1, 4294967296, 1, 1,\n");
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + topo,
                     topo + ":2:18: Channels 4294967296 of depthwise layer \"DP1\" would expand into 4294967296 layers "
                            "(one per channel, as SCALE-Sim runs it); a topology may hold at most 1048576 layers");
}

TEST_CASE("loader hardening: a control character in a bad value is escaped, the message stays one line",
          "[errors][fuzz]") {
  const fs::path dir = test::temp_dir("hardening_ctrl");
  const std::string arch = (dir / "arch.json").string(), work = (dir / "work.json").string();
  test::write_text(arch, test::tiny_arch_json().dump());
  test::write_text(work, kWorkload);
  // fuzz_set_value found a --set text starting with a carriage return echoed raw; the issue's
  // example is a newline inside a bad value. Both quoted back as \r and \n (InputError::one_line).
  const auto r = test::run_cli("run -q --arch " + arch + " --workload " + work + " --set '/array/dataflow=w\nx'", dir);
  CHECK(r.exit_code == 2);
  const std::string head = "tpusim: --set /array/dataflow=w\\nx: " + arch + ": /array/dataflow: unknown \"w\\nx\"; allowed: ";
  CHECK(r.err.substr(0, head.size()) == head);
  CHECK(count_newlines(r.err) == 1);
  const auto cr = test::run_cli("run -q --arch " + arch + " --workload " + work + " --set '\r/array/rows=4'", dir);
  CHECK(cr.exit_code == 2);
  CHECK(cr.err == "tpusim: --set \\r/array/rows=4: expected /json/pointer=value, got \"\\r/array/rows=4\"\n");
}

namespace {

/// `tpusim import` of tests/data/onnx/bad/NAME.onnx (its .textproto, encoded with protoc): exit 2,
/// nothing on stdout, the one line "tpusim: MODEL: " + `message`.
void expect_bad_onnx(const std::string& name, const std::string& message) {
  const fs::path dir = test::temp_dir("hardening_onnx_" + name);
  const std::string model = std::string(TPUSIM_SOURCE_DIR) + "/tests/data/onnx/bad/" + name + ".onnx";
  const auto r = test::run_cli("import --workload " + model, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "tpusim: " + model + ": " + message + "\n");
  CHECK(r.out.empty());
}

}  // namespace

TEST_CASE("loader hardening: an ONNX ConvTranspose with a rank-1 weight is refused before libonnx's inference",
          "[errors][fuzz]") {
  // fuzz_onnx found libonnx 1.13's ConvTranspose shape inference reading the weight's dim 1
  // unchecked (SIGSEGV). The model: node 0 "up", weight "W" of shape [1].
  expect_bad_onnx("convtranspose_weight_rank1",
                  "node 0 \"up\" (ConvTranspose): weight \"W\" has rank 1; expected at least 2 (C x M/group x kernel)");
}

TEST_CASE("loader hardening: an ONNX node reading a tensor nothing defines is refused before libonnx's inference",
          "[errors][fuzz]") {
  // fuzz_onnx's 30-minute run (2026-12-02): libonnx 1.13's Shape inference dereferences the type
  // of an input no graph input, initializer or earlier node defines (SIGSEGV). The model: node 0
  // "s", a Shape of "x".
  expect_bad_onnx("shape_undefined_input",
                  "node 0 \"s\" (Shape): input 0 \"x\" is not a graph input, an initializer or an earlier node's output");
}

TEST_CASE("loader hardening: an ONNX ConvTranspose of a rank-1 input is refused by rank, not read past its shape",
          "[errors][fuzz]") {
  // fuzz_onnx's re-run (2026-12-02): with kernel_shape given nothing checks the ranks before
  // inference, and the lowering's refusal read X's dim 1 for its message (heap-buffer-overflow).
  // The model: node 0 "up", X of shape [1], W of shape [1, 2, 3, 3].
  expect_bad_onnx("convtranspose_rank_message",
                  "node 0 \"up\" (ConvTranspose): X has rank 1 and W rank 4; expected equal ranks of at least 3 (N x "
                  "C x spatial)");
}

TEST_CASE("loader hardening: a --set value that is not UTF-8 is exit 2, not a JSON library error", "[errors][fuzz]") {
  // fuzz_set_value (2026-12-02): "=9\xd3" is no JSON, so it became the string "9\xd3", whose dump
  // (in the type error's message) threw nlohmann's type_error 316: exit 3 "internal error".
  const fs::path dir = test::temp_dir("hardening_set_utf8");
  test::write_text(dir / "work.json", kWorkload);
  expect_input_error(dir,
                     "run -q --arch " + std::string(TPUSIM_SOURCE_DIR) + "/configs/tpu_v1.json --workload " +
                         (dir / "work.json").string() + " --set '/vector/writeback_elems_per_cycle=9\xd3'",
                     "--set \"/vector/writeback_elems_per_cycle=9\xef\xbf\xbd\": not valid UTF-8 text");
}

TEST_CASE("loader hardening: a --set index far past an array's end is exit 2, not a huge allocation", "[errors][fuzz]") {
  // fuzz_set_value (2026-12-02, 600 s run, after 13 s): "/buffers/unified_buffer/holds/17777777777777Al/..."
  // made nlohmann resize the 3-element holds array to 1.8e13 elements (AddressSanitizer's
  // allocation-size-too-big; std::bad_alloc, exit 3, in the CLI). An array may grow by one element.
  const fs::path dir = test::temp_dir("hardening_set_index");
  const std::string arch = (dir / "arch.json").string(), work = (dir / "work.json").string();
  test::write_text(arch, test::tiny_arch_json().dump());
  test::write_text(work, kWorkload);
  // tiny_arch_json's ifmap buffer holds ["inputs"]: size 1, so index 1 appends and 2 is refused.
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work + " --set /buffers/ifmap/holds/17777777777=inputs",
                     "--set /buffers/ifmap/holds/17777777777=inputs: index 17777777777 is past the end of the array at "
                     "/buffers/ifmap/holds (size 1: an index names an element, or 1 appends one)");
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work + " --set /buffers/ifmap/holds/2=weights",
                     "--set /buffers/ifmap/holds/2=weights: index 2 is past the end of the array at /buffers/ifmap/holds "
                     "(size 1: an index names an element, or 1 appends one)");
  // A missing object on the way becomes an array for a numeric token, of size 0.
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work + " --set /buffers/extra/5=x",
                     "--set /buffers/extra/5=x: index 5 is past the end of the array at /buffers/extra (size 0: an "
                     "index names an element, or 0 appends one)");
}

TEST_CASE("loader hardening: an input file is read up to a limit, a device or a huge file is exit 2", "[errors][fuzz]") {
  // Found by hand (2026-12-02): --arch /dev/zero or --workload /dev/urandom read until memory ran
  // out (5 to 8 GB in 20 s, no answer). Every loader reads through read_file (sim/base/file_io.h),
  // which stops at the limit: 512 MiB = 536870912 bytes for the text formats, 2^31 - 1 =
  // 2147483647 for an ONNX model (protobuf's own limit), or TPUSIM_MAX_INPUT_BYTES.
  const fs::path dir = test::temp_dir("hardening_input_limit");
  const std::string arch = std::string(TPUSIM_SOURCE_DIR) + "/configs/tpu_v1.json";
  const std::string work = (dir / "work.json").string();
  test::write_text(work, kWorkload);
  const std::string raise = "the limit on an input file of this kind (the environment's TPUSIM_MAX_INPUT_BYTES raises it)";
  // A regular file beyond the default is refused by its size, before it is read (a sparse file).
  const std::string huge = (dir / "huge.json").string();
  { std::ofstream(huge) << "{}"; }
  fs::resize_file(huge, (uint64_t{512} << 20) + 1);
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + huge,
                     huge + ": longer than 536870912 bytes, " + raise);
  // The same size is within an ONNX model's limit: read, then refused as no ONNX model.
  const std::string onnx = (dir / "huge.onnx").string();
  fs::copy_file(huge, onnx);
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + onnx,
                     onnx + ": not an ONNX model (the protobuf does not parse)");
  // The variable sets the limit for every file a run reads (the tiny arch, its default energy
  // table, the workload): the largest one's size passes, one byte less refuses that file; a
  // device is read up to the limit, not forever.
  const std::string tiny = (dir / "arch.json").string();
  test::write_text(tiny, test::tiny_arch_json().dump());
  std::string larger_file;
  uint64_t larger = 0;
  for (const std::string& f : {tiny, std::string(TPUSIM_SOURCE_DIR) + "/configs/energy/default_45nm.json", work})
    if (fs::file_size(f) > larger) larger = fs::file_size(f), larger_file = f;
  ::setenv("TPUSIM_MAX_INPUT_BYTES", std::to_string(larger).c_str(), 1);
  const auto ok = test::run_cli("run -q --arch " + tiny + " --workload " + work + " --out " + (dir / "ok").string(), dir);
  CHECK(ok.exit_code == 0);
  CHECK(fs::exists(dir / "ok" / "report.json"));
  ::setenv("TPUSIM_MAX_INPUT_BYTES", std::to_string(larger - 1).c_str(), 1);
  expect_input_error(dir, "run -q --arch " + tiny + " --workload " + work,
                     larger_file + ": longer than " + std::to_string(larger - 1) + " bytes, " + raise);
  ::setenv("TPUSIM_MAX_INPUT_BYTES", "1048576", 1);
  expect_input_error(dir, "run -q --arch " + tiny + " --workload /dev/zero",
                     "/dev/zero: longer than 1048576 bytes, " + raise);
  ::setenv("TPUSIM_MAX_INPUT_BYTES", "1e9", 1);
  expect_input_error(dir, "run -q --arch " + arch + " --workload " + work,
                     "TPUSIM_MAX_INPUT_BYTES=1e9: expected the largest input file in bytes, an integer from 1 to "
                     "4611686018427387904");
  ::unsetenv("TPUSIM_MAX_INPUT_BYTES");
}

TEST_CASE("loader hardening: an ONNX name that is not UTF-8 is refused, not a JSON error at the report", "[errors][fuzz]") {
  // A replay of fuzz_onnx's corpus through `tpusim run` (2026-12-02): 16 of 300 models had a
  // node name or op type with bytes that are not UTF-8 (protobuf's proto2 strings are bytes);
  // the name reached report.json and nlohmann's dump threw type_error 316, exit 3. The model: a
  // Relu named "r" + the byte 0xff, shown escaped.
  expect_bad_onnx("node_name_not_utf8", "node 0's name \"r\\xff\" is not valid UTF-8 text");
}

TEST_CASE("loader hardening: a skipped ONNX node of unknown shape is reported without null", "[errors][fuzz]") {
  // The same replay: 74 of 300 reports of runs that exit 0 held null shape, elements and bytes
  // for outputs that shape inference left unknown (skipped nodes, under --allow-unsupported). A
  // report holds no null: the tensor says "shape_known": false and has no shape. The model: a
  // Relu of a 2 x 4 input, then "Mystery" of domain com.example, which no schema describes.
  const fs::path dir = test::temp_dir("hardening_onnx_unknown_shape");
  const auto r = test::run_cli("run -q --arch " + std::string(TPUSIM_SOURCE_DIR) + "/configs/tpu_v4.json --workload " +
                                   std::string(TPUSIM_SOURCE_DIR) +
                                   "/tests/data/onnx/custom_op_unknown_shape.onnx --allow-unsupported --out " +
                                   (dir / "out").string(),
                               dir);
  REQUIRE(r.exit_code == 0);
  const auto report = nlohmann::json::parse(test::read_text(dir / "out" / "report.json"));
  const auto& skipped = report.at("import").at("skipped");
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].at("op_type") == "Mystery");
  const auto& y = skipped[0].at("outputs").at(0);
  CHECK(y.at("name") == "Y");
  CHECK(y.at("shape_known") == false);
  CHECK_FALSE(y.contains("shape"));
  CHECK_FALSE(y.contains("elements"));
  CHECK_FALSE(y.contains("bytes"));
  // The input's shape is known: 2 x 4 float32, 8 elements of 4 bytes.
  const auto& x = report.at("import").at("inputs").at(0);
  CHECK(x.at("shape_known") == true);
  CHECK(x.at("shape") == nlohmann::json::array({2, 4}));
  CHECK(x.at("elements") == 8);
  CHECK(x.at("bytes") == 32);
  // The warning naming the skipped node is one line.
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}
