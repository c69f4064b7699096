// Weight-/input-stationary engine of the cycle model (see DERIVATION.md for the pictures).
//
// Registers per PE (q = physical row, j = column, R x C array, L = MAC latency):
//   act/tok  moving operand and its token (real-MAC columns left, 0 = bubble), shift right 1/cycle
//   w        active stationary operand; wsh its shadow (double buffering), a shift chain downwards
//   ps[l]    partial-sum pipeline of L stages; stage L-1 of row q-1 feeds row q: L cycles per PE
// A fold of r x c uses rows R-r..R-1 (bottom-aligned, so partial sums leave at the bottom edge
// right after the last used row) and columns 0..c-1. Stream element t enters row R-r+i at
// S + t + i*L; the corner PE (R-1, 0) sees it at A + t with A = S + (r-1) L.
#include <algorithm>
#include <cstring>
#include <string>

#include "arch/matrix/cycle_model/pe_array_engine.h"
#include "sim/base/error.h"

namespace tpusim::arch::timing {

namespace {

constexpr int64_t kNever = -1;

/// A stationary load of preload_follows_wave: column j shifts during [ld + j, ld + j + R).
struct SkewedLoad {
  size_t fold;
  int64_t ld;
};

struct WsRun {
  int64_t ld = kNever, S = kNever, A = kNever;  // load start, stream start, bottom-row start
  uint64_t swaps_left = 0, outputs_left = 0;
  int64_t last_capture = kNever;
};

}  // namespace

template <class Acc>
ArrayTiming run_ws_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io) {
  const int64_t R = array.rows, C = array.cols, L = array.mac_latency_cycles;
  const bool db = array.double_buffer_stationary, overlap = array.overlap_folds;
  const bool follow = db && array.preload_follows_wave;
  const size_t n = folds.size(), rc = static_cast<size_t>(R * C);

  std::vector<Acc> act_buf[2] = {std::vector<Acc>(rc), std::vector<Acc>(rc)};
  std::vector<uint32_t> tok_buf[2] = {std::vector<uint32_t>(rc), std::vector<uint32_t>(rc)};
  std::vector<Acc> w(rc), wsh(rc), zero_row(static_cast<size_t>(C));
  std::vector<std::vector<Acc>> ps(static_cast<size_t>(L), std::vector<Acc>(rc));
  std::vector<Acc> inj_val(static_cast<size_t>(R));
  std::vector<uint32_t> inj_tok(static_cast<size_t>(R));
  std::vector<int64_t> row_busy(static_cast<size_t>(R), kNever);  // last scheduled injection
  std::vector<WsRun> run(n);
  std::vector<size_t> active;  // folds streaming or with outputs in flight
  int64_t ps_base = 0;         // ps stage l lives in ps[(ps_base + l) % L]
  int cur = 0;
  size_t next_load = 0, next_stream = 0;
  int64_t loader = -1;         // fold whose stationary operand is shifting in
  // preload_follows_wave: loads whose columns still shift (column j lags column 0 by j cycles,
  // and in each column only the rows the front has reached shift), the start of the last one,
  // and which shadow registers hold a loaded operand their PE has not swapped in yet.
  std::vector<SkewedLoad> loads;
  int64_t last_load = kNever;
  std::vector<uint8_t> armed(follow ? rc : 0);
  uint64_t pending_outputs = 0;
  uint32_t tok_max = 0;        // largest token after the previous step (>= 2: a MAC follows)
  std::vector<PeProbeSample> samples(io.probe_pes ? io.probe_pes->size() : 0);

  ArrayTiming timing;
  if (n == 0) return timing;
  timing.folds.resize(n);
  CycleLabeller labeller(folds, timing);

  int64_t x = 0;
  for (;; ++x) {
    // ---- controller: start the next stream, then the next stationary load --------------------
    if (next_stream < n && next_stream < next_load && loader != static_cast<int64_t>(next_stream)) {
      const size_t f = next_stream;
      const auto& fs = folds[f].shape;
      const int64_t r = static_cast<int64_t>(fs.rows_used);
      bool ok = x >= static_cast<int64_t>(folds[f].ready_cycle) && x >= run[f].ld + R;
      if (ok && !overlap && pending_outputs > 0) ok = false;
      for (int64_t i = 0; ok && i < r; ++i) ok = x + i * L > row_busy[static_cast<size_t>(R - r + i)];
      if (ok) {
        run[f].S = x;
        run[f].A = x + (r - 1) * L;
        const int64_t s = static_cast<int64_t>(fs.stream_len);
        for (int64_t i = 0; i < r; ++i) row_busy[static_cast<size_t>(R - r + i)] = x + i * L + s - 1;
        run[f].swaps_left = db ? fs.rows_used * fs.cols_used : 0;
        run[f].outputs_left = fs.stream_len * fs.cols_used;
        pending_outputs += run[f].outputs_left;
        active.push_back(f);
        timing.folds[f].stream_start_cycle = static_cast<uint64_t>(x);
        ++next_stream;
      }
    }
    if (next_load < n && (follow ? last_load == kNever || x >= last_load + R : loader < 0)) {
      const size_t f = next_load;
      bool ok = x >= static_cast<int64_t>(folds[f].ready_cycle);
      if (ok && f > 0) {
        const size_t p = f - 1;
        const auto& ps_shape = folds[p].shape;
        if (run[p].S == kNever) {
          ok = false;  // the shadow/active registers still hold p's operand
        } else if (follow) {
          // The front reaches row q of column 0 at the end of x + q and p's swap wave is there
          // at A_p - (R-1-q)L: both move down, the front no slower, so the corner row binds
          // (the swap reads the shadow before the edge). Checked register by register below.
          ok = x + R - 1 >= run[p].A;
        } else if (db) {
          // The shift happens at the end of the cycle, so it may start in the cycle of p's last
          // swap (PE(R-1, c_p-1) at A_p + c_p - 1, the only swap of that cycle).
          const int64_t last_swap = run[p].A + static_cast<int64_t>(ps_shape.cols_used) - 1;
          ok = run[p].swaps_left == 0 || (run[p].swaps_left == 1 && x == last_swap);
        } else if (!overlap) {
          ok = pending_outputs == 0;
        } else {
          // Single-buffered: shifting replaces the active operand at the end of the cycle, so it
          // may start in the cycle of p's last MAC: no token may MAC after x (a token of value v
          // after the last step MACs for v-1 more cycles), and an element p injects at x only
          // MACs at x if it has one column.
          const int64_t last_inject = run[p].A + static_cast<int64_t>(ps_shape.stream_len) - 1;
          ok = tok_max <= 2 && (x > last_inject || (x == last_inject && ps_shape.cols_used == 1));
        }
      }
      if (ok) {
        if (follow) {
          loads.push_back({f, x});
          last_load = x;
        } else {
          loader = static_cast<int64_t>(f);
        }
        run[f].ld = x;
        timing.folds[f].load_start_cycle = timing.folds[f].start_cycle = static_cast<uint64_t>(x);
        ++next_load;
      }
    }
    // ---- nothing in flight and a long wait for operands: skip it (moving registers flush) ----
    if (loader < 0 && loads.empty() && active.empty() && next_load < n && next_load == next_stream &&
        static_cast<int64_t>(folds[next_load].ready_cycle) > x + C + R * L + 1) {
      const int64_t to = static_cast<int64_t>(folds[next_load].ready_cycle);
      labeller.label_idle(static_cast<uint64_t>(to - x));
      for (int b = 0; b < 2; ++b) {
        std::fill(act_buf[b].begin(), act_buf[b].end(), Acc{});
        std::fill(tok_buf[b].begin(), tok_buf[b].end(), 0u);
      }
      for (auto& st : ps) std::fill(st.begin(), st.end(), Acc{});
      tok_max = 0;
      x = to - 1;
      continue;
    }

    // ---- operands entering column 0, and the shadow->active swap wave ------------------------
    std::fill(inj_val.begin(), inj_val.end(), Acc{});
    std::fill(inj_tok.begin(), inj_tok.end(), 0u);
    for (size_t f : active) {
      const auto& fd = folds[f];
      const int64_t r = static_cast<int64_t>(fd.shape.rows_used);
      const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
      const int64_t c = static_cast<int64_t>(fd.shape.cols_used);
      for (int64_t i = 0; i < r; ++i) {
        const int64_t d = x - run[f].S - i * L;  // stream index at column 0 of row R-r+i
        const size_t q = static_cast<size_t>(R - r + i);
        if (d >= 0 && d < s) {
          const uint64_t t = static_cast<uint64_t>(d) & fd.t_mask;
          inj_val[q] = to_register<Acc>(fd.strm[static_cast<int64_t>(t) * fd.strm_t + i * fd.strm_i]);
          inj_tok[q] = static_cast<uint32_t>(c);
        }
        if (run[f].swaps_left > 0 && d >= 0 && d < c) {  // element 0 reaches column d this cycle
          const size_t o = q * static_cast<size_t>(C) + static_cast<size_t>(d);
          if (follow) {
            if (!armed[o]) {
              throw InternalError("cycle model: PE(" + std::to_string(q) + ", " + std::to_string(d) +
                                  ") swaps in a shadow operand that is not fully loaded");
            }
            armed[o] = 0;
          }
          w[o] = wsh[o];
          --run[f].swaps_left;
        }
      }
    }

    // ---- datapath: moving operand right, partial sums down (the hot loop) --------------------
    const std::vector<Acc>& act_old = act_buf[cur];
    std::vector<Acc>& act_new = act_buf[cur ^ 1];
    const std::vector<uint32_t>& tok_old = tok_buf[cur];
    std::vector<uint32_t>& tok_new = tok_buf[cur ^ 1];
    uint32_t tmax = 0;
    for (int64_t q = 0; q < R; ++q) {
      const size_t o = static_cast<size_t>(q * C);
      act_new[o] = inj_val[static_cast<size_t>(q)];
      std::memcpy(&act_new[o + 1], &act_old[o], sizeof(Acc) * static_cast<size_t>(C - 1));
      uint32_t* __restrict tn = &tok_new[o];
      const uint32_t* __restrict to = &tok_old[o];
      tn[0] = inj_tok[static_cast<size_t>(q)];
      for (int64_t j = 1; j < C; ++j) {
        const uint32_t v = to[j - 1];
        tn[j] = v > 1 ? v - 1 : 0;
      }
      for (int64_t j = 0; j < C; ++j) tmax = std::max(tmax, tn[j]);
    }
    // New stage 0 reuses the buffer of the old last stage; rows bottom-up so row q-1's old
    // value is read before it is overwritten.
    const size_t last_old = static_cast<size_t>((ps_base + L - 1) % L);
    Acc* __restrict stage_new = ps[last_old].data();
    for (int64_t q = R - 1; q >= 0; --q) {
      const size_t o = static_cast<size_t>(q * C);
      const Acc* above = q > 0 ? ps[last_old].data() + o - static_cast<size_t>(C) : zero_row.data();
      const Acc* __restrict a = act_new.data() + o;
      const Acc* __restrict wr = w.data() + o;
      Acc* __restrict out = stage_new + o;
      for (int64_t j = 0; j < C; ++j) out[j] = static_cast<Acc>(above[j] + static_cast<Acc>(a[j] * wr[j]));
    }
    ps_base = static_cast<int64_t>(last_old);
    const bool corner_mac = tok_new[static_cast<size_t>((R - 1) * C)] > 0;
    const bool loading = loader >= 0 || (!loads.empty() && x - loads.back().ld < R);  // column 0 shifts

    // ---- stationary shift chain (end of cycle, after this cycle's MACs read w) ---------------
    if (loader >= 0) {
      const auto& fd = folds[static_cast<size_t>(loader)];
      const int64_t tau = x - run[static_cast<size_t>(loader)].ld;
      std::vector<Acc>& chain = db ? wsh : w;
      std::memmove(&chain[static_cast<size_t>(C)], &chain[0], sizeof(Acc) * static_cast<size_t>((R - 1) * C));
      const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
      const int64_t i = r - 1 - tau;  // reduction row destined for physical row R-1-tau
      for (int64_t j = 0; j < C; ++j) {
        chain[static_cast<size_t>(j)] =
            (i >= 0 && j < c) ? to_register<Acc>(fd.stat[i * fd.stat_i + j * fd.stat_j]) : Acc{};
      }
      if (tau == R - 1) loader = -1;
    }
    for (size_t k = 0; k < loads.size();) {
      const auto& fd = folds[loads[k].fold];
      const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
      for (int64_t j = 0; j < c; ++j) {
        const int64_t tau = x - loads[k].ld - j;  // the front is at row tau of column j
        if (tau < 0 || tau >= R) continue;
        const int64_t i = r - 1 - tau;  // reduction row destined for physical row R-1-tau
        for (int64_t q = tau; q >= 0; --q) {
          const size_t o = static_cast<size_t>(q * C + j);
          if (armed[o]) {
            throw InternalError("cycle model: a preload overwrites the shadow of PE(" + std::to_string(q) + ", " +
                                std::to_string(j) + ") before its swap");
          }
          wsh[o] = q > 0 ? wsh[o - static_cast<size_t>(C)]
                         : (i >= 0 ? to_register<Acc>(fd.stat[i * fd.stat_i + j * fd.stat_j]) : Acc{});
        }
        if (tau == R - 1) {
          for (int64_t q = R - r; q < R; ++q) armed[static_cast<size_t>(q * C + j)] = 1;
        }
      }
      if (x - loads[k].ld - (c - 1) >= R - 1) loads.erase(loads.begin() + static_cast<std::ptrdiff_t>(k));
      else ++k;
    }

    // ---- results leaving the bottom edge ------------------------------------------------------
    const bool outputs_pending = pending_outputs > 0;
    const Acc* bottom = ps[static_cast<size_t>((ps_base + L - 1) % L)].data() + static_cast<size_t>((R - 1) * C);
    for (size_t k = 0; k < active.size();) {
      const size_t f = active[k];
      const auto& fd = folds[f];
      const int64_t c = static_cast<int64_t>(fd.shape.cols_used);
      const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
      for (int64_t j = 0; j < c; ++j) {
        const int64_t t = x - run[f].A - j - (L - 1);  // element whose bottom MAC was L-1 cycles ago
        if (t < 0 || t >= s) continue;
        if (io.out) io.out[fd.out_base + t * fd.out_a + j * fd.out_j] += bottom[j];
        --run[f].outputs_left;
        --pending_outputs;
        run[f].last_capture = x;
      }
      if (run[f].outputs_left == 0) {
        timing.folds[f].outputs_done_cycle = static_cast<uint64_t>(x + 1);
        active.erase(active.begin() + static_cast<std::ptrdiff_t>(k));
      } else {
        ++k;
      }
    }

    if (io.probe && *io.probe) {
      for (size_t k = 0; k < samples.size(); ++k) {
        const auto [pr, pc] = (*io.probe_pes)[k];
        const size_t o = static_cast<size_t>(pr) * static_cast<size_t>(C) + pc;
        samples[k] = {pr, pc, register_value(act_new[o]), register_value(w[o]),
                      register_value(ps[static_cast<size_t>((ps_base + L - 1) % L)][o]), tok_new[o] > 0};
      }
      (*io.probe)(static_cast<uint64_t>(x), samples.data(), samples.size());
    }

    labeller.label(static_cast<uint64_t>(x), corner_mac, tmax > 0, next_stream, loading, outputs_pending);
    tok_max = tmax;
    cur ^= 1;
    timing.stepped_cycles++;
    if (next_stream == n && active.empty() && loader < 0 && loads.empty()) {
      ++x;
      break;
    }
  }
  labeller.finish(static_cast<uint64_t>(x));
  timing.pe_cycles = timing.stepped_cycles * static_cast<uint64_t>(R * C);
  return timing;
}

template ArrayTiming run_ws_engine<uint32_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint32_t>&);
template ArrayTiming run_ws_engine<uint64_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint64_t>&);
template ArrayTiming run_ws_engine<float>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                          const EngineIo<float>&);

}  // namespace tpusim::arch::timing
