// The row-stationary planner (sim/mapper/rs_plan.h) and the run-length coding of activations on
// the DRAM link (sim/mapper/compression.h). Expected numbers are derived by hand in the comments.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "sim/base/error.h"
#include "sim/mapper/compression.h"
#include "sim/mapper/plan.h"
#include "sim/mapper/rs_plan.h"
#include "sim/spec/arch_loader.h"

using namespace tpusim;
using tpusim::mapper::RsMapping;

namespace {

/// Eyeriss's geometry: 12 x 14 PEs, one 108 KiB global buffer of 27 ports of 8 B, int16.
ArchConfig eyeriss(uint32_t filter_words = 224, uint32_t ifmap_words = 12, uint32_t psum_words = 24) {
  nlohmann::json doc = {
      {"name", "e"},
      {"array",
       {{"rows", 12},
        {"cols", 14},
        {"dataflow", "rs"},
        {"row_stationary",
         {{"filter_spad_words", filter_words}, {"ifmap_spad_words", ifmap_words}, {"psum_spad_words", psum_words}}}}},
      {"datatypes", {{"input", "int16"}, {"weight", "int16"}, {"accumulator", "int32"}, {"output", "int16"}}},
      {"buffers",
       {{"glb",
         {{"holds", {"inputs", "weights", "outputs"}},
          {"capacity_bytes", 110592},
          {"ports", 27},
          {"bytes_per_cycle_per_port", 8}}}}}};
  return config::parse_arch(doc, "e.json");
}

Layer conv(uint64_t in_hw, uint64_t in_c, uint64_t out_c, uint64_t k, uint64_t stride = 1, uint64_t batch = 1) {
  Layer l;
  l.name = "c";
  l.op = OpKind::conv2d;
  ConvParams& c = l.conv;
  c.batch = batch, c.in_h = c.in_w = in_hw, c.in_c = in_c, c.out_c = out_c;
  c.kernel_h = c.kernel_w = k, c.stride_h = c.stride_w = stride, c.groups = 1;
  l.gemm = {batch * c.out_h() * c.out_w(), out_c, k * k * in_c, 1};
  return l;
}

}  // namespace

TEST_CASE("rs: a small conv runs as one pass of one PE set", "[rs]") {
  // 5x5 ifmap, one channel, one 3x3 filter: E = F = 3. The set is R = 3 PE rows by e output rows
  // (columns). e = 3 maps the layer in one pass: each PE does n F p = 1 x 3 x 1 partial sums of
  // q S + 1 = 4 cycles, s = 12, and the pass adds R L - 1 = 2 cycles (the start climbing 2 rows,
  // L = 1): 14. e = 1 or 2 would take 3 or 2 passes of the same s: 42 or 28. 9 of 168 PEs.
  const ArchConfig a = eyeriss();
  const mapper::GemmPlan p = mapper::plan_gemm(a, conv(5, 1, 1, 3));
  REQUIRE(p.rs.has_value());
  CHECK(p.rs->e == 3);
  CHECK(p.rs->q == 1);
  CHECK(p.rs->p == 1);
  CHECK(p.folds() == 1);
  CHECK(mapper::rs_busy_cycles(a, p) == 14);
  CHECK(p.mapping_efficiency(a) == Approx(9.0 / 168.0));
}

TEST_CASE("rs: a set wider than the array is cut into bands", "[rs]") {
  // AlexNet CONV2 per group (JSSC 2017 IV.A): R = 5, E = 27 output rows, 14 columns. One set of
  // e = 27 takes ceil(27 / 14) = 2 bands of 5 rows: 10 PE rows by 14 columns (the paper's 5 x 14
  // and 5 x 13 pieces). A pass of q = 1 channel, p = 2 filters, n = 1: each PE does 1 x 27 x 2
  // partial sums of q S + 1 = 6 cycles: 324.
  RsMapping m;
  m.filter_rows = 5, m.filter_cols = 5, m.out_rows = 27, m.out_cols = 27;
  m.q = 1, m.p = 2, m.r = 1, m.t = 1, m.e = 27, m.n = 1, m.positions = 27;
  m.array_rows = 12, m.array_cols = 14;
  const auto f = m.pass(m.k_tile(), m.n_tile(), m.m_tile());
  CHECK(f.rs.bands == 2);
  CHECK(f.rows_used == 10);
  CHECK(f.cols_used == 14);
  CHECK(f.stream_len == 324);
  CHECK(m.pes(m.k_tile(), m.n_tile(), m.m_tile()) == 135);  // 27 x 5: JSSC 2017's 135 active PEs
}

TEST_CASE("rs: the chosen mapping respects the scratchpads, the array and covers the layer", "[rs]") {
  std::mt19937_64 rng(18);
  for (int i = 0; i < 60; ++i) {
    const uint32_t fw = 16 + rng() % 240, iw = 5 + rng() % 20, pw = 1 + rng() % 32;
    const ArchConfig a = eyeriss(fw, iw, pw);
    const uint64_t k = 1 + rng() % 5, stride = 1 + rng() % 2;
    const uint64_t in_hw = k + rng() % 20, in_c = 1 + rng() % 40, out_c = 1 + rng() % 60, batch = 1 + rng() % 4;
    const Layer l = conv(in_hw, in_c, out_c, k, stride, batch);
    INFO("case " << i << ": spads " << fw << "/" << iw << "/" << pw << ", " << in_hw << "x" << in_c << " -> " << out_c
                 << " k" << k << " s" << stride << " b" << batch);
    const mapper::GemmPlan p = mapper::plan_gemm(a, l);
    REQUIRE(p.rs.has_value());
    const RsMapping& m = *p.rs;
    CHECK(m.q * k <= iw);
    CHECK(m.p * m.q * k <= fw);
    CHECK(m.p <= pw);
    // Folds cover K, N and M: the tiles times the folds reach the GEMM's extents.
    CHECK(p.tile_rows * p.row_folds >= l.gemm.k);
    CHECK(p.tile_cols * p.col_folds >= l.gemm.n);
    CHECK(p.tile_t * p.t_chunks >= l.gemm.m);
    // Busy cycles are at least the MACs spread over every PE (each partial sum costs q S + 1 >= 1
    // cycle per q S MACs) and the mapping uses at most the whole array.
    CHECK(mapper::rs_busy_cycles(a, p) * 168 >= l.gemm.macs());
    CHECK(p.mapping_efficiency(a) <= 1.0 + 1e-12);
  }
}

TEST_CASE("rs: a filter taller than the array is an input error naming the layer's key", "[rs]") {
  Layer l = conv(20, 1, 1, 13);
  l.file = "w.json", l.pointer = "/layers/0";
  try {
    (void)mapper::plan_gemm(eyeriss(), l);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("w.json: /layers/0/kernel_h") == 0);
  }
}

TEST_CASE("rlc: coded bytes of Eyeriss's 64-bit words of (5-bit run, value) pairs", "[rs][compression]") {
  // int16: floor(63 / 21) = 3 pairs a word. Dense: 3 values in 64 bits, more than their 48, so
  // sent raw (ratio 1). Half zeros: a pair covers 1 + sum_{k=1..31} 0.5^k = 2 - 2^-31 elements,
  // a word ~6, i.e. 96 bits of values in 64: ratio 2/3 (to 2^-31). All zeros: 32 elements a pair,
  // 96 a word: 64 / (96 x 16) = 1/24.
  CHECK(mapper::rlc_ratio(DataType::int16, 1.0) == 1.0);
  CHECK(mapper::rlc_ratio(DataType::int16, 0.5) == Approx(64.0 / (3 * (2 - std::pow(2.0, -31)) * 16)));
  CHECK(mapper::rlc_ratio(DataType::int16, 0.5) == Approx(2.0 / 3.0).epsilon(1e-8));
  CHECK(mapper::rlc_ratio(DataType::int16, 1e-12) == Approx(1.0 / 24.0));
  // int8: floor(63 / 13) = 4 pairs; half zeros: 8 elements a word, 64 bits of values in 64: no gain.
  CHECK(mapper::rlc_ratio(DataType::int8, 0.5) == Approx(1.0).epsilon(1e-8));
  // 20 % nonzeros, int16: E[min(R, 31)] = 0.8 (1 - 0.8^31) / 0.2 = 3.99802..., a word
  // 3 x 4.99802 = 14.994 elements, ratio 64 / (14.994 x 16) = 0.26677.
  const double z = 0.8, per_word = 3 * (1 + z * (1 - std::pow(z, 31)) / (1 - z));
  CHECK(mapper::rlc_ratio(DataType::int16, 0.2) == Approx(64.0 / (per_word * 16)));
  // Without the option the bytes are the raw ones; with it, 1000 raw bytes at half zeros: 667.
  ArchConfig a = eyeriss();
  CHECK(mapper::activation_dram_bytes(a, 1000, DataType::int16, 0.5) == 1000);
  a.dram.activation_compression = ActivationCompression::rlc;
  CHECK(mapper::activation_dram_bytes(a, 1000, DataType::int16, 0.5) == 667);
  CHECK(mapper::activation_dram_bytes(a, 1000, DataType::int16, 1.0) == 1000);
}
