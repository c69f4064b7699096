// One loader dispatch for every file format (sim/importers/formats.h): run, describe and sweep
// accept the same files, chosen by extension whatever its case, and a path that is no readable
// file of a known format gets a message saying so (before this, `run` accepted SCALE.CFG while
// `sweep` read it as JSON and failed with "malformed JSON"; a directory read as empty JSON).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/importers/formats.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// A 64x64x64 GEMM: quick in every mode.
json small_workload() {
  return {{"name", "w"}, {"layers", {{{"name", "g"}, {"op", "gemm"}, {"m", 64}, {"n", 64}, {"k", 64}}}}};
}

/// The shipped SCALE-Sim config copied as `name` (upper-case extension, as written on Windows).
fs::path copy_cfg(const fs::path& dir, const std::string& name) {
  const fs::path p = dir / name;
  fs::copy_file(test::source_path("configs/scalesim/scale.cfg"), p, fs::copy_options::overwrite_existing);
  return p;
}

fs::path write_sweep_spec(const fs::path& dir, const fs::path& arch, const fs::path& workload) {
  const json spec = {{"name", "formats"},
                     {"arch", arch.string()},
                     {"workloads", {workload.string()}},
                     {"axes", {{{"path", "/array/rows"}, {"values", {16, 32}}}}}};
  const fs::path p = dir / "spec.json";
  test::write_text(p, spec.dump(1));
  return p;
}

}  // namespace

TEST_CASE("formats: an upper-case .CFG and .CSV load as SCALE-Sim files in run, describe and sweep", "[formats][cli]") {
  const fs::path dir = test::temp_dir("formats_case");
  const fs::path lower = copy_cfg(dir, "scale.cfg"), upper = copy_cfg(dir, "SCALE.CFG");
  const fs::path csv = dir / "NET.CSV";
  test::write_text(csv, "Layer, M, N, K,\nG, 64, 64, 64,\n");

  // In process: the same effective configuration from either spelling.
  json from_lower = config::to_json(importers::load_arch(lower.string()));
  from_lower["source"] = "SCALE-Sim v2 config " + upper.string();  // the importer names its file
  CHECK(config::to_json(importers::load_arch(upper.string())) == from_lower);
  CHECK(importers::load_workload(csv.string()).layers.at(0).gemm.k == 64);

  const auto run = test::run_cli("run -q --arch " + upper.string() + " --workload " + csv.string(), dir);
  CHECK(run.exit_code == 0);
  CHECK(run.err.empty());
  const auto describe = test::run_cli("describe --json --arch " + upper.string(), dir);
  CHECK(describe.exit_code == 0);
  CHECK(json::parse(describe.out).at("arch").at("timing") == "scalesim-v2");

  const fs::path workload = dir / "w.json";
  test::write_text(workload, small_workload().dump(1));
  const auto sweep = test::run_cli(
      "sweep " + write_sweep_spec(dir, upper, workload).string() + " -q --jobs 1 --out " + (dir / "out").string(), dir);
  CHECK(sweep.err.empty());
  CHECK(sweep.exit_code == 0);
  CHECK(fs::exists(dir / "out/points.jsonl"));
}

TEST_CASE("formats: a directory, a missing file or an unknown extension gets a clear message everywhere",
          "[formats][cli]") {
  const fs::path dir = test::temp_dir("formats_bad");
  const fs::path arch = dir / "arch.json", workload = dir / "w.json", folder = dir / "folder.json";
  test::write_text(arch, test::tiny_arch_json().dump(1));
  test::write_text(workload, small_workload().dump(1));
  fs::create_directories(folder);
  const fs::path yaml = dir / "arch.yaml", bare = dir / "arch";
  test::write_text(yaml, "name: tiny\n");
  test::write_text(bare, test::tiny_arch_json().dump(1));

  const std::string is_dir = folder.string() + ": is a directory, expected a file";
  const std::string arch_formats = "allowed: .json (tpusim architecture), .cfg (SCALE-Sim config)";
  struct Case {
    const char* what;
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"run: directory as arch", "run -q --arch " + folder.string() + " --workload " + workload.string(), is_dir},
      {"run: directory as workload", "run -q --arch " + arch.string() + " --workload " + folder.string(), is_dir},
      {"describe: directory as arch", "describe --arch " + folder.string(), is_dir},
      {"run: unknown arch extension", "run -q --arch " + yaml.string() + " --workload " + workload.string(),
       yaml.string() + ": unknown architecture format \".yaml\"; " + arch_formats},
      {"run: no extension", "run -q --arch " + bare.string() + " --workload " + workload.string(),
       bare.string() + ": unknown architecture format (no extension); " + arch_formats},
      {"run: a topology as workload needs .csv", "run -q --arch " + arch.string() + " --workload " + yaml.string(),
       yaml.string() + ": unknown workload format \".yaml\"; allowed: .json (tpusim workload), .csv (SCALE-Sim topology), .onnx (ONNX model)"},
      {"run: missing arch", "run -q --arch " + (dir / "none.cfg").string() + " --workload " + workload.string(),
       (dir / "none.cfg").string() + ": cannot open file (missing or unreadable)"},
      {"sweep: directory as arch",
       "sweep -q " + write_sweep_spec(dir, folder, workload).string() + " --out " + (dir / "out").string(), is_dir},
  };
  for (const auto& c : cases) {
    SECTION(c.what) {
      const auto r = test::run_cli(c.args, dir);
      CHECK(r.exit_code == 2);
      CHECK(r.err == "tpusim: " + c.message + "\n");
      CHECK(r.out.empty());
    }
  }
  SECTION("sweep: directory as workload, judged before any point runs") {
    const auto r = test::run_cli("sweep -q " + write_sweep_spec(dir, arch, folder).string() + " --out " +
                                     (dir / "out").string(),
                                 dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "tpusim: " + is_dir + "\n");
    CHECK_FALSE(fs::exists(dir / "out/points.jsonl"));
  }
  SECTION("sweep: a malformed workload, judged before any point runs") {
    const fs::path bad = dir / "bad.json";
    test::write_text(bad, "{\"name\": \"w\", \"layers\": []}");
    const auto r = test::run_cli("sweep -q " + write_sweep_spec(dir, arch, bad).string() + " --out " +
                                     (dir / "out").string(),
                                 dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "tpusim: " + bad.string() + ": /layers: must be a non-empty array of layers, got an empty array\n");
  }
}
