// Output-stationary engine of the cycle model (see DERIVATION.md for the pictures).
//
// Registers per PE (q = row, j = column, R x C array, L = MAC latency):
//   a/tok   A operand and its token (real-MAC columns left | first-element bit), shift right
//   b       B operand, shifts down
//   pipe    L-1 stages of products in flight (with the first-element bit); a product issued at
//           cycle x lands in acc at the end of x + L - 1 (acc restarts on a first element)
//   acc     the stationary output; chain: its shadow (double buffering), a shift chain downwards
// A fold of r x c uses rows 0..r-1 and columns 0..c-1. A[i][k] enters row i at S + k + i,
// B[k][j] enters column j at S + k + j, so PE(i, j) does MAC k at S + k + i + j. Column j's
// last product lands at the end of D_j - 1, D_j = S + s + r + j + L - 2; from D_j the column's
// accumulators shift out of the bottom edge, one row per cycle, R cycles (row i leaves at
// D_j + R - 1 - i). Without double buffering the accumulators are the shift chain themselves.
#include <algorithm>
#include <cstring>
#include <string>

#include "arch/matrix/cycle_model/pe_array_engine.h"
#include "sim/base/error.h"

namespace tpusim::arch::timing {

namespace {

constexpr int64_t kNever = -1;
constexpr uint32_t kFirst = 1u << 16;  // token bit: the fold's first element (acc restarts)

struct OsRun {
  int64_t S = kNever;
  uint64_t outputs_left = 0;
};

}  // namespace

template <class Acc>
ArrayTiming run_os_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io) {
  const int64_t R = array.rows, C = array.cols, L = array.mac_latency_cycles;
  const bool db = array.double_buffer_stationary, overlap = array.overlap_folds;
  const size_t n = folds.size(), rc = static_cast<size_t>(R * C), uC = static_cast<size_t>(C);

  std::vector<Acc> a_buf[2] = {std::vector<Acc>(rc), std::vector<Acc>(rc)};
  std::vector<Acc> b_buf[2] = {std::vector<Acc>(rc), std::vector<Acc>(rc)};
  std::vector<uint32_t> tok_buf[2] = {std::vector<uint32_t>(rc), std::vector<uint32_t>(rc)};
  std::vector<Acc> acc(rc), chain_store(db ? rc : 0);
  std::vector<std::vector<Acc>> pipe_v(static_cast<size_t>(L - 1), std::vector<Acc>(rc));
  std::vector<std::vector<uint8_t>> pipe_f(static_cast<size_t>(L - 1), std::vector<uint8_t>(rc));
  std::vector<Acc> inj_a(static_cast<size_t>(R)), inj_b(uC);
  std::vector<uint32_t> inj_tok(static_cast<size_t>(R));
  std::vector<int64_t> row_busy(static_cast<size_t>(R), kNever), col_busy(uC, kNever);
  std::vector<int64_t> col_drain(uC, kNever);  // D_j of the last fold that used column j
  std::vector<int64_t> col_out(uC, kNever);    // last cycle column j's chain shifted out a value
  std::vector<OsRun> run(n);
  std::vector<size_t> active;
  Acc* chain = db ? chain_store.data() : acc.data();
  int64_t pipe_base = 0;
  int cur = 0;
  size_t next_stream = 0;
  uint64_t pending_outputs = 0;
  std::vector<PeProbeSample> samples(io.probe_pes ? io.probe_pes->size() : 0);

  ArrayTiming timing;
  if (n == 0) return timing;
  timing.folds.resize(n);
  CycleLabeller labeller(folds, timing);

  int64_t x = 0;
  for (;; ++x) {
    // ---- controller: start the next fold when its ports and accumulators are free ------------
    if (next_stream < n) {
      const size_t f = next_stream;
      const auto& fs = folds[f].shape;
      const int64_t r = static_cast<int64_t>(fs.rows_used), c = static_cast<int64_t>(fs.cols_used);
      const int64_t s = static_cast<int64_t>(fs.stream_len);
      bool ok = x >= static_cast<int64_t>(folds[f].ready_cycle);
      if (ok && !overlap && pending_outputs > 0) ok = false;
      for (int64_t i = 0; ok && i < r; ++i) ok = x + i > row_busy[static_cast<size_t>(i)];
      for (int64_t j = 0; ok && j < c; ++j) {
        const int64_t d = col_drain[static_cast<size_t>(j)];
        ok = x + j > col_busy[static_cast<size_t>(j)];
        if (ok && d != kNever) {
          // First landing in row 0 must follow the copy (db) or the column's last shift (single
          // buffer: a landing wins over the shift in the same cycle, and the shift chain is the
          // accumulators); with db the shadow chain must be empty before this fold's copy.
          ok = db ? (x + j + L - 1 >= d && x + s + r + j + L - 2 >= d + R) : (x + j + L - 1 >= d + R - 1);
        }
      }
      if (ok) {
        run[f].S = x;
        for (int64_t i = 0; i < r; ++i) row_busy[static_cast<size_t>(i)] = x + s - 1 + i;
        for (int64_t j = 0; j < c; ++j) {
          col_busy[static_cast<size_t>(j)] = x + s - 1 + j;
          col_drain[static_cast<size_t>(j)] = x + s + r + j + L - 2;
        }
        run[f].outputs_left = fs.rows_used * fs.cols_used;
        pending_outputs += run[f].outputs_left;
        active.push_back(f);
        timing.folds[f].start_cycle = timing.folds[f].load_start_cycle =
            timing.folds[f].stream_start_cycle = static_cast<uint64_t>(x);
        ++next_stream;
      }
    }
    // ---- nothing in flight and a long wait for operands: skip it (moving registers flush) ----
    if (active.empty() && next_stream < n &&
        static_cast<int64_t>(folds[next_stream].ready_cycle) > x + C + R + L + 1) {
      const int64_t to = static_cast<int64_t>(folds[next_stream].ready_cycle);
      labeller.label_idle(static_cast<uint64_t>(to - x));
      for (int k = 0; k < 2; ++k) {
        std::fill(a_buf[k].begin(), a_buf[k].end(), Acc{});
        std::fill(b_buf[k].begin(), b_buf[k].end(), Acc{});
        std::fill(tok_buf[k].begin(), tok_buf[k].end(), 0u);
      }
      for (auto& v : pipe_v) std::fill(v.begin(), v.end(), Acc{});
      for (auto& v : pipe_f) std::fill(v.begin(), v.end(), uint8_t{0});
      x = to - 1;
      continue;
    }

    // ---- drains (start of cycle: a column's copy reads the accumulators before landings) -----
    const bool outputs_pending = pending_outputs > 0;
    for (size_t k = 0; k < active.size();) {
      const size_t f = active[k];
      const auto& fd = folds[f];
      const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
      const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
      for (int64_t j = 0; j < c; ++j) {
        const int64_t d = x - (run[f].S + s + r + j + L - 2);
        if (d < 0 || d >= R) continue;
        const size_t uj = static_cast<size_t>(j);
        // One bottom register per column: two drains in one cycle would be a structural hazard
        // that sequential code could hide.
        if (col_out[uj] == x) throw InternalError("cycle model: two drains in column " + std::to_string(j) + " at cycle " + std::to_string(x));
        col_out[uj] = x;
        if (d == 0 && db) {
          for (size_t q = 0; q < static_cast<size_t>(R); ++q) chain[q * uC + uj] = acc[q * uC + uj];
        }
        const int64_t row = R - 1 - d;
        if (row < r) {
          if (io.out) io.out[fd.out_base + row * fd.out_a + j * fd.out_j] += chain[static_cast<size_t>(R - 1) * uC + uj];
          --run[f].outputs_left;
          --pending_outputs;
        }
        for (size_t q = static_cast<size_t>(R - 1); q > 0; --q) chain[q * uC + uj] = chain[(q - 1) * uC + uj];
        chain[uj] = Acc{};
      }
      if (run[f].outputs_left == 0) {
        timing.folds[f].outputs_done_cycle = static_cast<uint64_t>(x + 1);
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(k));
      } else {
        ++k;
      }
    }

    // ---- operands entering row 0 (B) and column 0 (A) -----------------------------------------
    std::fill(inj_a.begin(), inj_a.end(), Acc{});
    std::fill(inj_b.begin(), inj_b.end(), Acc{});
    std::fill(inj_tok.begin(), inj_tok.end(), 0u);
    for (size_t f : active) {
      const auto& fd = folds[f];
      const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
      const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
      for (int64_t i = 0; i < r; ++i) {
        const int64_t k = x - run[f].S - i;
        if (k < 0 || k >= s) continue;
        const int64_t t = static_cast<int64_t>(static_cast<uint64_t>(k) & fd.t_mask);
        inj_a[static_cast<size_t>(i)] = to_register<Acc>(fd.strm[t * fd.strm_t + i * fd.strm_i]);
        inj_tok[static_cast<size_t>(i)] = static_cast<uint32_t>(c) | (k == 0 ? kFirst : 0u);
      }
      for (int64_t j = 0; j < c; ++j) {
        const int64_t k = x - run[f].S - j;
        if (k < 0 || k >= s) continue;
        const int64_t t = static_cast<int64_t>(static_cast<uint64_t>(k) & fd.t_mask);
        inj_b[static_cast<size_t>(j)] = to_register<Acc>(fd.strm2[t * fd.strm2_t + j * fd.strm2_j]);
      }
    }

    // ---- datapath (the hot loop) ---------------------------------------------------------------
    const std::vector<Acc>& a_old = a_buf[cur];
    std::vector<Acc>& a_new = a_buf[cur ^ 1];
    std::vector<Acc>& b_new = b_buf[cur ^ 1];
    const std::vector<uint32_t>& tok_old = tok_buf[cur];
    std::vector<uint32_t>& tok_new = tok_buf[cur ^ 1];
    std::memcpy(b_new.data(), inj_b.data(), sizeof(Acc) * uC);
    std::memcpy(b_new.data() + uC, b_buf[cur].data(), sizeof(Acc) * (rc - uC));
    uint32_t any = 0;
    const size_t slot = static_cast<size_t>(pipe_base);
    for (int64_t q = 0; q < R; ++q) {
      const size_t o = static_cast<size_t>(q) * uC;
      a_new[o] = inj_a[static_cast<size_t>(q)];
      std::memcpy(&a_new[o + 1], &a_old[o], sizeof(Acc) * (uC - 1));
      uint32_t* __restrict tn = &tok_new[o];
      const uint32_t* __restrict to = &tok_old[o];
      tn[0] = inj_tok[static_cast<size_t>(q)];
      for (size_t j = 1; j < uC; ++j) {
        const uint32_t v = to[j - 1];
        tn[j] = (v & 0xFFFFu) > 1 ? v - 1 : 0;
      }
      const Acc* __restrict ar = a_new.data() + o;
      const Acc* __restrict br = b_new.data() + o;
      Acc* __restrict accr = acc.data() + o;
      if (L == 1) {
        for (size_t j = 0; j < uC; ++j) {
          const Acc p = static_cast<Acc>(ar[j] * br[j]);
          const Acc sum = static_cast<Acc>(accr[j] + p);
          accr[j] = (tn[j] & kFirst) ? p : sum;
          any |= tn[j];
        }
      } else {
        Acc* __restrict pv = pipe_v[slot].data() + o;
        uint8_t* __restrict pf = pipe_f[slot].data() + o;
        for (size_t j = 0; j < uC; ++j) {
          const Acc land = pv[j];
          const Acc sum = static_cast<Acc>(accr[j] + land);
          accr[j] = pf[j] ? land : sum;
          pv[j] = static_cast<Acc>(ar[j] * br[j]);
          pf[j] = static_cast<uint8_t>((tn[j] & kFirst) ? 1 : 0);
          any |= tn[j];
        }
      }
    }
    if (L > 1) pipe_base = (pipe_base + 1) % (L - 1);
    const bool corner_mac = tok_new[0] != 0;

    if (io.probe && *io.probe) {
      for (size_t k = 0; k < samples.size(); ++k) {
        const auto [pr, pc] = (*io.probe_pes)[k];
        const size_t o = static_cast<size_t>(pr) * uC + pc;
        samples[k] = {pr, pc, register_value(a_new[o]), register_value(b_new[o]), register_value(acc[o]),
                      tok_new[o] != 0};
      }
      (*io.probe)(static_cast<uint64_t>(x), samples.data(), samples.size());
    }

    labeller.label(static_cast<uint64_t>(x), corner_mac, any != 0, next_stream, false, outputs_pending);
    cur ^= 1;
    timing.stepped_cycles++;
    if (next_stream == n && active.empty()) {
      ++x;
      break;
    }
  }
  labeller.finish(static_cast<uint64_t>(x));
  timing.pe_cycles = timing.stepped_cycles * static_cast<uint64_t>(R * C);
  return timing;
}

template ArrayTiming run_os_engine<uint32_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint32_t>&);
template ArrayTiming run_os_engine<uint64_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint64_t>&);
template ArrayTiming run_os_engine<float>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                          const EngineIo<float>&);

}  // namespace tpusim::arch::timing
