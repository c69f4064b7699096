// `tpusim describe --arch SYSTEM`: the pod figures as Google states them, from the per-link
// parameters of configs/systems/*.json (derived by hand below), and the chip totals.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::run_cli;
using tpusim::test::source_path;

namespace {

json describe(const std::string& tag, const std::string& preset) {
  const auto dir = tpusim::test::temp_dir("describe_" + tag);
  const auto r = run_cli("describe --json --arch " + source_path("configs/systems/" + preset), dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

double rel(double x, double published) { return std::abs(x - published) / published; }

}  // namespace

TEST_CASE("describe system: pod all-reduce and bisection bandwidth within 5 % of Google's", "[system][describe]") {
  // TPU v4 pod: 16x16x16 torus with wraparound, 45 GB/s one way per link. A chip has 6 links
  // (two per axis), so it injects 6 x 45e9 B/s; all-reduce bandwidth = 4096 x 270e9 = 1.106e15 B/s
  // (Google: 1.1 PB/s). Bisection: a cut across one axis severs 16 x 16 lines, each twice (the
  // wraparound), one way: 512 x 45e9 = 23.04e12 B/s (Google: 24 TB/s, -4 %).
  const json v4 = describe("v4", "tpu_v4_pod.json");
  CHECK(v4["chips"] == 4096);
  CHECK(v4["all_reduce_bandwidth_bytes_per_s"].get<double>() == Approx(4096.0 * 6 * 45e9));
  CHECK(v4["bisection_bandwidth_bytes_per_s"].get<double>() == Approx(512 * 45e9));
  CHECK(rel(v4["all_reduce_bandwidth_bytes_per_s"].get<double>(), 1.1e15) < 0.05);
  CHECK(rel(v4["bisection_bandwidth_bytes_per_s"].get<double>(), 24e12) < 0.05);
  // TPU v5e 16x16 with wraparound, 4 ports of 50 GB/s: 256 x 4 x 50e9 = 51.2e12 B/s; bisection
  // 16 lines x 2 x 50e9 = 1.6e12 B/s (Google: 51.2 TB/s and 1.6 TB/s).
  const json v5e = describe("v5e", "tpu_v5e_16x16.json");
  CHECK(v5e["chips"] == 256);
  CHECK(v5e["all_reduce_bandwidth_bytes_per_s"].get<double>() == Approx(256.0 * 4 * 50e9));
  CHECK(v5e["bisection_bandwidth_bytes_per_s"].get<double>() == Approx(16.0 * 2 * 50e9));
  CHECK(rel(v5e["all_reduce_bandwidth_bytes_per_s"].get<double>(), 51.2e12) < 0.05);
  CHECK(rel(v5e["bisection_bandwidth_bytes_per_s"].get<double>(), 1.6e12) < 0.05);
  // TPU v6e 16x16, 100 GB/s per link: twice v5e's, 102.4e12 and 3.2e12 B/s (Google's figures).
  const json v6e = describe("v6e", "tpu_v6e_16x16.json");
  CHECK(v6e["all_reduce_bandwidth_bytes_per_s"].get<double>() == Approx(256.0 * 4 * 100e9));
  CHECK(v6e["bisection_bandwidth_bytes_per_s"].get<double>() == Approx(16.0 * 2 * 100e9));
  CHECK(rel(v6e["all_reduce_bandwidth_bytes_per_s"].get<double>(), 102.4e12) < 0.05);
  CHECK(rel(v6e["bisection_bandwidth_bytes_per_s"].get<double>(), 3.2e12) < 0.05);
}

TEST_CASE("describe system: the chip's figures times the chips, and the axes", "[system][describe]") {
  const json d = describe("v4_totals", "tpu_v4_pod.json");
  REQUIRE(d["chip"].is_object());
  // The system's peak and HBM are the chip preset's times 4096 (one chip preset for every chip).
  CHECK(d["peak_macs_per_s"].get<double>() == Approx(4096 * d["chip"]["peak_macs_per_s"].get<double>()));
  CHECK(d["hbm_capacity_bytes"].get<uint64_t>() == 4096 * d["chip"]["arch"]["dram"]["capacity_bytes"].get<uint64_t>());
  REQUIRE(d["axes"].size() == 3);
  for (const json& a : d["axes"]) {
    CHECK(a["size"] == 16);
    CHECK(a["fabric"] == "ring");
    CHECK(a["link_bandwidth_bytes_per_s"] == 45000000000ULL);
    CHECK(a["latency_ns"].get<double>() == 1000);
  }
  // The v5e slice of the measured all-gather: 8x4 without wraparound. Injection: interior chips
  // have 4 neighbours (Google's per-chip figure, 4 x 50e9); bisection: the cut across x (the
  // longer axis) severs the 4 lines of x once each, 4 x 50e9 = 200e9 B/s (across y: 8 lines).
  const json s = describe("v5e_8x4", "tpu_v5e_8x4.json");
  CHECK(s["injection_bandwidth_bytes_per_s"].get<double>() == Approx(4 * 50e9));
  CHECK(s["bisection_bandwidth_bytes_per_s"].get<double>() == Approx(4 * 50e9));
  CHECK(s["axes"][0]["effective_link_bandwidth_bytes_per_s"] == 45000000000ULL);  // efficiency 0.9
}

TEST_CASE("describe system: the text form prints the pod figures", "[system][describe]") {
  const auto dir = tpusim::test::temp_dir("describe_text");
  const auto r = run_cli("describe --arch " + source_path("configs/systems/tpu_v5e_16x16.json"), dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("256 chips") != std::string::npos);
  CHECK(r.out.find("all-reduce bw    51.2 TB/s") != std::string::npos);
  CHECK(r.out.find("bisection bw     1.6 TB/s") != std::string::npos);
  // A bad override is one line naming the pointer, as for a chip.
  const auto bad = run_cli("describe --arch " + source_path("configs/systems/tpu_v5e_16x16.json") +
                               " --set /link/energy_pj_per_bit=-1", dir);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("/link/energy_pj_per_bit") != std::string::npos);
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
}
