// The register-level PE array model: real results for every datatype and dataflow, operand
// rounding, waveform probes, and the limits it enforces.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

#include "arch/matrix/cycle_model/pe_array.h"
#include "sim/base/error.h"

using tpusim::ArrayConfig;
using tpusim::Dataflow;
using tpusim::DataType;
using namespace tpusim::arch::timing;

namespace {

ArrayConfig array_of(uint32_t rows, uint32_t cols, Dataflow df) {
  ArrayConfig a;
  a.rows = rows;
  a.cols = cols;
  a.dataflow = df;
  return a;
}

}  // namespace

TEST_CASE("cycle model output equals the reference GEMM for each datatype", "[pe_array]") {
  struct Types {
    DataType in, w, acc;
    bool wide;
  };
  const Types all[] = {
      {DataType::int8, DataType::int8, DataType::int32, false},
      {DataType::int4, DataType::int4, DataType::int32, false},
      {DataType::int16, DataType::int16, DataType::int32, false},  // may wrap: as hardware
      {DataType::int16, DataType::int16, DataType::int32, true},   // int64 accumulator
      {DataType::int32, DataType::int8, DataType::int32, true},
      {DataType::bf16, DataType::bf16, DataType::fp32, false},
      {DataType::fp16, DataType::fp16, DataType::fp32, false},
      {DataType::fp32, DataType::fp32, DataType::fp32, false},
      {DataType::bf16, DataType::fp16, DataType::fp32, false},
  };
  std::mt19937_64 rng(99);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  int draw = 0;
  for (const Types& t : all) {
    const PeDataTypes types{t.in, t.w, t.acc, t.wide};
    for (int df = 0; df < 3; ++df) {
      for (int opts = 0; opts < 8; ++opts) {
        ArrayConfig a = array_of(static_cast<uint32_t>(pick(1, 9)), static_cast<uint32_t>(pick(1, 9)),
                                 static_cast<Dataflow>(df));
        a.double_buffer_stationary = opts & 1;
        a.overlap_folds = opts & 2;
        a.mac_latency_cycles = opts & 4 ? 3 : 1;
        // K beyond the array exercises the accumulation of K-folds (ws/is) in fp order.
        const uint64_t m = pick(1, 20), n = pick(1, 20), k = pick(1, 3 * a.rows + 5);
        const auto A = random_operands(t.in, m * k, ++draw);
        const auto B = random_operands(t.w, k * n, ++draw);
        INFO(tpusim::to_string(t.in) << " x " << tpusim::to_string(t.w) << (t.wide ? " -> int64 " : " ")
                                     << a.rows << "x" << a.cols << " " << tpusim::to_string(a.dataflow)
                                     << " opts " << opts << " m n k " << m << " " << n << " " << k);
        PeArrayModel model(a, types);
        const GemmRun run = model.run_gemm(m, n, k, A, B);
        const uint64_t chunk = a.dataflow == Dataflow::os ? k : a.rows;
        REQUIRE(run.matches_reference);
        REQUIRE(run.c == reference_gemm(types, m, n, k, A, B, chunk));
        REQUIRE(run.c.is_float == (t.acc == DataType::fp32));
      }
    }
  }
}

TEST_CASE("integer accumulators wrap at their width as hardware does", "[pe_array]") {
  // A = 1 x 4 of -32768, B = 4 x 1 of -32768: each product is 2^30, the sum 4 * 2^30 = 2^32,
  // which is 0 in a 32-bit accumulator and 4294967296 in a 64-bit one.
  const std::vector<double> A(4, -32768.0), B(4, -32768.0);
  for (int df = 0; df < 3; ++df) {
    const ArrayConfig a = array_of(2, 2, static_cast<Dataflow>(df));
    PeArrayModel narrow(a, {DataType::int16, DataType::int16, DataType::int32, false});
    PeArrayModel wide(a, {DataType::int16, DataType::int16, DataType::int32, true});
    CHECK(narrow.run_gemm(1, 1, 4, A, B).c.ints == std::vector<int64_t>{0});
    CHECK(wide.run_gemm(1, 1, 4, A, B).c.ints == std::vector<int64_t>{4294967296LL});
  }
}

TEST_CASE("operand rounding to bf16 and fp16 is round-to-nearest-even", "[pe_array]") {
  // bf16 keeps 8 significant bits: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 (ties to even: 1);
  // 1 + 3*2^-9 is above the midpoint: 1 + 2^-7.
  CHECK(round_to(DataType::bf16, 1.0 + std::ldexp(1.0, -8)) == 1.0);
  CHECK(round_to(DataType::bf16, 1.0 + 3 * std::ldexp(1.0, -9)) == 1.0 + std::ldexp(1.0, -7));
  CHECK(round_to(DataType::bf16, 1.0 + 3 * std::ldexp(1.0, -8)) == 1.0 + std::ldexp(1.0, -6));  // tie to even
  // fp16 keeps 11 significant bits, max 65504, subnormal quantum 2^-24.
  CHECK(round_to(DataType::fp16, 1.0 + std::ldexp(1.0, -11)) == 1.0);
  CHECK(round_to(DataType::fp16, 1.0 + 3 * std::ldexp(1.0, -12)) == 1.0 + std::ldexp(1.0, -10));
  CHECK(round_to(DataType::fp16, 65504.0) == 65504.0);
  CHECK(std::isinf(round_to(DataType::fp16, 65520.0)));
  CHECK(round_to(DataType::fp16, std::ldexp(1.0, -24)) == std::ldexp(1.0, -24));
  CHECK(round_to(DataType::fp16, std::ldexp(1.0, -25)) == 0.0);  // tie between 0 and 2^-24: even
  CHECK(round_to(DataType::fp16, 3 * std::ldexp(1.0, -25)) == std::ldexp(1.0, -23));
  CHECK(round_to(DataType::int8, 3.4) == 3.0);
  // A bf16 GEMM sees the rounded operands: (1 + 2^-8) * 1 accumulates as 1.
  const ArrayConfig a = array_of(2, 2, Dataflow::ws);
  PeArrayModel model(a, {DataType::bf16, DataType::bf16, DataType::fp32, false});
  CHECK(model.run_gemm(1, 1, 1, {1.0 + std::ldexp(1.0, -8)}, {1.0}).c.floats == std::vector<float>{1.0f});
}

TEST_CASE("a wrong array result is detectable", "[pe_array]") {
  const ArrayConfig a = array_of(4, 4, Dataflow::os);
  const PeDataTypes types;
  const auto A = random_operands(DataType::int8, 6 * 5, 1), B = random_operands(DataType::int8, 5 * 7, 2);
  PeArrayModel model(a, types);
  GemmRun run = model.run_gemm(6, 7, 5, A, B);
  const GemmOutput ref = reference_gemm(types, 6, 7, 5, A, B, 5);
  REQUIRE(run.c == ref);
  run.c.ints[13] += 1;  // a single corrupted accumulator
  CHECK_FALSE(run.c == ref);
  // A different operand changes the reference, so a datapath that dropped or duplicated one
  // operand would be caught by run_gemm's own check (it throws InternalError on a mismatch).
  auto A2 = A;
  A2[3] = A2[3] == 1.0 ? 2.0 : 1.0;
  CHECK_FALSE(reference_gemm(types, 6, 7, 5, A2, B, 5) == ref);
}

TEST_CASE("probes show the systolic skew of a 4x4 ws fold", "[pe_array]") {
  // Single-buffered 4x4 ws, GEMM M=N=K=4: weights shift in at cycles 0..3, S = 4, a[m][k] enters
  // row k at 4+m+k and moves one column per cycle, so PE(k, j) works on m at 4+m+k+j:
  // PE(0,0) at 4..7, PE(3,0) at 7..10, PE(3,3) at 10..13. With L = 1 the partial sum leaving
  // PE(3,3) at cycle 13 is C[3][3].
  const ArrayConfig a = array_of(4, 4, Dataflow::ws);
  PeArrayModel model(a, {});
  std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> valid;
  double last_result = 0;
  model.set_probe({{0, 0}, {3, 0}, {3, 3}}, [&](uint64_t cycle, const PeProbeSample* s, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (s[i].valid) valid.emplace_back(cycle, s[i].row, s[i].col);
      if (cycle == 13 && s[i].row == 3 && s[i].col == 3) last_result = s[i].result;
    }
  });
  const auto A = random_operands(DataType::int8, 16, 5), B = random_operands(DataType::int8, 16, 6);
  const GemmRun run = model.run_gemm(4, 4, 4, A, B);
  std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> expected;
  for (uint64_t m = 0; m < 4; ++m) expected.emplace_back(4 + m, 0, 0);
  for (uint64_t m = 0; m < 4; ++m) expected.emplace_back(7 + m, 3, 0);
  for (uint64_t m = 0; m < 4; ++m) expected.emplace_back(10 + m, 3, 3);
  std::sort(valid.begin(), valid.end());
  std::sort(expected.begin(), expected.end());
  CHECK(valid == expected);
  CHECK(last_result == static_cast<double>(run.c.ints[3 * 4 + 3]));
  CHECK(run.timing.total_cycles == 14);
  CHECK_THROWS_AS(model.set_probe({{4, 0}}, nullptr), tpusim::InputError);
}

TEST_CASE("the cycle model refuses unsupported types and runs above max_pe_cycles", "[pe_array]") {
  ArrayConfig a = array_of(4, 4, Dataflow::ws);
  CHECK_THROWS_AS(PeArrayModel(a, {DataType::int8, DataType::bf16, DataType::fp32, false}), tpusim::InputError);
  CHECK_THROWS_AS(PeArrayModel(a, {DataType::int8, DataType::int8, DataType::fp32, false}), tpusim::InputError);
  CHECK_THROWS_AS(PeArrayModel(a, {DataType::fp16, DataType::fp16, DataType::int32, false}), tpusim::InputError);
  // The 4x4x4 ws GEMM takes 14 cycles x 16 PEs = 224 PE-cycles (hand-derived above).
  a.max_pe_cycles = 223;
  PeArrayModel model(a, {});
  const auto A = random_operands(DataType::int8, 16, 1);
  CHECK_THROWS_AS(model.run_gemm(4, 4, 4, A, A), tpusim::InputError);
  a.max_pe_cycles = 224;
  PeArrayModel ok(a, {});
  CHECK(ok.run_gemm(4, 4, 4, A, A).timing.total_cycles == 14);
}
