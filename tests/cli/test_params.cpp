// `tpusim describe --params` and the generated key tables of configs/README.md: both come from
// the parameter tables (sim/spec/arch_params.cpp), the README's tables are exactly what the
// generator writes, and every documented default is what the loader fills in for a missing key.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/cli/params.h"
#include "sim/spec/arch_loader.h"
#include "support/test_util.h"

using namespace tpusim;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("params: configs/README.md key tables equal the parameter tables", "[params][docs]") {
  const fs::path dir = test::temp_dir("params_readme");
  const std::string readme = test::source_path("configs/README.md");
  const auto r = test::run_cli("describe --params --markdown-into " + readme, dir);
  REQUIRE(r.exit_code == 0);
  INFO("configs/README.md differs from the parameter tables: run scripts/update_config_docs.sh");
  CHECK(r.out == test::read_text(readme));
}

TEST_CASE("params: every documented default is what the loader fills in", "[params][config]") {
  const fs::path dir = test::temp_dir("params_defaults");
  const auto r = test::run_cli("describe --params --json", dir);
  REQUIRE(r.exit_code == 0);
  const json rows = json::parse(r.out).at("arch");
  // Only what is required: every other key takes its default.
  const json minimal = {{"buffers", {{"b", {{"holds", {"inputs", "weights", "outputs"}}, {"capacity_bytes", 1024}}}}},
                        {"scalesim", json::object()}};
  const json echo = config::to_json(config::parse_arch(minimal, "minimal.json"));
  size_t compared = 0;
  for (const auto& row : rows) {
    std::string pointer = row.at("pointer").get<std::string>();
    const auto at = pointer.find("<name>");
    if (at != std::string::npos) pointer.replace(at, 6, "b");
    INFO(pointer);
    CHECK_FALSE(row.at("description").get<std::string>().empty());
    if (row.at("default").is_null()) continue;  // required, or described in words (all defaults, none)
    const json::json_pointer p(pointer);
    if (!echo.contains(p)) continue;  // not echoed when empty (/source, /notes)
    CHECK(echo.at(p) == row.at("default"));
    ++compared;
  }
  CHECK(compared >= 40);  // every key with a default but /source and /notes: 42 today
  // The text form names every key too.
  const auto text = test::run_cli("describe --params", dir);
  REQUIRE(text.exit_code == 0);
  for (const auto& row : rows) CHECK(text.out.find("\n  " + row.at("pointer").get<std::string>() + "\n") != std::string::npos);
}

TEST_CASE("params: the README splice rejects unknown, repeated, unterminated and missing blocks", "[params][docs]") {
  const std::string all = test::read_text(test::source_path("configs/README.md"));
  auto error_of = [](const std::string& text) {
    try {
      (void)cli::splice_param_tables(text, "R.md");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of(all + "<!-- params: nope -->\n<!-- end params -->\n").find(
            "unknown parameter table \"nope\"") != std::string::npos);
  CHECK(error_of(all + "<!-- params: array -->\n<!-- end params -->\n").find("parameter table \"array\" appears twice") !=
        std::string::npos);
  CHECK(error_of("<!-- params: array -->\n| old |\n") ==
        "R.md:1: this parameter table has no \"<!-- end params -->\" line after it");
  CHECK(error_of("# nothing\n").find("R.md: parameter table \"") == 0);
  // Text outside the blocks is kept as it is; the old table inside is replaced.
  const std::string once = cli::splice_param_tables(all, "R.md");
  CHECK(cli::splice_param_tables(once, "R.md") == once);
}

TEST_CASE("params: describe --params options", "[params][cli]") {
  const fs::path dir = test::temp_dir("params_options");
  const auto both = test::run_cli("describe --params --json --markdown", dir);
  CHECK(both.exit_code == 2);
  CHECK(both.err == "tpusim: describe --params: give at most one of --json, --markdown, --markdown-into\n");
  // Without --params, describe still needs an architecture.
  const auto none = test::run_cli("describe", dir);
  CHECK(none.exit_code == 2);
  CHECK(none.err.find("--arch") != std::string::npos);
  const auto md = test::run_cli("describe --params --markdown", dir);
  CHECK(md.exit_code == 0);
  CHECK(md.out.find("<!-- params: top -->\n| pointer | type | unit | default | allowed | meaning |\n") == 0);
  CHECK(md.out.find("| `/array/rows` | integer | PEs | `32` | [1, 65536] |") != std::string::npos);
}
