// `tpusim sweep --merge` inputs: a sweep directory's sweep.json and points.jsonl, which a user
// may have edited by hand or brought from elsewhere. The input is the sweep.json text, a line
// "--- points.jsonl", then the points.jsonl text (seeds: tests/fuzz/seeds/sweep_merge/). The
// harness writes them as SCRATCH/s/, beside one run SCRATCH/s/points/0-g/report.json for rows
// whose report names it, and merges that one directory into SCRATCH/out. Either merge_sweeps
// throws a one-line InputError, or the merged table it wrote reads back, as its own input, with
// the same rows.
#include <filesystem>
#include <iterator>

#include "fuzz_support.h"
#include "sim/sweep/runner.h"
#include "sim/sweep/table.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = tpusim::fuzz::text_of(data, size);
  const std::string sep = "\n--- points.jsonl\n";
  const size_t cut = text.find(sep);
  const std::string meta = text.substr(0, cut);
  const std::string jsonl = cut == std::string::npos ? std::string() : text.substr(cut + sep.size());
  const fs::path scratch = fs::path(tpusim::fuzz::scratch_file("unused", data, 0)).parent_path();
  const fs::path dir = scratch / "s", out = scratch / "out";
  fs::remove_all(dir);
  fs::remove_all(out);
  fs::create_directories(dir / "points" / "0-g");
  const auto put = [](const fs::path& p, const std::string& s) {
    std::ofstream f(p, std::ios::binary);
    f << s;
    if (!f.flush()) tpusim::fuzz::finding("setup", "cannot write " + p.string());
  };
  put(dir / "sweep.json", meta);
  put(dir / "points.jsonl", jsonl);
  put(dir / "points" / "0-g" / "report.json", "{}\n");
  tpusim::fuzz::expect_ok_or_input_error([&] {
    (void)tpusim::sweep::merge_sweeps({dir.string()}, out.string());
    // What merge wrote is a sweep directory merge accepts in turn: same table, byte for byte.
    const fs::path again = scratch / "again";
    fs::remove_all(again);
    try {
      (void)tpusim::sweep::merge_sweeps({out.string()}, again.string());
    } catch (const std::exception& e) {
      tpusim::fuzz::finding("a merged sweep does not merge again", e.what());
    }
    for (const char* f : {"points.csv", "points.jsonl", "pareto.csv"}) {
      std::ifstream a(out / f, std::ios::binary), b(again / f, std::ios::binary);
      const std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
      if (sa != sb) tpusim::fuzz::finding("merging a merged sweep changed its table", f);
    }
  });
  return 0;
}
