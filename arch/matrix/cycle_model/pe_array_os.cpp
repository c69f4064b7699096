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
//
// One cycle is, in order: the controller starts the next fold when its ports and accumulators
// are free (start_fold), or a long idle wait is skipped (skip_idle_wait); finished columns drain
// at the start of the cycle, before this cycle's products land (drain); operands enter row 0 and
// column 0 (inject); the datapath moves A right, B down and accumulates (step_datapath, the hot
// loop); the cycle is probed and labelled.
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

template <class Acc>
class OsEngine {
 public:
  OsEngine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds, const EngineIo<Acc>& io);
  ArrayTiming run();

 private:
  bool fold_may_start(size_t f, int64_t x) const;
  void start_fold(int64_t x);
  bool skip_idle_wait(int64_t& x);
  void drain(int64_t x);
  void inject(int64_t x);
  bool step_datapath();
  void sample_probes(int64_t x);

  const std::vector<PeArrayModel::FoldData>& folds_;
  const EngineIo<Acc>& io_;
  const int64_t R_, C_, L_;
  const bool db_, overlap_;
  const size_t n_, rc_, uC_;

  std::vector<Acc> a_buf_[2], b_buf_[2];
  std::vector<uint32_t> tok_buf_[2];
  std::vector<Acc> acc_, chain_store_;
  std::vector<std::vector<Acc>> pipe_v_;
  std::vector<std::vector<uint8_t>> pipe_f_;
  std::vector<Acc> inj_a_, inj_b_;
  std::vector<uint32_t> inj_tok_;
  std::vector<int64_t> row_busy_, col_busy_;
  std::vector<int64_t> col_drain_;  // D_j of the last fold that used column j
  std::vector<int64_t> col_out_;    // last cycle column j's chain shifted out a value
  std::vector<OsRun> run_;
  std::vector<size_t> active_;
  Acc* chain_;                      // the drain chain: the shadows, or the accumulators
  int64_t pipe_base_ = 0;
  int cur_ = 0;
  size_t next_stream_ = 0;
  uint64_t pending_outputs_ = 0;
  std::vector<PeProbeSample> samples_;

  ArrayTiming timing_;
  CycleLabeller labeller_;
};

template <class Acc>
OsEngine<Acc>::OsEngine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                        const EngineIo<Acc>& io)
    : folds_(folds),
      io_(io),
      R_(array.rows),
      C_(array.cols),
      L_(array.mac_latency_cycles),
      db_(array.double_buffer_stationary),
      overlap_(array.overlap_folds),
      n_(folds.size()),
      rc_(static_cast<size_t>(R_ * C_)),
      uC_(static_cast<size_t>(C_)),
      a_buf_{std::vector<Acc>(rc_), std::vector<Acc>(rc_)},
      b_buf_{std::vector<Acc>(rc_), std::vector<Acc>(rc_)},
      tok_buf_{std::vector<uint32_t>(rc_), std::vector<uint32_t>(rc_)},
      acc_(rc_),
      chain_store_(db_ ? rc_ : 0),
      pipe_v_(static_cast<size_t>(L_ - 1), std::vector<Acc>(rc_)),
      pipe_f_(static_cast<size_t>(L_ - 1), std::vector<uint8_t>(rc_)),
      inj_a_(static_cast<size_t>(R_)),
      inj_b_(uC_),
      inj_tok_(static_cast<size_t>(R_)),
      row_busy_(static_cast<size_t>(R_), kNever),
      col_busy_(uC_, kNever),
      col_drain_(uC_, kNever),
      col_out_(uC_, kNever),
      run_(n_),
      chain_(db_ ? chain_store_.data() : acc_.data()),
      samples_(io.probe_pes ? io.probe_pes->size() : 0),
      labeller_(folds, timing_) {}

template <class Acc>
ArrayTiming OsEngine<Acc>::run() {
  if (n_ == 0) return timing_;
  timing_.folds.resize(n_);
  int64_t x = 0;
  for (;; ++x) {
    start_fold(x);
    if (skip_idle_wait(x)) continue;
    const bool outputs_pending = pending_outputs_ > 0;
    drain(x);
    inject(x);
    const bool any_mac = step_datapath();
    const bool corner_mac = tok_buf_[cur_ ^ 1][0] != 0;
    sample_probes(x);
    labeller_.label(static_cast<uint64_t>(x), corner_mac, any_mac, next_stream_, false, outputs_pending);
    cur_ ^= 1;
    timing_.stepped_cycles++;
    if (next_stream_ == n_ && active_.empty()) {
      ++x;
      break;
    }
  }
  labeller_.finish(static_cast<uint64_t>(x));
  timing_.pe_cycles = timing_.stepped_cycles * static_cast<uint64_t>(R_ * C_);
  return std::move(timing_);
}

// Fold f may start at x when its operands are ready, its rows and columns are free of the
// previous stream, and each column's accumulators can take its first products.
template <class Acc>
bool OsEngine<Acc>::fold_may_start(size_t f, int64_t x) const {
  const auto& fs = folds_[f].shape;
  const int64_t r = static_cast<int64_t>(fs.rows_used), c = static_cast<int64_t>(fs.cols_used);
  const int64_t s = static_cast<int64_t>(fs.stream_len);
  bool ok = x >= static_cast<int64_t>(folds_[f].ready_cycle);
  if (ok && !overlap_ && pending_outputs_ > 0) ok = false;
  for (int64_t i = 0; ok && i < r; ++i) ok = x + i > row_busy_[static_cast<size_t>(i)];
  for (int64_t j = 0; ok && j < c; ++j) {
    const int64_t d = col_drain_[static_cast<size_t>(j)];
    ok = x + j > col_busy_[static_cast<size_t>(j)];
    if (ok && d != kNever) {
      // First landing in row 0 must follow the copy (db) or the column's last shift (single
      // buffer: a landing wins over the shift in the same cycle, and the shift chain is the
      // accumulators); with db the shadow chain must be empty before this fold's copy.
      ok = db_ ? (x + j + L_ - 1 >= d && x + s + r + j + L_ - 2 >= d + R_) : (x + j + L_ - 1 >= d + R_ - 1);
    }
  }
  return ok;
}

template <class Acc>
void OsEngine<Acc>::start_fold(int64_t x) {
  if (next_stream_ >= n_ || !fold_may_start(next_stream_, x)) return;
  const size_t f = next_stream_;
  const auto& fs = folds_[f].shape;
  const int64_t r = static_cast<int64_t>(fs.rows_used), c = static_cast<int64_t>(fs.cols_used);
  const int64_t s = static_cast<int64_t>(fs.stream_len);
  run_[f].S = x;
  for (int64_t i = 0; i < r; ++i) row_busy_[static_cast<size_t>(i)] = x + s - 1 + i;
  for (int64_t j = 0; j < c; ++j) {
    col_busy_[static_cast<size_t>(j)] = x + s - 1 + j;
    col_drain_[static_cast<size_t>(j)] = x + s + r + j + L_ - 2;
  }
  run_[f].outputs_left = fs.rows_used * fs.cols_used;
  pending_outputs_ += run_[f].outputs_left;
  active_.push_back(f);
  timing_.folds[f].start_cycle = timing_.folds[f].load_start_cycle = timing_.folds[f].stream_start_cycle =
      static_cast<uint64_t>(x);
  ++next_stream_;
}

// Nothing in flight and a long wait for operands: skip to the ready cycle (the moving registers
// flush). Sets x to the cycle before it and returns true.
template <class Acc>
bool OsEngine<Acc>::skip_idle_wait(int64_t& x) {
  if (!(active_.empty() && next_stream_ < n_ &&
        static_cast<int64_t>(folds_[next_stream_].ready_cycle) > x + C_ + R_ + L_ + 1))
    return false;
  const int64_t to = static_cast<int64_t>(folds_[next_stream_].ready_cycle);
  labeller_.label_idle(static_cast<uint64_t>(to - x));
  for (int k = 0; k < 2; ++k) {
    std::fill(a_buf_[k].begin(), a_buf_[k].end(), Acc{});
    std::fill(b_buf_[k].begin(), b_buf_[k].end(), Acc{});
    std::fill(tok_buf_[k].begin(), tok_buf_[k].end(), 0u);
  }
  for (auto& v : pipe_v_) std::fill(v.begin(), v.end(), Acc{});
  for (auto& v : pipe_f_) std::fill(v.begin(), v.end(), uint8_t{0});
  x = to - 1;
  return true;
}

// Drains at the start of the cycle: a column's copy reads the accumulators before this cycle's
// products land, and its chain shifts one row out of the bottom edge.
template <class Acc>
void OsEngine<Acc>::drain(int64_t x) {
  for (size_t k = 0; k < active_.size();) {
    const size_t f = active_[k];
    const auto& fd = folds_[f];
    const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
    const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
    for (int64_t j = 0; j < c; ++j) {
      const int64_t d = x - (run_[f].S + s + r + j + L_ - 2);
      if (d < 0 || d >= R_) continue;
      const size_t uj = static_cast<size_t>(j);
      // One bottom register per column: two drains in one cycle would be a structural hazard
      // that sequential code could hide.
      if (col_out_[uj] == x)
        throw InternalError("cycle model: two drains in column " + std::to_string(j) + " at cycle " + std::to_string(x));
      col_out_[uj] = x;
      if (d == 0 && db_) {
        for (size_t q = 0; q < static_cast<size_t>(R_); ++q) chain_[q * uC_ + uj] = acc_[q * uC_ + uj];
      }
      const int64_t row = R_ - 1 - d;
      if (row < r) {
        if (io_.out) io_.out[fd.out_base + row * fd.out_a + j * fd.out_j] += chain_[static_cast<size_t>(R_ - 1) * uC_ + uj];
        --run_[f].outputs_left;
        --pending_outputs_;
      }
      for (size_t q = static_cast<size_t>(R_ - 1); q > 0; --q) chain_[q * uC_ + uj] = chain_[(q - 1) * uC_ + uj];
      chain_[uj] = Acc{};
    }
    if (run_[f].outputs_left == 0) {
      timing_.folds[f].outputs_done_cycle = static_cast<uint64_t>(x + 1);
      active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      ++k;
    }
  }
}

// Operands entering column 0 (A, row i skewed by i) and row 0 (B, column j skewed by j).
template <class Acc>
void OsEngine<Acc>::inject(int64_t x) {
  std::fill(inj_a_.begin(), inj_a_.end(), Acc{});
  std::fill(inj_b_.begin(), inj_b_.end(), Acc{});
  std::fill(inj_tok_.begin(), inj_tok_.end(), 0u);
  for (size_t f : active_) {
    const auto& fd = folds_[f];
    const int64_t r = static_cast<int64_t>(fd.shape.rows_used), c = static_cast<int64_t>(fd.shape.cols_used);
    const int64_t s = static_cast<int64_t>(fd.shape.stream_len);
    for (int64_t i = 0; i < r; ++i) {
      const int64_t k = x - run_[f].S - i;
      if (k < 0 || k >= s) continue;
      const int64_t t = static_cast<int64_t>(static_cast<uint64_t>(k) & fd.t_mask);
      inj_a_[static_cast<size_t>(i)] = to_register<Acc>(fd.strm[t * fd.strm_t + i * fd.strm_i]);
      inj_tok_[static_cast<size_t>(i)] = static_cast<uint32_t>(c) | (k == 0 ? kFirst : 0u);
    }
    for (int64_t j = 0; j < c; ++j) {
      const int64_t k = x - run_[f].S - j;
      if (k < 0 || k >= s) continue;
      const int64_t t = static_cast<int64_t>(static_cast<uint64_t>(k) & fd.t_mask);
      inj_b_[static_cast<size_t>(j)] = to_register<Acc>(fd.strm2[t * fd.strm2_t + j * fd.strm2_j]);
    }
  }
}

// The hot loop: A one column right, B one row down, each PE multiplies and accumulates (through
// the L-1 pipeline stages when L > 1). Returns whether any PE did a real MAC.
template <class Acc>
bool OsEngine<Acc>::step_datapath() {
  const int64_t R = R_, L = L_;
  const size_t uC = uC_;
  const std::vector<Acc>& a_old = a_buf_[cur_];
  std::vector<Acc>& a_new = a_buf_[cur_ ^ 1];
  std::vector<Acc>& b_new = b_buf_[cur_ ^ 1];
  const std::vector<uint32_t>& tok_old = tok_buf_[cur_];
  std::vector<uint32_t>& tok_new = tok_buf_[cur_ ^ 1];
  std::memcpy(b_new.data(), inj_b_.data(), sizeof(Acc) * uC);
  std::memcpy(b_new.data() + uC, b_buf_[cur_].data(), sizeof(Acc) * (rc_ - uC));
  uint32_t any = 0;
  const size_t slot = static_cast<size_t>(pipe_base_);
  for (int64_t q = 0; q < R; ++q) {
    const size_t o = static_cast<size_t>(q) * uC;
    a_new[o] = inj_a_[static_cast<size_t>(q)];
    // Through data(): with one column o + 1 is one past the end (see pe_array_ws.cpp).
    std::memcpy(a_new.data() + o + 1, a_old.data() + o, sizeof(Acc) * (uC - 1));
    uint32_t* __restrict tn = &tok_new[o];
    const uint32_t* __restrict to = &tok_old[o];
    tn[0] = inj_tok_[static_cast<size_t>(q)];
    for (size_t j = 1; j < uC; ++j) {
      const uint32_t v = to[j - 1];
      tn[j] = (v & 0xFFFFu) > 1 ? v - 1 : 0;
    }
    const Acc* __restrict ar = a_new.data() + o;
    const Acc* __restrict br = b_new.data() + o;
    Acc* __restrict accr = acc_.data() + o;
    if (L == 1) {
      uint32_t row_any = 0;  // per row: keeps the reduction in a register
      for (size_t j = 0; j < uC; ++j) {
        const Acc p = static_cast<Acc>(ar[j] * br[j]);
        const Acc sum = static_cast<Acc>(accr[j] + p);
        accr[j] = (tn[j] & kFirst) ? p : sum;
        row_any |= tn[j];
      }
      any |= row_any;
    } else {
      Acc* __restrict pv = pipe_v_[slot].data() + o;
      uint8_t* __restrict pf = pipe_f_[slot].data() + o;
      uint32_t row_any = 0;
      for (size_t j = 0; j < uC; ++j) {
        const Acc land = pv[j];
        const Acc sum = static_cast<Acc>(accr[j] + land);
        accr[j] = pf[j] ? land : sum;
        pv[j] = static_cast<Acc>(ar[j] * br[j]);
        pf[j] = static_cast<uint8_t>((tn[j] & kFirst) ? 1 : 0);
        row_any |= tn[j];
      }
      any |= row_any;
    }
  }
  if (L > 1) pipe_base_ = (pipe_base_ + 1) % (L - 1);
  return any != 0;
}

template <class Acc>
void OsEngine<Acc>::sample_probes(int64_t x) {
  if (!(io_.probe && *io_.probe)) return;
  const std::vector<Acc>& a_new = a_buf_[cur_ ^ 1];
  const std::vector<Acc>& b_new = b_buf_[cur_ ^ 1];
  const std::vector<uint32_t>& tok_new = tok_buf_[cur_ ^ 1];
  for (size_t k = 0; k < samples_.size(); ++k) {
    const auto [pr, pc] = (*io_.probe_pes)[k];
    const size_t o = static_cast<size_t>(pr) * uC_ + pc;
    samples_[k] = {pr, pc, register_value(a_new[o]), register_value(b_new[o]), register_value(acc_[o]), tok_new[o] != 0};
  }
  (*io_.probe)(static_cast<uint64_t>(x), samples_.data(), samples_.size());
}

}  // namespace

template <class Acc>
ArrayTiming run_os_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io) {
  return OsEngine<Acc>(array, folds, io).run();
}

template ArrayTiming run_os_engine<uint32_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint32_t>&);
template ArrayTiming run_os_engine<uint64_t>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                             const EngineIo<uint64_t>&);
template ArrayTiming run_os_engine<float>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,
                                          const EngineIo<float>&);

}  // namespace tpusim::arch::timing
