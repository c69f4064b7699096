// A system run's energy split (compute, memory, interconnect, static) and its per-chip HBM check
// (sim/system/README.md "Energy", "Memory"). Link energies and footprints derived by hand.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include "support/test_util.h"

using nlohmann::json;
using tpusim::test::read_text;
using tpusim::test::run_cli;
using tpusim::test::write_text;

namespace {

/// A 4-chip ring, 1 GB/s, 1 us per hop, of tiny 4x4 chips at 1 GHz; `link` and `dram` extra keys.
std::string ring4(const std::string& tag, const json& link_extra = json::object(), const json& dram_extra = json::object()) {
  const auto dir = tpusim::test::temp_dir("energy_cfg_" + tag);
  json chip = tpusim::test::tiny_arch_json();
  chip["dram"].update(dram_extra);
  write_text(dir / "chip.json", chip.dump());
  json link = {{"bandwidth_gb_per_s", 1}, {"latency_ns", 1000}};
  link.update(link_extra);
  const json sys = {{"name", "ring4"}, {"chip", "chip.json"}, {"chips", 4},
                    {"topology", {{"kind", "torus"}, {"axes", {{{"name", "x"}, {"size", 4}, {"wraparound", true}}}}}},
                    {"link", link}};
  write_text(dir / "system.json", sys.dump());
  return (dir / "system.json").string();
}

struct Run {
  tpusim::test::CliResult cli;
  json report;
  bool out_exists = false;  ///< --out DIR exists after the run
};

Run run(const std::string& tag, const std::string& sys, const json& layers, const std::string& extra = "") {
  const auto dir = tpusim::test::temp_dir("energy_" + tag);
  write_text(dir / "work.json", json{{"name", tag}, {"layers", layers}}.dump());
  Run r;
  r.cli = run_cli("run -q --arch " + sys + " --workload " + (dir / "work.json").string() + " " + extra + " --out " +
                      (dir / "out").string(), dir);
  if (r.cli.exit_code == 0) r.report = json::parse(read_text(dir / "out" / "system_report.json"));
  r.out_exists = std::filesystem::exists(dir / "out");
  return r;
}

const json ring_all_reduce = {{"name", "ar"}, {"op", "all_reduce"}, {"bytes", 4096}, {"axes", {"x"}}, {"algorithm", "ring"}};

json gemm(const std::string& name, uint64_t m, uint64_t n, uint64_t k, const std::string& input) {
  return {{"name", name}, {"op", "gemm"}, {"m", m}, {"n", n}, {"k", k}, {"inputs", {input}}};
}

}  // namespace

TEST_CASE("system energy: a ring all-reduce's link energy is its bytes on links x 8 x pJ/bit", "[system][energy]") {
  // Ring all-reduce of 4096 B on 4 chips: 2(p-1) = 6 steps, each chip sends one 1024 B chunk to
  // its neighbour per step: 4 x 6 x 1024 = 24576 B on links. At 2 pJ/bit: 24576 x 8 x 2 pJ.
  const Run r = run("ar", ring4("ar", {{"energy_pj_per_bit", 2}}), json::array({ring_all_reduce}));
  INFO(r.cli.err);
  REQUIRE(r.cli.exit_code == 0);
  const json& e = r.report["energy"];
  CHECK(e["energy_split_pj"]["interconnect"].get<double>() == Approx(24576.0 * 8 * 2));
  CHECK(r.report["axes"][0]["energy_pj"].get<double>() == Approx(24576.0 * 8 * 2));
  // No compute op: no chip energy (the chip is not simulated).
  CHECK(e["energy_split_pj"]["compute"] == 0);
  CHECK(e["energy_split_pj"]["static"] == 0);
  CHECK(e["total_pj"].get<double>() == Approx(24576.0 * 8 * 2));
  // Power: the energy over the step, 6 x (1 us + 1024 ns) = 12.144 us.
  CHECK(e["average_power_w"].get<double>() == Approx(24576.0 * 8 * 2 * 1e-12 / 12.144e-6));
  // The default is the documented ICI estimate, 5 pJ/bit.
  const Run d = run("ar_default", ring4("ar_default"), json::array({ring_all_reduce}));
  REQUIRE(d.cli.exit_code == 0);
  CHECK(d.report["energy"]["energy_split_pj"]["interconnect"].get<double>() == Approx(24576.0 * 8 * 5));
}

TEST_CASE("system energy: every chip's compute and memory energy, static over the exposed wait too", "[system][energy]") {
  const Run r = run("chain", ring4("chain"), json::array({gemm("g1", 8, 8, 8, "input"), ring_all_reduce, gemm("g2", 8, 8, 8, "ar")}));
  INFO(r.cli.err);
  REQUIRE(r.cli.exit_code == 0);
  const json& chip = r.report["chip"]["totals"];
  const json& b = chip["energy_breakdown_pj"];
  double compute = 0, memory = 0;
  for (const auto& [k, v] : b.items()) {
    if (k == "mac" || k == "pe_register" || k == "vector") compute += v.get<double>();
    if (k == "dram" || k == "dma" || k.rfind("sram.", 0) == 0) memory += v.get<double>();
  }
  const double static_pj = b["static"].get<double>();
  REQUIRE(static_pj > 0);
  // The chip leaks at static / its run's seconds also while it waits for the all-reduce.
  const double static_w = static_pj * 1e-12 / chip["seconds"].get<double>();
  const double exposed_s = r.report["exposed_communication_ps"].get<double>() * 1e-12;
  REQUIRE(exposed_s > 0);
  const json& per_chip = r.report["energy"]["per_chip_energy_split_pj"];
  CHECK(per_chip["compute"].get<double>() == Approx(compute));
  CHECK(per_chip["memory"].get<double>() == Approx(memory));
  CHECK(per_chip["static"].get<double>() == Approx(static_pj + static_w * exposed_s * 1e12));
  const json& sys = r.report["energy"]["energy_split_pj"];
  CHECK(sys["compute"].get<double>() == Approx(4 * compute));
  CHECK(sys["memory"].get<double>() == Approx(4 * memory));
  CHECK(sys["interconnect"].get<double>() == Approx(24576.0 * 8 * 5));
  CHECK(r.report["energy"]["total_pj"].get<double>() ==
        Approx(4 * (compute + memory + static_pj + static_w * exposed_s * 1e12) + 24576.0 * 8 * 5));
}

TEST_CASE("system memory: a chip whose HBM cannot hold its share is an error, or flagged on request", "[system][memory]") {
  // int8 weights of a 1004 x 1000 GEMM: 1004000 B against 1000000 B of HBM. Inference holds one
  // op's operands at a time: A 8 x 1004 + C 8 x 1000 = 16032 B. Total 1020032 B.
  const std::string sys = ring4("fit", json::object(), {{"capacity_bytes", 1000000}});
  const json layers = json::array({{{"name", "fc"}, {"op", "gemm"}, {"m", 8}, {"n", 1000}, {"k", 1004}, {"split", "column_parallel"}}});
  const Run bad = run("fit_bad", sys, layers);
  CHECK(bad.cli.exit_code == 2);
  CHECK(std::count(bad.cli.err.begin(), bad.cli.err.end(), '\n') == 1);
  CHECK(bad.cli.err.find("chip.json: /dram/capacity_bytes: one chip needs 1020032 bytes (weights 1004000, activations 16032, "
                         "gradients 0, optimizer state 0) but its HBM holds 1000000") != std::string::npos);
  CHECK(bad.cli.err.find("--allow-memory-overflow") != std::string::npos);
  CHECK_FALSE(bad.out_exists);  // refused after loading, before simulating: --out is not created
  const Run forced = run("fit_forced", sys, layers, "--allow-memory-overflow");
  REQUIRE(forced.cli.exit_code == 0);
  CHECK(forced.report["memory"]["fits"] == false);
  CHECK(forced.report["memory"]["total_bytes"] == 1020032);
  // Split 4 ways by columns (tp over x): each chip holds 1004 x 250 B of weights and
  // 8 x 1004 + 8 x 250 B of operands: it fits.
  const auto dir = tpusim::test::temp_dir("fit_tp");
  write_text(dir / "tp.json", json{{"tp", {{"degree", 4}, {"axes", {"x"}}}}}.dump());
  const Run tp = run("fit_tp", sys, layers, "--parallelism " + (dir / "tp.json").string());
  INFO(tp.cli.err);
  REQUIRE(tp.cli.exit_code == 0);
  CHECK(tp.report["memory"]["weights_bytes"] == 1004 * 250);
  CHECK(tp.report["memory"]["activations_bytes"] == 8 * 1004 + 8 * 250);
  CHECK(tp.report["memory"]["fits"] == true);
}

TEST_CASE("system memory: a training graph holds gradients and optimizer state, ZeRO shards them", "[system][memory]") {
  // One weight-gradient GEMM completing 2000000 B of bf16 gradients: 1000000 parameters, held
  // as int8 weights (the tiny chip's type): 1000000 B; gradients 2000000 B; Adam's fp32 state
  // 12 B per parameter: 12000000 B. Activations: every output kept, 8 x 16 int8 = 128 B.
  const std::string sys = ring4("train");
  const json layers = json::array({{{"name", "dw"}, {"op", "gemm"}, {"m", 8}, {"n", 16}, {"k", 32}, {"gradient_bytes", 2000000}}});
  const Run r = run("train", sys, layers);
  INFO(r.cli.err);
  REQUIRE(r.cli.exit_code == 0);
  const json& m = r.report["memory"];
  CHECK(m["training"] == true);
  CHECK(m["weights_bytes"] == 1000000);
  CHECK(m["gradients_bytes"] == 2000000);
  CHECK(m["optimizer_bytes"] == 12000000);
  CHECK(m["activations_bytes"] == 128);
  // Data parallel over the 4 chips with ZeRO: gradients and optimizer state are a quarter each;
  // the weights are replicated; the batch (m) is split, so 2 x 16 outputs are kept.
  const auto dir = tpusim::test::temp_dir("train_zero");
  write_text(dir / "dp.json", json{{"dp", {{"degree", 4}, {"axes", {"x"}}}}, {"zero", true}}.dump());
  const Run z = run("train_zero", sys, layers, "--parallelism " + (dir / "dp.json").string());
  INFO(z.cli.err);
  REQUIRE(z.cli.exit_code == 0);
  CHECK(z.report["memory"]["weights_bytes"] == 1000000);
  CHECK(z.report["memory"]["gradients_bytes"] == 500000);
  CHECK(z.report["memory"]["optimizer_bytes"] == 3000000);
  CHECK(z.report["memory"]["activations_bytes"] == 32);
}

TEST_CASE("system memory: --repeat N is N identical layers, each holding its own weights", "[system][memory]") {
  // --repeat stacks N copies of the program as consecutive layers (a one-layer graph repeated 64
  // times is a 64-layer model, sim/partition/README.md "Symmetry"), so what each layer keeps
  // resident scales with N and what lives one op at a time does not. Inference, the 1004 x 1000
  // int8 GEMM above, 3 copies: weights 3 x 1004000 = 3012000 B; operands still the largest op's
  // A 8 x 1004 + C 8 x 1000 = 16032 B.
  const std::string sys = ring4("repeat", json::object(), {{"capacity_bytes", 1000000}});
  const json fc = json::array({{{"name", "fc"}, {"op", "gemm"}, {"m", 8}, {"n", 1000}, {"k", 1004}, {"split", "column_parallel"}}});
  const Run inf = run("repeat_inf", sys, fc, "--repeat 3 --allow-memory-overflow");
  INFO(inf.cli.err);
  REQUIRE(inf.cli.exit_code == 0);
  CHECK(inf.report["memory"]["weights_bytes"] == 3 * 1004000);
  CHECK(inf.report["memory"]["activations_bytes"] == 16032);
  // Training, the 1000000-parameter gradient GEMM above, 2 copies: 2000000 parameters, so int8
  // weights 2000000 B, bf16 gradients 4000000 B, Adam 12 B a parameter 24000000 B, and every
  // copy's 8 x 16 int8 outputs kept for the backward pass: 256 B.
  const json dw = json::array({{{"name", "dw"}, {"op", "gemm"}, {"m", 8}, {"n", 16}, {"k", 32}, {"gradient_bytes", 2000000}}});
  const Run tr = run("repeat_train", ring4("repeat_train"), dw, "--repeat 2");
  INFO(tr.cli.err);
  REQUIRE(tr.cli.exit_code == 0);
  CHECK(tr.report["memory"]["weights_bytes"] == 2000000);
  CHECK(tr.report["memory"]["gradients_bytes"] == 4000000);
  CHECK(tr.report["memory"]["optimizer_bytes"] == 24000000);
  CHECK(tr.report["memory"]["activations_bytes"] == 256);
}
