// Stationary-operand engine of the cycle model (ws and is; see DERIVATION.md for the pictures).
//
// Registers per PE (q = physical row, j = column, R x C array, L = MAC latency):
//   act/tok  moving operand and its token (real-MAC columns left, 0 = bubble), shift right 1/cycle
//   w        active stationary operand; wsh its shadow (double buffering), a shift chain downwards
//   ps[l]    partial-sum pipeline of L stages; stage L-1 of row q-1 feeds row q: L cycles per PE
// A fold of r x c uses rows R-r..R-1 (bottom-aligned, so partial sums leave at the bottom edge
// right after the last used row) and columns 0..c-1. Stream element t enters row R-r+i at
// S + t + i*L; the corner PE (R-1, 0) sees it at A + t with A = S + (r-1) L.
//
// One cycle is, in order: the controller starts the next stream and the next stationary load
// (start_stream, start_load), or a long idle wait is skipped (skip_idle_wait); the stream enters
// column 0 and the swap wave copies shadows to active registers (inject_and_swap); the datapath
// moves operands right and partial sums down (step_datapath, the hot loop); the stationary chain
// shifts at the end of the cycle, after the MACs read w (shift_loader, shift_preloads); results
// leave the bottom edge (capture_outputs); the cycle is probed and labelled.
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

template <class Acc>
class WsEngine {
 public:
  WsEngine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds, const EngineIo<Acc>& io);
  ArrayTiming run();

 private:
  void start_stream(int64_t x);
  bool load_may_start(size_t f, int64_t x) const;
  void start_load(int64_t x);
  bool skip_idle_wait(int64_t& x);
  void inject_and_swap(int64_t x);
  uint32_t step_datapath();
  void shift_loader(int64_t x);
  void shift_preloads(int64_t x);
  void capture_outputs(int64_t x);
  void sample_probes(int64_t x);
  bool done() const { return next_stream_ == n_ && active_.empty() && loader_ < 0 && loads_.empty(); }

  const std::vector<PeArrayModel::FoldData>& folds_;
  const EngineIo<Acc>& io_;
  const int64_t R_, C_, L_;
  const bool db_, overlap_, follow_;
  const size_t n_, rc_;

  std::vector<Acc> act_buf_[2];
  std::vector<uint32_t> tok_buf_[2];
  std::vector<Acc> w_, wsh_, zero_row_;
  std::vector<std::vector<Acc>> ps_;
  std::vector<Acc> inj_val_;
  std::vector<uint32_t> inj_tok_;
  std::vector<int64_t> row_busy_;  // last scheduled injection
  std::vector<WsRun> run_;
  std::vector<size_t> active_;     // folds streaming or with outputs in flight
  int64_t ps_base_ = 0;            // ps stage l lives in ps_[(ps_base_ + l) % L]
  int cur_ = 0;
  size_t next_load_ = 0, next_stream_ = 0;
  int64_t loader_ = -1;            // fold whose stationary operand is shifting in
  // preload_follows_wave: loads whose columns still shift (column j lags column 0 by j cycles,
  // and in each column only the rows the front has reached shift), the start of the last one,
  // and which shadow registers hold a loaded operand their PE has not swapped in yet.
  std::vector<SkewedLoad> loads_;
  int64_t last_load_ = kNever;
  std::vector<uint8_t> armed_;
  uint64_t pending_outputs_ = 0;
  uint32_t tok_max_ = 0;           // largest token after the previous step (>= 2: a MAC follows)
  std::vector<PeProbeSample> samples_;

  ArrayTiming timing_;
  CycleLabeller labeller_;
};

template <class Acc>
WsEngine<Acc>::WsEngine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                        const EngineIo<Acc>& io)
    : folds_(folds),
      io_(io),
      R_(array.rows),
      C_(array.cols),
      L_(array.mac_latency_cycles),
      db_(array.double_buffer_stationary),
      overlap_(array.overlap_folds),
      follow_(array.double_buffer_stationary && array.preload_follows_wave),
      n_(folds.size()),
      rc_(static_cast<size_t>(R_ * C_)),
      act_buf_{std::vector<Acc>(rc_), std::vector<Acc>(rc_)},
      tok_buf_{std::vector<uint32_t>(rc_), std::vector<uint32_t>(rc_)},
      w_(rc_),
      wsh_(rc_),
      zero_row_(static_cast<size_t>(C_)),
      ps_(static_cast<size_t>(L_), std::vector<Acc>(rc_)),
      inj_val_(static_cast<size_t>(R_)),
      inj_tok_(static_cast<size_t>(R_)),
      row_busy_(static_cast<size_t>(R_), kNever),
      run_(n_),
      armed_(follow_ ? rc_ : 0),
      samples_(io.probe_pes ? io.probe_pes->size() : 0),
      labeller_(folds, timing_) {}

template <class Acc>
ArrayTiming WsEngine<Acc>::run() {
  if (n_ == 0) return timing_;
  timing_.folds.resize(n_);
  int64_t x = 0;
  for (;; ++x) {
    start_stream(x);
    start_load(x);
    if (skip_idle_wait(x)) continue;
    inject_and_swap(x);
    const uint32_t tmax = step_datapath();
    const bool corner_mac = tok_buf_[cur_ ^ 1][static_cast<size_t>((R_ - 1) * C_)] > 0;
    const bool loading = loader_ >= 0 || (!loads_.empty() && x - loads_.back().ld < R_);  // column 0 shifts
    shift_loader(x);
    shift_preloads(x);
    const bool outputs_pending = pending_outputs_ > 0;
    capture_outputs(x);
    sample_probes(x);
    labeller_.label(static_cast<uint64_t>(x), corner_mac, tmax > 0, next_stream_, loading, outputs_pending);
    tok_max_ = tmax;
    cur_ ^= 1;
    timing_.stepped_cycles++;
    if (done()) {
      ++x;
      break;
    }
  }
  labeller_.finish(static_cast<uint64_t>(x));
  timing_.pe_cycles = timing_.stepped_cycles * static_cast<uint64_t>(R_ * C_);
  return std::move(timing_);
}

// The next fold's stream starts once its operands are ready, its stationary operand is in (R
// cycles after its load started), and every row it uses is free of the previous stream.
template <class Acc>
void WsEngine<Acc>::start_stream(int64_t x) {
  if (!(next_stream_ < n_ && next_stream_ < next_load_ && loader_ != static_cast<int64_t>(next_stream_))) return;
  const size_t f = next_stream_;
  const auto& fs = folds_[f].shape;
  const int64_t r = static_cast<int64_t>(fs.rows_used);
  bool ok = x >= static_cast<int64_t>(folds_[f].ready_cycle) && x >= run_[f].ld + R_;
  if (ok && !overlap_ && pending_outputs_ > 0) ok = false;
  for (int64_t i = 0; ok && i < r; ++i) ok = x + i * L_ > row_busy_[static_cast<size_t>(R_ - r + i)];
  if (!ok) return;
  run_[f].S = x;
  run_[f].A = x + (r - 1) * L_;
  const int64_t s = static_cast<int64_t>(fs.stream_len);
  for (int64_t i = 0; i < r; ++i) row_busy_[static_cast<size_t>(R_ - r + i)] = x + i * L_ + s - 1;
  run_[f].swaps_left = db_ ? fs.rows_used * fs.cols_used : 0;
  run_[f].outputs_left = fs.stream_len * fs.cols_used;
  pending_outputs_ += run_[f].outputs_left;
  active_.push_back(f);
  timing_.folds[f].stream_start_cycle = static_cast<uint64_t>(x);
  ++next_stream_;
}

// Whether fold f's stationary load may start at x, given the previous fold p's progress.
template <class Acc>
bool WsEngine<Acc>::load_may_start(size_t f, int64_t x) const {
  if (x < static_cast<int64_t>(folds_[f].ready_cycle)) return false;
  if (f == 0) return true;
  const size_t p = f - 1;
  const auto& ps_shape = folds_[p].shape;
  if (run_[p].S == kNever) return false;  // the shadow/active registers still hold p's operand
  if (follow_) {
    // The front reaches row q of column 0 at the end of x + q and p's swap wave is there at
    // A_p - (R-1-q)L: both move down, the front no slower, so the corner row binds (the swap
    // reads the shadow before the edge). Checked register by register in shift_preloads.
    return x + R_ - 1 >= run_[p].A;
  }
  if (db_) {
    // The shift happens at the end of the cycle, so it may start in the cycle of p's last swap
    // (PE(R-1, c_p-1) at A_p + c_p - 1, the only swap of that cycle).
    const int64_t last_swap = run_[p].A + static_cast<int64_t>(ps_shape.cols_used) - 1;
    return run_[p].swaps_left == 0 || (run_[p].swaps_left == 1 && x == last_swap);
  }
  if (!overlap_) return pending_outputs_ == 0;
  // Single-buffered: shifting replaces the active operand at the end of the cycle, so it may
  // start in the cycle of p's last MAC: no token may MAC after x (a token of value v after the
  // last step MACs for v-1 more cycles), and an element p injects at x only MACs at x if it has
  // one column.
  const int64_t last_inject = run_[p].A + static_cast<int64_t>(ps_shape.stream_len) - 1;
  return tok_max_ <= 2 && (x > last_inject || (x == last_inject && ps_shape.cols_used == 1));
}

template <class Acc>
void WsEngine<Acc>::start_load(int64_t x) {
  if (!(next_load_ < n_ && (follow_ ? last_load_ == kNever || x >= last_load_ + R_ : loader_ < 0))) return;
  const size_t f = next_load_;
  if (!load_may_start(f, x)) return;
  if (follow_) {
    loads_.push_back({f, x});
    last_load_ = x;
  } else {
    loader_ = static_cast<int64_t>(f);
  }
  run_[f].ld = x;
  timing_.folds[f].load_start_cycle = timing_.folds[f].start_cycle = static_cast<uint64_t>(x);
  ++next_load_;
}

// Nothing in flight and a long wait for operands: skip to the ready cycle (the moving registers
// flush). Sets x to the cycle before it and returns true.
template <class Acc>
bool WsEngine<Acc>::skip_idle_wait(int64_t& x) {
  if (!(loader_ < 0 && loads_.empty() && active_.empty() && next_load_ < n_ && next_load_ == next_stream_ &&
        static_cast<int64_t>(folds_[next_load_].ready_cycle) > x + C_ + R_ * L_ + 1))
    return false;
  const int64_t to = static_cast<int64_t>(folds_[next_load_].ready_cycle);
  labeller_.label_idle(static_cast<uint64_t>(to - x));
  for (int b = 0; b < 2; ++b) {
    std::fill(act_buf_[b].begin(), act_buf_[b].end(), Acc{});
    std::fill(tok_buf_[b].begin(), tok_buf_[b].end(), 0u);
  }
  for (auto& st : ps_) std::fill(st.begin(), st.end(), Acc{});
  tok_max_ = 0;
  x = to - 1;
  return true;
}

// Operands entering column 0, and the shadow->active swap wave that travels with element 0.
template <class Acc>
void WsEngine<Acc>::inject_and_swap(int64_t x) {
  std::fill(inj_val_.begin(), inj_val_.end(), Acc{});
  std::fill(inj_tok_.begin(), inj_tok_.end(), 0u);
  Acc* inj_val = inj_val_.data();  // locals: a uint8_t store may alias any member
  uint32_t* inj_tok = inj_tok_.data();
  uint8_t* armed = armed_.data();
  Acc* w = w_.data();
  const Acc* wsh = wsh_.data();
  const int64_t R = R_, C = C_, L = L_;
  for (size_t f : active_) {
    const auto& fd = folds_[f];
    const int64_t r = static_cast<int64_t>(fd.shape.rows_used);
    const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
    const int64_t c = static_cast<int64_t>(fd.shape.cols_used);
    for (int64_t i = 0; i < r; ++i) {
      const int64_t d = x - run_[f].S - i * L;  // stream index at column 0 of row R-r+i
      const size_t q = static_cast<size_t>(R - r + i);
      if (d >= 0 && d < s) {
        const uint64_t t = static_cast<uint64_t>(d) & fd.t_mask;
        inj_val[q] = to_register<Acc>(fd.strm[static_cast<int64_t>(t) * fd.strm_t + i * fd.strm_i]);
        inj_tok[q] = static_cast<uint32_t>(c);
      }
      if (run_[f].swaps_left > 0 && d >= 0 && d < c) {  // element 0 reaches column d this cycle
        const size_t o = q * static_cast<size_t>(C) + static_cast<size_t>(d);
        if (follow_) {
          if (!armed[o]) {
            throw InternalError("cycle model: PE(" + std::to_string(q) + ", " + std::to_string(d) +
                                ") swaps in a shadow operand that is not fully loaded");
          }
          armed[o] = 0;
        }
        w[o] = wsh[o];
        --run_[f].swaps_left;
      }
    }
  }
}

// The hot loop: the moving operand and its tokens one column right, then the partial sums one
// stage down. Returns the largest token after the step (0: no PE does a real MAC).
template <class Acc>
uint32_t WsEngine<Acc>::step_datapath() {
  const int64_t R = R_, C = C_, L = L_;
  const std::vector<Acc>& act_old = act_buf_[cur_];
  std::vector<Acc>& act_new = act_buf_[cur_ ^ 1];
  const std::vector<uint32_t>& tok_old = tok_buf_[cur_];
  std::vector<uint32_t>& tok_new = tok_buf_[cur_ ^ 1];
  uint32_t tmax = 0;
  for (int64_t q = 0; q < R; ++q) {
    const size_t o = static_cast<size_t>(q * C);
    act_new[o] = inj_val_[static_cast<size_t>(q)];
    // Through data(): with one column, o + 1 is one past the end, which operator[] may not index
    // (_GLIBCXX_ASSERTIONS in the sanitized build, tests/sanitizers/README.md); the copy is empty then.
    std::memcpy(act_new.data() + o + 1, act_old.data() + o, sizeof(Acc) * static_cast<size_t>(C - 1));
    uint32_t* __restrict tn = &tok_new[o];
    const uint32_t* __restrict to = &tok_old[o];
    tn[0] = inj_tok_[static_cast<size_t>(q)];
    for (int64_t j = 1; j < C; ++j) {
      const uint32_t v = to[j - 1];
      tn[j] = v > 1 ? v - 1 : 0;
    }
    for (int64_t j = 0; j < C; ++j) tmax = std::max(tmax, tn[j]);
  }
  // New stage 0 reuses the buffer of the old last stage; rows bottom-up so row q-1's old value
  // is read before it is overwritten.
  const size_t last_old = static_cast<size_t>((ps_base_ + L - 1) % L);
  Acc* __restrict stage_new = ps_[last_old].data();
  for (int64_t q = R - 1; q >= 0; --q) {
    const size_t o = static_cast<size_t>(q * C);
    const Acc* above = q > 0 ? ps_[last_old].data() + o - static_cast<size_t>(C) : zero_row_.data();
    const Acc* __restrict a = act_new.data() + o;
    const Acc* __restrict wr = w_.data() + o;
    Acc* __restrict out = stage_new + o;
    for (int64_t j = 0; j < C; ++j) out[j] = static_cast<Acc>(above[j] + static_cast<Acc>(a[j] * wr[j]));
  }
  ps_base_ = static_cast<int64_t>(last_old);
  return tmax;
}

// Without preload_follows_wave: the whole chain (the shadows, or the active registers when
// single-buffered) shifts down one row at the end of the cycle; the row for R-1 enters first.
template <class Acc>
void WsEngine<Acc>::shift_loader(int64_t x) {
  if (loader_ < 0) return;
  const auto& fd = folds_[static_cast<size_t>(loader_)];
  const int64_t tau = x - run_[static_cast<size_t>(loader_)].ld;
  std::vector<Acc>& chain = db_ ? wsh_ : w_;
  // Through data(): with one row, C_ is one past the end (see step_datapath); the move is empty then.
  std::memmove(chain.data() + C_, chain.data(), sizeof(Acc) * static_cast<size_t>((R_ - 1) * C_));
  const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
  const int64_t i = r - 1 - tau;  // reduction row destined for physical row R-1-tau
  for (int64_t j = 0; j < C_; ++j) {
    chain[static_cast<size_t>(j)] = (i >= 0 && j < c) ? to_register<Acc>(fd.stat[i * fd.stat_i + j * fd.stat_j]) : Acc{};
  }
  if (tau == R_ - 1) loader_ = -1;
}

// preload_follows_wave: in each loading column only the rows its front has reached shift, and a
// shadow still armed (loaded, not yet swapped in) must not be overwritten.
template <class Acc>
void WsEngine<Acc>::shift_preloads(int64_t x) {
  uint8_t* armed = armed_.data();  // locals: a uint8_t store may alias any member
  Acc* wsh = wsh_.data();
  const int64_t R = R_, C = C_;
  for (size_t k = 0; k < loads_.size();) {
    const auto& fd = folds_[loads_[k].fold];
    const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
    for (int64_t j = 0; j < c; ++j) {
      const int64_t tau = x - loads_[k].ld - j;  // the front is at row tau of column j
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
    if (x - loads_[k].ld - (c - 1) >= R - 1) loads_.erase(loads_.begin() + static_cast<std::ptrdiff_t>(k));
    else ++k;
  }
}

// Results leaving the bottom edge: element t of column j left its bottom MAC L-1 cycles ago.
template <class Acc>
void WsEngine<Acc>::capture_outputs(int64_t x) {
  const Acc* bottom = ps_[static_cast<size_t>((ps_base_ + L_ - 1) % L_)].data() + static_cast<size_t>((R_ - 1) * C_);
  for (size_t k = 0; k < active_.size();) {
    const size_t f = active_[k];
    const auto& fd = folds_[f];
    const int64_t c = static_cast<int64_t>(fd.shape.cols_used);
    const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
    for (int64_t j = 0; j < c; ++j) {
      const int64_t t = x - run_[f].A - j - (L_ - 1);
      if (t < 0 || t >= s) continue;
      if (io_.out) io_.out[fd.out_base + t * fd.out_a + j * fd.out_j] += bottom[j];
      --run_[f].outputs_left;
      --pending_outputs_;
      run_[f].last_capture = x;
    }
    if (run_[f].outputs_left == 0) {
      timing_.folds[f].outputs_done_cycle = static_cast<uint64_t>(x + 1);
      active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      ++k;
    }
  }
}

template <class Acc>
void WsEngine<Acc>::sample_probes(int64_t x) {
  if (!(io_.probe && *io_.probe)) return;
  const std::vector<Acc>& act_new = act_buf_[cur_ ^ 1];
  const std::vector<uint32_t>& tok_new = tok_buf_[cur_ ^ 1];
  const std::vector<Acc>& ps_out = ps_[static_cast<size_t>((ps_base_ + L_ - 1) % L_)];
  for (size_t k = 0; k < samples_.size(); ++k) {
    const auto [pr, pc] = (*io_.probe_pes)[k];
    const size_t o = static_cast<size_t>(pr) * static_cast<size_t>(C_) + pc;
    samples_[k] = {pr, pc, register_value(act_new[o]), register_value(w_[o]), register_value(ps_out[o]), tok_new[o] > 0};
  }
  (*io_.probe)(static_cast<uint64_t>(x), samples_.data(), samples_.size());
}

}  // namespace

template <class Acc>
ArrayTiming run_ws_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io) {
  return WsEngine<Acc>(array, folds, io).run();
}

template ArrayTiming run_ws_engine<uint32_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint32_t>&);
template ArrayTiming run_ws_engine<uint64_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint64_t>&);
template ArrayTiming run_ws_engine<float>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                          const EngineIo<float>&);

}  // namespace tpusim::arch::timing
