// Row-stationary engine of the cycle model (DERIVATION.md, "Row stationary"; Eyeriss: Chen et
// al., ISCA 2016 and JSSC 2017).
//
// A pass (FoldShape::rs) places `bands` PE sets of h rows on rows 0..bands*h-1 and columns
// 0..c-1. Chain position i of set b (0 = its bottom row) is physical row b*h + h-1-i; column j
// of a set computes output row j of its strip. Registers per PE:
//   filt   the filter scratchpad: p filters x q channels x S weights of filter row i, written
//          before the pass starts (the DMA delivered them: the pass's ready cycle)
//   acc    the partial-sum scratchpad: p partial sums of the current output position
//   pc     the PE's program counter (cycles into its pass; idle before the start reaches it)
//   up     an L-stage link to the PE above (or, from the top row, to the global buffer) carrying
//          the PE's finished partial sums; tok, an L-stage link carrying the start signal
// A PE's pass: for each of n x F output positions, Q = q x S MAC cycles in which the ifmap value
// of tap (channel c, column s) meets the p filters in turn (filters innermost: the value is reused
// p times), then p cycles that each add one partial sum from the PE below (the bottom row: from
// the global buffer) to the PE's own and send the sum up. The start signal climbs one row per L
// cycles, so row i of a set runs L cycles behind row i-1 and each partial sum from below arrives
// in the very cycle it is needed; a missing or overwritten partial sum is an internal error, so
// a start rule one cycle too early or too late fails.
//
// One cycle is, in order: the global buffer takes the top rows' finished sums (capture_outputs);
// the controller starts the next pass once the array is empty (start_pass), or a long idle wait
// is skipped (skip_idle_wait); the PEs step, from the top row down so that each reads its link
// from below before that PE writes it again (step_pes); the cycle is probed and labelled.
#include <algorithm>
#include <string>

#include "arch/matrix/cycle_model/pe_array_engine.h"
#include "sim/base/error.h"

namespace tpusim::arch::timing {

namespace {

/// One slot of an L-stage link: a value pushed at `cycle` is read at cycle + L.
template <class Acc>
struct LinkSlot {
  Acc value{};
  uint64_t psum = 0;  ///< index of the partial sum in its PE's sequence
  int64_t cycle = -1;
  bool valid = false;
};

/// Operand values of a pass, drawn from the fold's random pools by a hash of their coordinates
/// (FoldData: stat = weights, strm = ifmap, strm2 = partial sums from the global buffer).
struct RsValues {
  const PeArrayModel::FoldData* d = nullptr;
  uint64_t salt = 0;
  static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    return h * 0xBF58476D1CE4E5B9ULL;
  }
  uint64_t at(uint64_t a, uint64_t b, uint64_t c, uint64_t e, uint64_t g) const {
    const uint64_t h = mix(mix(mix(mix(mix(salt, a), b), c), e), g);
    return (h ^ (h >> 29)) & d->t_mask;
  }
  double weight(uint64_t band, uint64_t f, uint64_t c, uint64_t i, uint64_t s) const {
    return d->stat[at(band, f, c, i, s)];
  }
  double ifmap(uint64_t band, uint64_t n, uint64_t c, uint64_t row, uint64_t col) const {
    return d->strm[at(band ^ 0x100000, n, c, row, col)];
  }
  double psum_in(uint64_t band, uint64_t j, uint64_t k) const { return d->strm2[at(band ^ 0x200000, j, k, 0, 0)]; }
};

/// Where a PE is in its pass: its program counter and the loop indices it decodes to.
struct PeState {
  int64_t pc = -1;              ///< cycles into the pass, -1 idle
  uint64_t w = 0;               ///< cycle within the current output position: p x Q MACs, then p additions
  uint64_t f = 0, ch = 0, s = 0;  ///< MAC: filter, channel, filter column
  uint64_t n = 0, xo = 0;       ///< output row (of the column's n) and position in it
  uint64_t k = 0;               ///< partial sums finished so far
};

/// What a PE did in one cycle (for waveforms).
struct PeProbe {
  double ifmap = 0, weight = 0, psum = 0;
  bool busy = false;
};

template <class Acc>
class RsEngine {
 public:
  RsEngine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds, const EngineIo<Acc>& io);
  ArrayTiming run();

 private:
  bool empty() const { return busy_pes_ == 0 && in_flight_ == 0 && tokens_ == 0; }
  void capture_outputs(int64_t x);
  void start_pass(int64_t x);
  bool skip_idle_wait(int64_t& x);
  void step_pes(int64_t x, bool& corner_busy, bool& any_busy);
  bool step_pe(size_t pe, uint64_t band, uint64_t i, uint64_t j, int64_t x);
  void mac(size_t pe, uint64_t band, uint64_t i, uint64_t j);
  void add_from_below(size_t pe, uint64_t band, uint64_t i, uint64_t j, int64_t x);
  void sample_probes(int64_t x);
  /// PE of chain position i (0 = bottom row) of set `band`, column j.
  size_t pe_at(uint64_t band, uint64_t i, uint64_t j) const {
    return static_cast<size_t>((band * h_ + (h_ - 1 - i)) * static_cast<uint64_t>(C_) + j);
  }

  const std::vector<PeArrayModel::FoldData>& folds_;
  const EngineIo<Acc>& io_;
  const int64_t C_, L_;
  const size_t n_, rc_;

  std::vector<std::vector<Acc>> filt_, acc_;     // per PE: filter and partial-sum scratchpads
  std::vector<PeState> st_;                      // per PE: program counter
  std::vector<std::vector<LinkSlot<Acc>>> up_;   // per PE: link to the PE above, L slots
  std::vector<std::vector<int64_t>> tok_;        // per PE: start signal to the PE above (push cycle, -1 none)
  uint64_t busy_pes_ = 0, in_flight_ = 0, tokens_ = 0;
  size_t cur_ = 0, next_ = 0;                    // the pass in flight, the next to start
  bool running_ = false;
  uint64_t outputs_left_ = 0;
  // The pass in flight: h, p, Q, period p (Q + 1), busy cycles s, its operands.
  uint64_t h_ = 1, p_ = 1, q_ = 1, S_ = 1, Q_ = 1, period_ = 1, s_ = 1, F_ = 1, U_ = 1;
  RsValues values_;
  std::vector<PeProbe> probe_now_;
  std::vector<PeProbeSample> samples_;

  ArrayTiming timing_;
  CycleLabeller labeller_;
};

template <class Acc>
RsEngine<Acc>::RsEngine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                        const EngineIo<Acc>& io)
    : folds_(folds),
      io_(io),
      C_(array.cols),
      L_(array.mac_latency_cycles),
      n_(folds.size()),
      rc_(static_cast<size_t>(array.rows) * array.cols),
      filt_(rc_),
      acc_(rc_),
      st_(rc_),
      up_(rc_, std::vector<LinkSlot<Acc>>(static_cast<size_t>(L_))),
      tok_(rc_, std::vector<int64_t>(static_cast<size_t>(L_), -1)),
      probe_now_(rc_),
      samples_(io.probe_pes ? io.probe_pes->size() : 0),
      labeller_(folds, timing_) {}

template <class Acc>
ArrayTiming RsEngine<Acc>::run() {
  if (n_ == 0) return timing_;
  timing_.folds.resize(n_);
  int64_t x = 0;
  for (;; ++x) {
    capture_outputs(x);
    if (next_ == n_ && !running_) break;  // the last sum is in: x is the total
    start_pass(x);
    if (skip_idle_wait(x)) continue;
    const bool outputs_pending = in_flight_ > 0;  // sums in the links at the start of the cycle
    bool corner_busy = false, any_busy = false;
    step_pes(x, corner_busy, any_busy);
    sample_probes(x);
    labeller_.label(static_cast<uint64_t>(x), corner_busy, any_busy, next_, false, outputs_pending);
    timing_.stepped_cycles++;
  }
  labeller_.finish(static_cast<uint64_t>(x));
  timing_.pe_cycles = timing_.stepped_cycles * static_cast<uint64_t>(rc_);
  return std::move(timing_);
}

// The global buffer takes, at the start of cycle x, every sum the top rows pushed L cycles ago.
// The pass is done when its last one is in: that is its outputs_done_cycle (the sum left the
// array at the end of x - 1).
template <class Acc>
void RsEngine<Acc>::capture_outputs(int64_t x) {
  if (!running_) return;
  const auto& fd = folds_[cur_];
  const RsPass& p = fd.shape.rs;
  const uint64_t c = fd.shape.cols_used, P = p.psums();
  const size_t slot = static_cast<size_t>(x % L_);
  for (uint64_t band = 0; band < p.bands; ++band) {
    for (uint64_t j = 0; j < c; ++j) {
      LinkSlot<Acc>& s = up_[pe_at(band, h_ - 1, j)][slot];
      if (!s.valid) continue;
      if (s.cycle + L_ != x) throw InternalError("cycle model (rs): a partial sum waited in the top link");
      if (io_.out) io_.out[fd.out_base + static_cast<int64_t>((band * c + j) * P + s.psum)] = s.value;
      s.valid = false;
      --in_flight_;
      --outputs_left_;
    }
  }
  if (outputs_left_ == 0) {
    if (!empty()) throw InternalError("cycle model (rs): the pass's last sum left with the array still busy");
    timing_.folds[cur_].outputs_done_cycle = static_cast<uint64_t>(x);
    running_ = false;
  }
}

// A pass starts once its operands are ready and the array is empty: no PE busy, no start signal
// or partial sum in any link. Its filters are written into the scratchpads and the bottom row of
// every set starts at once.
template <class Acc>
void RsEngine<Acc>::start_pass(int64_t x) {
  if (running_ || next_ >= n_ || x < static_cast<int64_t>(folds_[next_].ready_cycle) || !empty()) return;
  cur_ = next_++;
  running_ = true;
  const auto& fd = folds_[cur_];
  const RsPass& p = fd.shape.rs;
  h_ = p.filter_rows, p_ = p.filters, q_ = p.channels, S_ = p.filter_cols, Q_ = p.macs_per_psum();
  period_ = p_ * (Q_ + 1), s_ = fd.shape.stream_len, F_ = p.row_length, U_ = p.stride;
  values_ = RsValues{&fd, 0x5EED0000ULL + cur_};
  const uint64_t c = fd.shape.cols_used;
  for (uint64_t band = 0; band < p.bands; ++band) {
    for (uint64_t i = 0; i < h_; ++i) {
      for (uint64_t j = 0; j < c; ++j) {
        const size_t pe = pe_at(band, i, j);
        filt_[pe].resize(p_ * Q_);
        for (uint64_t f = 0; f < p_; ++f)
          for (uint64_t ch = 0; ch < q_; ++ch)
            for (uint64_t s = 0; s < S_; ++s)
              filt_[pe][(f * q_ + ch) * S_ + s] = to_register<Acc>(values_.weight(band, f, ch, i, s));
        acc_[pe].assign(p_, Acc{});
        st_[pe] = PeState{};
        if (i == 0) {
          st_[pe].pc = 0;
          ++busy_pes_;
        }
      }
    }
  }
  outputs_left_ = uint64_t{p.bands} * c * p.psums();
  FoldSchedule& t = timing_.folds[cur_];
  t.start_cycle = t.load_start_cycle = t.stream_start_cycle = static_cast<uint64_t>(x);
}

// Nothing in flight and a long wait for the next pass's operands: skip to its ready cycle.
template <class Acc>
bool RsEngine<Acc>::skip_idle_wait(int64_t& x) {
  if (running_ || next_ >= n_ || static_cast<int64_t>(folds_[next_].ready_cycle) <= x + L_ + 1) return false;
  const int64_t to = static_cast<int64_t>(folds_[next_].ready_cycle);
  labeller_.label_idle(static_cast<uint64_t>(to - x));
  x = to - 1;
  return true;
}

template <class Acc>
void RsEngine<Acc>::step_pes(int64_t x, bool& corner_busy, bool& any_busy) {
  if (!running_) return;
  const auto& fd = folds_[cur_];
  const uint64_t bands = fd.shape.rs.bands, c = fd.shape.cols_used;
  for (uint64_t band = 0; band < bands; ++band) {
    for (uint64_t i = h_; i-- > 0;) {  // top row first: it reads its link before the PE below writes it
      for (uint64_t j = 0; j < c; ++j) {
        const bool busy = step_pe(pe_at(band, i, j), band, i, j, x);
        any_busy = any_busy || busy;
        if (band == 0 && i + 1 == h_ && j == 0) corner_busy = busy;
      }
    }
  }
}

// One cycle of one PE: take the start signal if it arrives, then a MAC or a partial-sum
// addition. Returns whether the PE was busy.
template <class Acc>
bool RsEngine<Acc>::step_pe(size_t pe, uint64_t band, uint64_t i, uint64_t j, int64_t x) {
  PeState& st = st_[pe];
  probe_now_[pe] = PeProbe{};
  const size_t slot = static_cast<size_t>(x % L_);
  if (st.pc < 0) {
    if (i == 0) return false;  // the bottom row starts with the pass
    int64_t& t = tok_[pe_at(band, i - 1, j)][slot];
    if (t < 0) return false;
    if (t + L_ != x) throw InternalError("cycle model (rs): a start signal waited in its link");
    t = -1;
    --tokens_;
    st.pc = 0;
    ++busy_pes_;
  }
  if (st.pc == 0 && i + 1 < h_) {  // the start climbs to the PE above
    int64_t& t = tok_[pe][slot];
    if (t >= 0) throw InternalError("cycle model (rs): a start signal overwritten in its link");
    t = x;
    ++tokens_;
  }
  if (st.w < p_ * Q_) {
    mac(pe, band, i, j);
    if (++st.f == p_) {  // filters innermost, then the filter row's columns, then channels
      st.f = 0;
      if (++st.s == S_) st.s = 0, ++st.ch;
    }
  } else {
    add_from_below(pe, band, i, j, x);
    ++st.k;
  }
  if (++st.w == period_) {  // the next output position
    st.w = 0, st.ch = 0;
    if (++st.xo == F_) st.xo = 0, ++st.n;
  }
  if (static_cast<uint64_t>(++st.pc) == s_) {
    st.pc = -1;
    --busy_pes_;
  }
  probe_now_[pe].busy = true;
  return true;
}

// The ifmap value of tap (channel, column) of the PE's row meets filter f. The PE of chain
// position i in column j reads ifmap row j U + i: the set's diagonals.
template <class Acc>
void RsEngine<Acc>::mac(size_t pe, uint64_t band, uint64_t i, uint64_t j) {
  const PeState& st = st_[pe];
  const Acc in = to_register<Acc>(values_.ifmap(band, st.n, st.ch, j * U_ + i, st.xo * U_ + st.s));
  const Acc wt = filt_[pe][(st.f * q_ + st.ch) * S_ + st.s];
  acc_[pe][st.f] = static_cast<Acc>(acc_[pe][st.f] + static_cast<Acc>(in * wt));
  probe_now_[pe].ifmap = register_value(in);
  probe_now_[pe].weight = register_value(wt);
}

// Adds the partial sum of the same output from the PE below (the bottom row: from the global
// buffer, the earlier channel groups' sum) to the PE's own and sends the sum up.
template <class Acc>
void RsEngine<Acc>::add_from_below(size_t pe, uint64_t band, uint64_t i, uint64_t j, int64_t x) {
  const PeState& st = st_[pe];
  const uint64_t f = st.w - p_ * Q_;
  const size_t slot = static_cast<size_t>(x % L_);
  Acc below;
  if (i == 0) {
    below = to_register<Acc>(values_.psum_in(band, j, st.k));
  } else {
    LinkSlot<Acc>& s = up_[pe_at(band, i - 1, j)][slot];
    if (!s.valid || s.cycle + L_ != x || s.psum != st.k)
      throw InternalError("cycle model (rs): the partial sum from below is not there at cycle " + std::to_string(x));
    below = s.value;
    s.valid = false;
    --in_flight_;
  }
  LinkSlot<Acc>& out = up_[pe][slot];
  if (out.valid) throw InternalError("cycle model (rs): a partial sum overwritten in its link");
  out = {static_cast<Acc>(below + acc_[pe][f]), st.k, x, true};
  ++in_flight_;
  acc_[pe][f] = Acc{};
  probe_now_[pe].psum = register_value(out.value);
}

template <class Acc>
void RsEngine<Acc>::sample_probes(int64_t x) {
  if (!(io_.probe && *io_.probe)) return;
  for (size_t k = 0; k < samples_.size(); ++k) {
    const auto [pr, pc] = (*io_.probe_pes)[k];
    const PeProbe& p = probe_now_[static_cast<size_t>(pr) * static_cast<size_t>(C_) + pc];
    samples_[k] = {pr, pc, p.ifmap, p.weight, p.psum, p.busy};
  }
  (*io_.probe)(static_cast<uint64_t>(x), samples_.data(), samples_.size());
}

}  // namespace

template <class Acc>
ArrayTiming run_rs_engine(const ArrayConfig& array, const std::vector<PeArrayModel::FoldData>& folds,
                          const EngineIo<Acc>& io) {
  return RsEngine<Acc>(array, folds, io).run();
}

template <class Acc>
bool rs_pass_matches_reference(const PeArrayModel::FoldData& d, uint64_t pass, const Acc* out) {
  const RsPass& p = d.shape.rs;
  const RsValues v{&d, 0x5EED0000ULL + pass};
  const uint64_t c = d.shape.cols_used, P = p.psums();
  for (uint64_t band = 0; band < p.bands; ++band) {
    for (uint64_t j = 0; j < c; ++j) {
      for (uint64_t k = 0; k < P; ++k) {
        const uint64_t f = k % p.filters, pos = k / p.filters;
        const uint64_t n = pos / p.row_length, xo = pos % p.row_length;
        Acc sum = to_register<Acc>(v.psum_in(band, j, k));
        for (uint64_t i = 0; i < p.filter_rows; ++i) {  // up the chain: sum = below + own
          Acc own{};
          for (uint64_t ch = 0; ch < p.channels; ++ch)
            for (uint64_t s = 0; s < p.filter_cols; ++s)
              own = static_cast<Acc>(own + static_cast<Acc>(to_register<Acc>(v.ifmap(band, n, ch, j * p.stride + i,
                                                                                    xo * p.stride + s)) *
                                                            to_register<Acc>(v.weight(band, f, ch, i, s))));
          sum = static_cast<Acc>(sum + own);
        }
        if (!(out[d.out_base + static_cast<int64_t>((band * c + j) * P + k)] == sum)) return false;
      }
    }
  }
  return true;
}

#define TPUSIM_RS_ENGINE(Acc)                                                                                      \
  template ArrayTiming run_rs_engine<Acc>(const ArrayConfig&, const std::vector<PeArrayModel::FoldData>&,         \
                                          const EngineIo<Acc>&);                                                   \
  template bool rs_pass_matches_reference<Acc>(const PeArrayModel::FoldData&, uint64_t, const Acc*);
TPUSIM_RS_ENGINE(uint32_t)
TPUSIM_RS_ENGINE(uint64_t)
TPUSIM_RS_ENGINE(float)
#undef TPUSIM_RS_ENGINE

}  // namespace tpusim::arch::timing
