// `tpusim compare` inputs: the same bytes read as a report.json, a points.csv, a points.jsonl and
// a tolerance file; a report or table that loads is then compared with itself (which must pass).
// An input holding a line "--- current" is also two tables, the base before it and the current
// after it (seeds: tests/fuzz/seeds/compare/pair_*): each pair that loads is compared with 1 %
// relative tolerance, the result written in the three formats (text, Markdown, JSON), and the
// JSON rendering must parse back.
#include <sstream>

#include "fuzz_support.h"
#include "sim/compare/compare.h"
#include "sim/compare/compare_format.h"
#include "sim/compare/table.h"
#include "sim/spec/json_reader.h"

namespace {

void load_and_compare(const std::string& path) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto table = tpusim::compare::load_table(path);
    const auto result = tpusim::compare::compare_tables(table, table, {});
    if (!result.passed()) tpusim::fuzz::finding("a table differs from itself", path + ": " + result.verdict());
  });
}

void compare_pair(const std::string& base, const std::string& current) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto a = tpusim::compare::load_table(base);
    const auto b = tpusim::compare::load_table(current);
    tpusim::compare::Options options;
    options.rtol = 0.01;
    const auto result = tpusim::compare::compare_tables(a, b, options);
    for (auto format : {tpusim::compare::Format::text, tpusim::compare::Format::markdown}) {
      std::ostringstream out;
      tpusim::compare::write_result(out, result, format, 20);
    }
    std::ostringstream out;
    tpusim::compare::write_result(out, result, tpusim::compare::Format::json, 0);
    try {
      (void)tpusim::config::parse_json_text(out.str(), "compare --format json");
    } catch (const std::exception& e) {
      tpusim::fuzz::finding("compare's JSON output does not parse", e.what());
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  load_and_compare(tpusim::fuzz::scratch_file("report.json", data, size));
  load_and_compare(tpusim::fuzz::scratch_file("points.csv", data, size));
  load_and_compare(tpusim::fuzz::scratch_file("points.jsonl", data, size));
  const std::string tol = tpusim::fuzz::scratch_file("tolerances.json", data, size);
  tpusim::fuzz::expect_ok_or_input_error([&] { (void)tpusim::compare::load_tolerances(tol); });
  const std::string text = tpusim::fuzz::text_of(data, size), sep = "\n--- current\n";
  const size_t cut = text.find(sep);
  if (cut == std::string::npos) return 0;
  const auto half = [&](const std::string& name, size_t from, size_t n) {
    return tpusim::fuzz::scratch_file(name, data + from, n);
  };
  const size_t rest = cut + sep.size();
  for (const char* ext : {".json", ".csv", ".jsonl"})
    compare_pair(half(std::string("base") + ext, 0, cut), half(std::string("current") + ext, rest, size - rest));
  return 0;
}
