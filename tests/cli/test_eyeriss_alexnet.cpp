// The Eyeriss preset against the chip's measurement: AlexNet's five conv layers at batch 4
// (Chen et al., IEEE JSSC 52(1), 2017, Table V: 115.3 ms per batch, i.e. 34.7 frames/s, and
// 15.4 MB of DRAM traffic per batch after run-length compression). The target of issue 18 is
// 25 % on both; the measured numbers are the chip's, not this program's.
#include <catch2/catch.hpp>

#include <cmath>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;

TEST_CASE("eyeriss: AlexNet conv layers at batch 4 within 25 % of the chip's time and DRAM traffic",
          "[eyeriss][fidelity]") {
  const auto dir = tpusim::test::temp_dir("eyeriss_alexnet");
  const auto r = run_cli("run -q --arch " + tpusim::test::source_path("configs/eyeriss_like_12x14.json") +
                             " --workload " + tpusim::test::source_path("workloads/alexnet_conv_eyeriss.json") +
                             " --out " + (dir / "out").string(),
                         dir);
  REQUIRE(r.exit_code == 0);
  const json report = json::parse(read_text(dir / "out" / "report.json"));
  const json& t = report["totals"];
  const double seconds = t["seconds"].get<double>();
  // MB taken as 1e6 bytes; as 2^20 the measurement is 16.1e6 B, 4.9 % more, inside the margin
  // either way for the model's value printed below.
  const double dram_bytes = double(t["dram_read_bytes"].get<uint64_t>() + t["dram_write_bytes"].get<uint64_t>());
  INFO("model: " << seconds * 1e3 << " ms, " << dram_bytes / 1e6 << " MB per batch; chip: 115.3 ms, 15.4 MB");
  CHECK(std::abs(seconds / 115.3e-3 - 1) <= 0.25);
  CHECK(std::abs(dram_bytes / 15.4e6 - 1) <= 0.25);
  // Every layer runs row stationary with compressed activations: its mapping says so.
  for (const auto& l : report["layers"]) CHECK(l["mapping"].contains("row_stationary"));
}
