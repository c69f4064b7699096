// The analytic FoldSequencer against the register-level cycle model, and hand-derived cases.
// Notation (arch/matrix/timing/DERIVATION.md): R x C array, fold r x c x s, L = MAC latency; ws/is use
// rows R-r..R-1 and columns 0..c-1, os rows 0..r-1; S = stream start, A = anchor (first element
// at the corner PE: ws/is bottom-left, os top-left), E = one past the fold's last output.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>

#include "arch/matrix/timing/fold_timing.h"
#include "arch/matrix/cycle_model/pe_array.h"
#include "sim/base/error.h"

using tpusim::ArrayConfig;
using tpusim::CycleBreakdown;
using tpusim::CycleCategory;
using tpusim::Dataflow;
using tpusim::DataType;
using namespace tpusim::arch::timing;

namespace {

ArrayConfig make_array(uint32_t rows, uint32_t cols, Dataflow df, bool db, bool overlap, uint32_t lat,
                       bool follow = false) {
  ArrayConfig a;
  a.preload_follows_wave = follow;
  a.rows = rows;
  a.cols = cols;
  a.dataflow = df;
  a.double_buffer_stationary = db;
  a.overlap_folds = overlap;
  a.mac_latency_cycles = lat;
  a.verify_results = true;
  return a;
}

std::string describe(const ArrayConfig& a, const std::vector<FoldShape>& folds, const std::vector<uint64_t>& ready) {
  std::ostringstream os;
  os << a.rows << "x" << a.cols << " " << tpusim::to_string(a.dataflow) << " db=" << a.double_buffer_stationary
      << " overlap=" << a.overlap_folds << " follow=" << a.preload_follows_wave << " L=" << a.mac_latency_cycles << " folds:";
  for (size_t i = 0; i < folds.size(); ++i) {
    os << " " << folds[i].rows_used << "x" << folds[i].cols_used << "x" << folds[i].stream_len << "@"
       << (ready.empty() ? 0 : ready[i]);
  }
  return os.str();
}

/// Runs the analytic sequencer over the folds and checks it against the cycle model's timing,
/// fold by fold, the finish() tail and the totals.
void check_same(const ArrayConfig& a, const std::vector<FoldShape>& folds, const std::vector<uint64_t>& ready,
                const ArrayTiming& cyc) {
  INFO(describe(a, folds, ready));
  FoldSequencer seq(a);
  REQUIRE(cyc.folds.size() == folds.size());
  CycleBreakdown sum;
  for (size_t f = 0; f < folds.size(); ++f) {
    INFO("fold " << f);
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
  REQUIRE(sum.total() == seq.mark());
  REQUIRE(sum.cycles == cyc.breakdown.cycles);
}

}  // namespace

TEST_CASE("FoldSequencer equals the cycle model fold by fold (1500 random draws)", "[fold_timing][property]") {
  std::mt19937_64 rng(20261124);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  const uint32_t dims[] = {1, 2, 3, 4, 5, 7, 8, 12, 16};
  // Options (db, overlap, preload_follows_wave): every pair of the first two, and the wave-following
  // preload with and without overlap, for every dataflow (os ignores preload_follows_wave).
  const bool options[6][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}, {1, 0, 1}, {1, 1, 1}};
  for (int draw = 0; draw < 1500; ++draw) {
    uint32_t rows = dims[pick(0, 8)], cols = dims[pick(0, 8)];
    if (draw % 10 == 0) rows = 1;  // 1 x N
    if (draw % 10 == 1) cols = 1;  // N x 1
    const auto df = static_cast<Dataflow>(draw % 3);
    const bool* o = options[(draw / 3) % 6];
    const ArrayConfig a = make_array(rows, cols, df, o[0], o[1], static_cast<uint32_t>(pick(1, 4)), o[2]);
    PeArrayModel model(a, {});

    std::vector<FoldShape> folds;
    std::vector<uint64_t> ready;
    ArrayTiming cyc;
    const bool late = pick(0, 2) != 0;  // operands arriving late, sometimes after long waits
    auto ready_times = [&](size_t n) {
      std::vector<uint64_t> r(late ? n : 0);
      uint64_t t = 0;
      for (auto& x : r) {
        t += pick(0, 3) == 0 ? pick(0, 400) : pick(0, 12);
        x = pick(0, 5) == 0 ? t / 2 : t;  // not monotone: some folds were ready early
      }
      return r;
    };
    if (draw % 2 == 0) {
      // A GEMM: the folds the mapper would produce, with real data checked against the reference.
      const uint64_t m = pick(1, 3 * rows + 2), n = pick(1, 3 * cols + 2), k = pick(1, 3 * rows + 2);
      folds = gemm_folds(a, m, n, k);
      ready = ready_times(folds.size());
      const auto A = random_operands(DataType::int8, m * k, draw);
      const auto B = random_operands(DataType::int8, k * n, draw + 7);
      const GemmRun run = model.run_gemm(m, n, k, A, B, ready);
      REQUIRE(run.matches_reference);
      cyc = run.timing;
    } else {
      // Arbitrary sequences of shapes (each fold's tile is checked against its own reference).
      const size_t nf = pick(1, 6);
      for (size_t i = 0; i < nf; ++i) {
        const uint64_t s = pick(0, 15) == 0 ? pick(500, 3000) : pick(1, 20);  // some very long streams
        folds.push_back({pick(1, rows), pick(1, cols), s});
      }
      ready = ready_times(nf);
      cyc = model.run_folds(folds, ready, 100 + draw);
    }
    check_same(a, folds, ready, cyc);
  }
}

TEST_CASE("isolated folds: closed form equals the cycle model up to 64x64 and for long streams", "[fold_timing]") {
  std::mt19937_64 rng(7);
  auto pick = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  for (int draw = 0; draw < 60; ++draw) {
    const uint32_t rows = static_cast<uint32_t>(pick(1, 64)), cols = static_cast<uint32_t>(pick(1, 64));
    const ArrayConfig a = make_array(rows, cols, static_cast<Dataflow>(draw % 3), pick(0, 1), pick(0, 1),
                                     static_cast<uint32_t>(pick(1, 3)), pick(0, 1));
    const FoldShape f{pick(1, rows), pick(1, cols), pick(0, 3) == 0 ? pick(2000, 20000) : pick(1, 100)};
    PeArrayModel model(a, {});
    const ArrayTiming t = model.run_folds({f}, {}, draw + 1);
    INFO(describe(a, {f}, {}));
    REQUIRE(isolated_fold_cycles(a, f) == t.total_cycles);
    check_same(a, {f}, {}, t);
  }
}

TEST_CASE("hand-derived fold timings", "[fold_timing]") {
  SECTION("4x4 os, GEMM 4x4x4, L=1: 14 cycles") {
    // A[i][k] enters row i at cycle k+i, B[k][j] enters column j at k+j, so PE(i,j) does MAC k
    // at k+i+j: PE(0,0) at 0..3 (compute 4), the last MAC is PE(3,3) k=3 at 9, cycles 4..9 only
    // skew MACs (fill 6 = r+c-2). Column j's last product lands at the end of 3+3+j, so its
    // drain starts at D_j = 7+j and takes R = 4 cycles through the bottom edge: column 3 leaves
    // at 10..13 (drain 4). E = s+r+c+L-3+R = 4+4+4+1-3+4 = 14.
    const ArrayConfig a = make_array(4, 4, Dataflow::os, false, false, 1);
    FoldSequencer seq(a);
    const FoldSchedule s = seq.schedule({4, 4, 4}, 0);
    CHECK(s.stream_start_cycle == 0);
    CHECK(s.array_free_cycle == 4);
    CHECK(s.outputs_done_cycle == 14);
    CHECK(s.breakdown[CycleCategory::compute] == 4);
    const FoldSchedule fin = seq.finish(0);
    CHECK(fin.array_free_cycle == 14);
    CHECK(fin.breakdown[CycleCategory::fill] == 6);
    CHECK(fin.breakdown[CycleCategory::drain] == 4);
    CHECK(isolated_fold_cycles(a, {4, 4, 4}) == 14);
  }
  SECTION("4x4 ws, GEMM M=N=K=4, single-buffered, L=1: 14 cycles") {
    // Weights shift in from the top during cycles 0..3 (R = 4; row 3's first). a[m][k] enters
    // row k at S+m+k with S = 4, so the corner PE(3,0) sees m = 0..3 at 7..10 (A = 7, compute
    // 4); cycles 4..6 are head skew (fill 3 = (r-1)L). PE(3,j) does m at 7+m+j: the last MAC
    // is PE(3,3), m=3, at 13, so 11..13 are tail skew (fill 3); with L = 1 the result leaves
    // the bottom edge in that same cycle: E = 14 = R+s+rL+c-2 = 4+4+4+4-2. No drain (L-1 = 0).
    const ArrayConfig a = make_array(4, 4, Dataflow::ws, false, false, 1);
    FoldSequencer seq(a);
    const FoldSchedule s = seq.schedule({4, 4, 4}, 0);
    CHECK(s.load_start_cycle == 0);
    CHECK(s.stream_start_cycle == 4);
    CHECK(s.anchor_cycle == 7);
    CHECK(s.array_free_cycle == 11);
    CHECK(s.outputs_done_cycle == 14);
    CHECK(s.breakdown[CycleCategory::weight_load] == 4);
    CHECK(s.breakdown[CycleCategory::fill] == 3);
    CHECK(s.breakdown[CycleCategory::compute] == 4);
    const FoldSchedule fin = seq.finish(0);
    CHECK(fin.breakdown[CycleCategory::fill] == 3);
    CHECK(fin.breakdown[CycleCategory::drain] == 0);
    CHECK(fin.array_free_cycle == 14);
  }
  SECTION("4x4 ws, double-buffered + overlap, two K-folds of M=8: the second load is hidden") {
    // Fold 0: load 0..3, S = 4, A = 7, compute 7..14 (mark 15). Its swap wave (shadow -> active
    // with element 0) reaches the last PE (3,3) at A+c-1 = 10; the shadow chain shifts at the end
    // of a cycle, so fold 1's shadow load runs 10..13, behind fold 0's compute. Fold 1:
    // S = max(10+4, A_0+s_0-(r-1)L = 12) = 14, A = 17, compute 17..24. The gap 15..16 is skew
    // (fold 0's tail MACs in columns 1..3 until A_0+s_0+c-1 = 18, and fold 1's head): fill 2.
    // Tail: fold 1's last MAC at 17+8+3-1 = 27, E = A+s+c+L-2 = 28: fill 3.
    // Total 28 = 4 load + 8 fill + 16 compute.
    const ArrayConfig a = make_array(4, 4, Dataflow::ws, true, true, 1);
    FoldSequencer seq(a);
    const FoldSchedule f0 = seq.schedule({4, 4, 8}, 0);
    const FoldSchedule f1 = seq.schedule({4, 4, 8}, 0);
    CHECK(f0.anchor_cycle == 7);
    CHECK(f1.load_start_cycle == 10);
    CHECK(f1.stream_start_cycle == 14);
    CHECK(f1.anchor_cycle == 17);
    CHECK(f1.breakdown[CycleCategory::weight_load] == 0);
    CHECK(f1.breakdown[CycleCategory::fill] == 2);
    const FoldSchedule fin = seq.finish(0);
    CHECK(fin.array_free_cycle == 28);
    CycleBreakdown all = f0.breakdown;
    all += f1.breakdown;
    all += fin.breakdown;
    CHECK(all[CycleCategory::weight_load] == 4);
    CHECK(all[CycleCategory::fill] == 8);
    CHECK(all[CycleCategory::compute] == 16);
    // Same with real data through the cycle model.
    PeArrayModel model(a, {});
    const auto A = random_operands(DataType::int8, 8 * 8, 1), B = random_operands(DataType::int8, 8 * 4, 2);
    CHECK(model.run_gemm(8, 4, 8, A, B).timing.total_cycles == 28);
  }
  SECTION("4x4 ws, preload follows the swap wave: short folds every R = 4 cycles") {
    // Three K-folds (K = 12) of M = 2, N = 4: folds 4x4x2, double-buffered, overlap, L = 1.
    // Fold 0: load 0..3, S = 4, A = 7, compute 7..8 (mark 9).
    // Fold 1: its load front enters row 0 of column 0 at the end of ld and row q at the end of
    // ld + q; fold 0's swap wave is at row q of column 0 in cycle S_0 + q = 4 + q, so ld = 4
    // (= max(S_0, A_0-R+1 = 4, ld_0+R = 4)), the front reaching each row in the very cycle of
    // fold 0's swap there. Column j shifts j cycles later, as fold 0's wave. S = max(ld+R = 8,
    // A_0+s_0-(r-1)L = 6) = 8, A = 11, compute 11..12. Fold 2: ld = 8, S = 12, A = 15,
    // compute 15..16, last MAC at A+s+c-2 = 19, E = A+s+c+L-2 = 20.
    // The period is R = 4; waiting for the whole wave (the default) it is R+c-1+(r-1)L = 10.
    // Labels: load 0..3 (4), fill 4..6 (3), compute 6 (2 per fold); between compute windows
    // (9..10, 13..14) and after the last (17..19) the previous fold's tail MACs: fill 2+2+3.
    const ArrayConfig a = make_array(4, 4, Dataflow::ws, true, true, 1, true);
    FoldSequencer seq(a);
    CycleBreakdown all;
    const FoldSchedule f0 = seq.schedule({4, 4, 2}, 0);
    const FoldSchedule f1 = seq.schedule({4, 4, 2}, 0);
    const FoldSchedule f2 = seq.schedule({4, 4, 2}, 0);
    CHECK(f0.anchor_cycle == 7);
    CHECK(f1.load_start_cycle == 4);
    CHECK(f1.stream_start_cycle == 8);
    CHECK(f1.anchor_cycle == 11);
    CHECK(f2.load_start_cycle == 8);
    CHECK(f2.anchor_cycle == 15);
    CHECK(f2.outputs_done_cycle == 20);
    for (const auto* f : {&f0, &f1, &f2}) all += f->breakdown;
    all += seq.finish(0).breakdown;
    CHECK(seq.mark() == 20);
    CHECK(all[CycleCategory::weight_load] == 4);
    CHECK(all[CycleCategory::fill] == 10);
    CHECK(all[CycleCategory::compute] == 6);
    // The same GEMM (M = 2, N = 4, K = 12) with real data through the cycle model; without the
    // option fold 1 loads from A_0+c-1 = 10 (S = 14, A = 17), fold 2 from 20 (A = 27): E = 32.
    PeArrayModel model(a, {});
    const auto A = random_operands(DataType::int8, 2 * 12, 3), B = random_operands(DataType::int8, 12 * 4, 4);
    CHECK(model.run_gemm(2, 4, 12, A, B).timing.total_cycles == 20);
    ArrayConfig wait_wave = a;
    wait_wave.preload_follows_wave = false;
    CHECK(PeArrayModel(wait_wave, {}).run_gemm(2, 4, 12, A, B).timing.total_cycles == 32);
  }
  SECTION("1x1 ws, M=5 K=3 N=1, L=2: 21 cycles sequential, 17 with overlap") {
    // One PE, three K-folds of 1x1x5. Each: load 1 cycle, a[m] enters at 1+m and MACs there, the
    // product lands L-1 = 1 cycle later: last result at the end of cycle 6, so 7 cycles
    // (R+s+rL+c-2 = 1+5+2+1-2); sequential: 3 x 7 = 21 = 3 load + 15 compute + 3 drain.
    // With overlap the next load shifts in at the end of the previous fold's last MAC cycle
    // (A+s+c-2 = 5, the weight is read before the edge), while that product lands: loads at
    // 0, 5, 10, anchors 1, 6, 11, the last E = A+s+c+L-2 = 11+5+1+2-2 = 17
    // = 1 load (the first; the others hide behind compute) + 15 compute + 1 drain.
    ArrayConfig a = make_array(1, 1, Dataflow::ws, false, false, 2);
    const std::vector<FoldShape> folds(3, FoldShape{1, 1, 5});
    FoldSequencer seq(a);
    CycleBreakdown all;
    for (const auto& f : folds) all += seq.schedule(f, 0).breakdown;
    all += seq.finish(0).breakdown;
    CHECK(seq.mark() == 21);
    CHECK(all[CycleCategory::weight_load] == 3);
    CHECK(all[CycleCategory::compute] == 15);
    CHECK(all[CycleCategory::drain] == 3);
    a.overlap_folds = true;
    FoldSequencer seq2(a);
    CycleBreakdown all2;
    for (const auto& f : folds) all2 += seq2.schedule(f, 0).breakdown;
    all2 += seq2.finish(0).breakdown;
    CHECK(seq2.mark() == 17);
    CHECK(all2[CycleCategory::weight_load] == 1);
    CHECK(all2[CycleCategory::compute] == 15);
    CHECK(all2[CycleCategory::drain] == 1);
  }
  SECTION("late operands: the pipeline drains during the wait, the rest is idle") {
    // 4x4 os with overlap, fold 0 as in the first section (mark 4, last MAC at 9, E = 14).
    // Fold 1's operands arrive at 100: [4, 10) fill, [10, 14) drain, [14, 100) idle (86),
    // then compute 100..103.
    const ArrayConfig a = make_array(4, 4, Dataflow::os, true, true, 1);
    FoldSequencer seq(a);
    seq.schedule({4, 4, 4}, 0);
    const FoldSchedule s = seq.schedule({4, 4, 4}, 100);
    CHECK(s.stream_start_cycle == 100);
    CHECK(s.breakdown[CycleCategory::fill] == 6);
    CHECK(s.breakdown[CycleCategory::drain] == 4);
    CHECK(s.breakdown[CycleCategory::idle] == 86);
    CHECK(s.breakdown[CycleCategory::compute] == 4);
    CHECK(s.array_free_cycle == 104);
  }
  SECTION("full folds equal SCALE-Sim's ws/is formula, os adds the R-cycle drain") {
    // SCALE-Sim v2: ws/is fold = 2*AR + AC + T - 2, os fold = T + AR + AC - 2.
    // Ours, single-buffered, L = 1, full fold: ws/is R+s+rL+c-2 = 2R+C+s-2 (same);
    // os s+r+c+L-3+R = s+2R+C-2 (SCALE-Sim + R: results must leave through the bottom edge).
    const ArrayConfig ws = make_array(32, 32, Dataflow::ws, false, false, 1);
    const ArrayConfig os = make_array(32, 32, Dataflow::os, false, false, 1);
    CHECK(isolated_fold_cycles(ws, {32, 32, 128}) == 2 * 32 + 32 + 128 - 2);
    CHECK(isolated_fold_cycles(os, {32, 32, 256}) == 256 + 32 + 32 - 2 + 32);
  }
}

TEST_CASE("finish() empties the array and later folds start from its cycle", "[fold_timing]") {
  // The matrix unit fast-forwards a fresh sequencer to a layer start with finish(start): 100
  // idle cycles. A 4x4 ws single-buffered 4x4x4 fold then loads at 100..103, S = 104, A = 107,
  // compute 107..110, E = 100 + 14 = 114 (the isolated fold of the second section above).
  const ArrayConfig a = make_array(4, 4, Dataflow::ws, false, false, 1);
  FoldSequencer seq(a);
  const FoldSchedule skip = seq.finish(100);
  CHECK(skip.breakdown[CycleCategory::idle] == 100);
  CHECK(skip.breakdown.total() == 100);
  const FoldSchedule s = seq.schedule({4, 4, 4}, 0);
  CHECK(s.load_start_cycle == 100);
  CHECK(s.anchor_cycle == 107);
  CHECK(s.outputs_done_cycle == 114);
  CHECK(s.breakdown.total() == 111 - 100);
  CHECK(seq.finish(0).array_free_cycle == 114);
}

TEST_CASE("FoldSequencer rejects shapes the array cannot hold", "[fold_timing]") {
  const ArrayConfig a = make_array(4, 8, Dataflow::ws, false, false, 1);
  FoldSequencer seq(a);
  CHECK_THROWS_AS(seq.schedule({5, 8, 1}, 0), tpusim::InternalError);
  CHECK_THROWS_AS(seq.schedule({4, 9, 1}, 0), tpusim::InternalError);
  CHECK_THROWS_AS(seq.schedule({4, 8, 0}, 0), tpusim::InternalError);
  CHECK_THROWS_AS(isolated_fold_cycles(a, {0, 1, 1}), tpusim::InternalError);
}
