// Row stationary: the closed form (arch/matrix/timing/rs_fold_timing.cpp) against the PE-level
// engine (arch/matrix/cycle_model/pe_array_rs.cpp), pass by pass, on random passes and arrival
// times, and hand-derived cases. Notation (DERIVATION.md, "Row stationary"): a pass of `bands`
// sets of h rows, each PE busy s = n F p (q S + 1) cycles, L = MAC latency; S = start, A = S +
// (h - 1) L the corner (top row of the first set) starts, E = A + s + L - 1 its last sum is in
// the global buffer.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "arch/matrix/cycle_model/pe_array.h"
#include "arch/matrix/timing/fold_timing.h"
#include "sim/base/error.h"

using tpusim::ArrayConfig;
using tpusim::CycleBreakdown;
using tpusim::CycleCategory;
using tpusim::Dataflow;
using tpusim::DataType;
using namespace tpusim::arch::timing;

namespace {

ArrayConfig rs_array(uint32_t rows, uint32_t cols, uint32_t lat) {
  ArrayConfig a;
  a.rows = rows;
  a.cols = cols;
  a.dataflow = Dataflow::rs;
  a.mac_latency_cycles = lat;
  a.verify_results = true;
  return a;
}

/// A pass of `bands` sets of h rows over c columns.
FoldShape pass(uint32_t h, uint32_t bands, uint64_t c, uint32_t S, uint32_t q, uint32_t p, uint64_t n, uint64_t F,
               uint32_t stride = 1) {
  RsPass r;
  r.filter_rows = h, r.bands = bands, r.filter_cols = S, r.channels = q, r.filters = p, r.stride = stride;
  r.rows_per_column = n, r.row_length = F;
  return FoldShape(uint64_t{h} * bands, c, r.busy_cycles(), r);
}

std::string describe(const ArrayConfig& a, const std::vector<FoldShape>& folds, const std::vector<uint64_t>& ready) {
  std::ostringstream os;
  os << a.rows << "x" << a.cols << " rs L=" << a.mac_latency_cycles << " passes:";
  for (size_t i = 0; i < folds.size(); ++i) {
    const RsPass& r = folds[i].rs;
    os << " [h" << r.filter_rows << " b" << r.bands << " c" << folds[i].cols_used << " S" << r.filter_cols << " q"
       << r.channels << " p" << r.filters << " n" << r.rows_per_column << " F" << r.row_length << "]@"
       << (ready.empty() ? 0 : ready[i]);
  }
  return os.str();
}

/// The closed form's schedule of every pass and of finish(), against the engine's.
void check_same(const ArrayConfig& a, const std::vector<FoldShape>& folds, const std::vector<uint64_t>& ready,
                const ArrayTiming& cyc) {
  INFO(describe(a, folds, ready));
  FoldSequencer seq(a);
  REQUIRE(cyc.folds.size() == folds.size());
  CycleBreakdown sum;
  for (size_t f = 0; f < folds.size(); ++f) {
    INFO("pass " << f);
    const FoldSchedule s = seq.schedule(folds[f], ready.empty() ? 0 : ready[f]);
    const FoldSchedule& c = cyc.folds[f];
    REQUIRE(s.start_cycle == c.start_cycle);
    REQUIRE(s.load_start_cycle == c.load_start_cycle);
    REQUIRE(s.stream_start_cycle == c.stream_start_cycle);
    REQUIRE(s.anchor_cycle == c.anchor_cycle);
    REQUIRE(s.array_free_cycle == c.array_free_cycle);
    REQUIRE(s.outputs_done_cycle == c.outputs_done_cycle);
    REQUIRE(s.breakdown.cycles == c.breakdown.cycles);
    sum += s.breakdown;
  }
  const FoldSchedule fin = seq.finish(0);
  REQUIRE(fin.breakdown.cycles == cyc.tail.cycles);
  REQUIRE(fin.array_free_cycle == cyc.total_cycles);
  sum += fin.breakdown;
  REQUIRE(sum.cycles == cyc.breakdown.cycles);
}

ArrayTiming run_engine(const ArrayConfig& a, const std::vector<FoldShape>& folds, const std::vector<uint64_t>& ready,
                       DataType type = DataType::int16) {
  const DataType acc = (type == DataType::bf16 || type == DataType::fp16) ? DataType::fp32 : DataType::int32;
  PeArrayModel model(a, PeDataTypes{type, type, acc, false});
  return model.run_folds(folds, ready, 7);  // random operands: every pass's sums are checked
}

}  // namespace

TEST_CASE("rs closed form equals the PE-level engine pass by pass (600 random draws)", "[rs_timing][property]") {
  std::mt19937_64 rng(20261203);
  auto uni = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  const DataType types[] = {DataType::int8, DataType::int16, DataType::bf16, DataType::fp16};
  for (int draw = 0; draw < 600; ++draw) {
    const uint32_t R = static_cast<uint32_t>(uni(1, 14)), C = static_cast<uint32_t>(uni(1, 16));
    const ArrayConfig a = rs_array(R, C, static_cast<uint32_t>(uni(1, 3)));
    const size_t n = uni(1, 5);
    std::vector<FoldShape> folds;
    std::vector<uint64_t> ready;
    uint64_t t = 0;
    for (size_t f = 0; f < n; ++f) {
      const uint32_t h = static_cast<uint32_t>(uni(1, R));
      folds.push_back(pass(h, static_cast<uint32_t>(uni(1, R / h)), uni(1, C), static_cast<uint32_t>(uni(1, 4)),
                           static_cast<uint32_t>(uni(1, 3)), static_cast<uint32_t>(uni(1, 4)), uni(1, 3), uni(1, 5),
                           static_cast<uint32_t>(uni(1, 2))));
      // Operands ready at 0, a little later, or long after the array has emptied.
      const uint64_t k = uni(0, 3);
      t = k == 0 ? 0 : k == 1 ? t + uni(0, 40) : t + uni(100, 2000);
      ready.push_back(t);
    }
    check_same(a, folds, ready, run_engine(a, folds, ready, types[draw % 4]));
  }
}

TEST_CASE("rs passes: hand-derived timings", "[rs_timing]") {
  SECTION("AlexNet conv3's pass on Eyeriss's 12x14 array, L = 1") {
    // h = 3 filter rows, 4 sets stacked (12 rows), 13 columns (one per output row); each PE
    // interleaves q = 4 channels of S = 3 weights (Q = 12) for p = 16 filters over n = 4 images
    // of F = 13 positions: s = 4 x 13 x 16 x (12 + 1) = 10816. From an empty array: S = 0, the
    // top row starts at A = (3 - 1) x 1 = 2, runs to 2 + 10816 = 10818, E = 10818 + 1 - 1.
    const ArrayConfig a = rs_array(12, 14, 1);
    const FoldShape f = pass(3, 4, 13, 3, 4, 16, 4, 13);
    REQUIRE(f.stream_len == 10816);
    FoldSequencer seq(a);
    const FoldSchedule s = seq.schedule(f, 0);
    CHECK(s.stream_start_cycle == 0);
    CHECK(s.anchor_cycle == 2);
    CHECK(s.array_free_cycle == 10818);
    CHECK(s.outputs_done_cycle == 10818);
    CHECK(s.breakdown[CycleCategory::fill] == 2);
    CHECK(s.breakdown[CycleCategory::compute] == 10816);
    CHECK(isolated_fold_cycles(a, f) == 10818);
  }
  SECTION("L = 2: the start climbs 2 cycles a row and the last sum needs one more") {
    // h = 2, s = 1 x 2 x 1 x (1 x 2 + 1) = 6: A = 2, compute [2, 8), drain [8, 9), E = 9.
    const ArrayConfig a = rs_array(4, 4, 2);
    const FoldShape f = pass(2, 2, 3, 2, 1, 1, 1, 2);
    REQUIRE(f.stream_len == 6);
    const ArrayTiming cyc = run_engine(a, {f}, {});
    REQUIRE(cyc.folds.size() == 1);
    CHECK(cyc.folds[0].anchor_cycle == 2);
    CHECK(cyc.folds[0].array_free_cycle == 8);
    CHECK(cyc.folds[0].outputs_done_cycle == 9);
    CHECK(cyc.total_cycles == 9);
    CHECK(cyc.breakdown[CycleCategory::fill] == 2);
    CHECK(cyc.breakdown[CycleCategory::compute] == 6);
    CHECK(cyc.breakdown[CycleCategory::drain] == 1);
    check_same(a, {f}, {}, cyc);
  }
  SECTION("passes do not overlap: the next starts when the last sum is in") {
    // Pass 1 (h = 3, s = 1 x 1 x 1 x (1 + 1) = 2, L = 1): S = 0, A = 2, E = 4. Pass 2 is ready at
    // 1 but starts at 4: A = 6, E = 8. Cycles: fill [0,2) compute [2,4) fill [4,6) compute [6,8).
    const ArrayConfig a = rs_array(3, 2, 1);
    const std::vector<FoldShape> folds = {pass(3, 1, 2, 1, 1, 1, 1, 1), pass(3, 1, 2, 1, 1, 1, 1, 1)};
    const ArrayTiming cyc = run_engine(a, folds, {0, 1});
    CHECK(cyc.folds[1].stream_start_cycle == 4);
    CHECK(cyc.folds[1].outputs_done_cycle == 8);
    CHECK(cyc.breakdown[CycleCategory::fill] == 4);
    CHECK(cyc.breakdown[CycleCategory::compute] == 4);
    check_same(a, folds, {0, 1}, cyc);
  }
  SECTION("a late pass waits idle; the engine skips the wait") {
    const ArrayConfig a = rs_array(12, 14, 1);
    const std::vector<FoldShape> folds = {pass(11, 1, 14, 11, 1, 16, 1, 55), pass(11, 1, 14, 11, 1, 16, 1, 55)};
    // s = 55 x 16 x 12 = 10560: pass 1 ends (E) at 10 + 10560 = 10570; pass 2 ready at 50000.
    const ArrayTiming cyc = run_engine(a, folds, {0, 50000});
    CHECK(cyc.folds[0].outputs_done_cycle == 10570);
    CHECK(cyc.folds[1].stream_start_cycle == 50000);
    CHECK(cyc.breakdown[CycleCategory::idle] == 50000 - 10570);
    CHECK(cyc.stepped_cycles < 2 * 10570 + 100);
    check_same(a, folds, {0, 50000}, cyc);
  }
}

TEST_CASE("rs pass geometry is checked", "[rs_timing]") {
  const ArrayConfig a = rs_array(12, 14, 1);
  FoldSequencer seq(a);
  SECTION("a GEMM fold on an rs array") { CHECK_THROWS_AS(seq.schedule(FoldShape(4, 4, 4), 0), tpusim::InternalError); }
  SECTION("rows_used other than bands x h") {
    FoldShape f = pass(3, 4, 13, 3, 4, 16, 4, 13);
    f.rows_used = 11;
    CHECK_THROWS_AS(seq.schedule(f, 0), tpusim::InternalError);
  }
  SECTION("stream_len other than the busy cycles") {
    FoldShape f = pass(3, 4, 13, 3, 4, 16, 4, 13);
    f.stream_len -= 1;
    CHECK_THROWS_AS(seq.schedule(f, 0), tpusim::InternalError);
  }
  SECTION("taller than the array") { CHECK_THROWS_AS(seq.schedule(pass(13, 1, 13, 3, 1, 1, 1, 1), 0), tpusim::InternalError); }
  SECTION("an rs pass on a ws array") {
    ArrayConfig ws = a;
    ws.dataflow = Dataflow::ws;
    FoldSequencer w(ws);
    CHECK_THROWS_AS(w.schedule(pass(3, 1, 13, 3, 1, 1, 1, 1), 0), tpusim::InternalError);
  }
}
