// `tpusim compare` inputs: the same bytes read as a report.json, a points.csv, a points.jsonl and
// a tolerance file; a report or table that loads is then compared with itself.
#include "fuzz_support.h"
#include "sim/compare/compare.h"
#include "sim/compare/table.h"

namespace {

void load_and_compare(const std::string& path) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto table = tpusim::compare::load_table(path);
    const auto result = tpusim::compare::compare_tables(table, table, {});
    if (!result.passed()) tpusim::fuzz::finding("a table differs from itself", path + ": " + result.verdict());
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  load_and_compare(tpusim::fuzz::scratch_file("report.json", data, size));
  load_and_compare(tpusim::fuzz::scratch_file("points.csv", data, size));
  load_and_compare(tpusim::fuzz::scratch_file("points.jsonl", data, size));
  const std::string tol = tpusim::fuzz::scratch_file("tolerances.json", data, size);
  tpusim::fuzz::expect_ok_or_input_error([&] { (void)tpusim::compare::load_tolerances(tol); });
  return 0;
}
