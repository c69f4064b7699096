#include "arch/matrix/matrix_unit.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "arch/clock_domain.h"
#include "arch/simulate.h"
#include "sim/base/error.h"
#include "sim/base/math.h"

namespace tpusim::arch {

namespace {

/// A labelled interval [begin, end); earlier ones in a list win where they overlap.
struct Span {
  uint64_t begin, end;
  CycleClass cls;
};

/// Adds the cycles of [from, to) to `out`, each by the first span covering it (idle if none),
/// and appends them in order to `timeline` when it is not null (times shifted by `offset`).
void account(uint64_t from, uint64_t to, std::initializer_list<Span> spans, CycleAccount& out,
             ClassTimeline* timeline, uint64_t offset) {
  if (to <= from) return;
  std::array<uint64_t, 12> points{};
  size_t n = 0;
  points[n++] = from;
  points[n++] = to;
  for (const Span& s : spans) {
    TPUSIM_ASSERT(n + 2 <= points.size(), "too many spans");
    points[n++] = std::clamp(s.begin, from, to);
    points[n++] = std::clamp(s.end, from, to);
  }
  std::sort(points.begin(), points.begin() + n);
  for (size_t i = 0; i + 1 < n; ++i) {
    const uint64_t x = points[i], y = points[i + 1];
    if (x == y) continue;
    CycleClass c = CycleClass::idle;
    for (const Span& s : spans)
      if (s.begin <= x && x < s.end) {
        c = s.cls;
        break;
      }
    out[c] += y - x;
    if (timeline) timeline->add(y + offset, c);
  }
}

}  // namespace

MatrixUnit::MatrixUnit(sc_core::sc_module_name name, const ArchConfig& arch, Scoreboard& scoreboard,
                       TraceSink* trace)
    : sc_module(name),
      array_(arch.array),
      traits_(dataflow::traits_of(arch.array.dataflow)),
      scoreboard_(scoreboard),
      trace_(trace),
      pes_(arch.pes()) {
  sequencer_ = std::make_unique<timing::FoldSequencer>(array_);
  if (arch.timing == TimingMode::native && array_.model == ArrayModel::cycle)
    cycle_ = std::make_unique<ArrayCycleRun>(arch);
  float_types_ = arch.datatypes.input == DataType::bf16 || arch.datatypes.input == DataType::fp16 ||
                 arch.datatypes.input == DataType::fp32;
  const BufferConfig* in = arch.buffer_for(BufferRole::inputs);
  if (array_.double_buffer_stationary && array_.preload_shares_ports && in == arch.buffer_for(BufferRole::weights) &&
      traits_.engine() == dataflow::Engine::stationary_operand)
    shared_read_bytes_per_cycle_ = uint64_t{in->ports} * in->bytes_per_cycle_per_port;
  SC_THREAD(run);
  SC_THREAD(replay_vcd);
}

void MatrixUnit::register_stats(stats::Registry& r) {
  const std::string n = name();
  r.add(n + ".folds", stats::Unit::count, "matmul folds (tile operations) executed", &folds_);
  r.add(n + ".macs", stats::Unit::count,
        "MAC slots stepped through: rows_used x cols_used x stream_len per fold (the executed GEMM)", &macs_);
  for (size_t i = 0; i < kCycleClassCount; ++i) {
    const char* c = to_string(static_cast<CycleClass>(i));
    r.add(n + "." + c + "_cycles", stats::Unit::cycles, std::string("cycles of the unit counted as ") + c,
          &cycles_.cycles[i]);
  }
}

void MatrixUnit::begin_layer(uint64_t start_cycle) {
  sequencer_ = std::make_unique<timing::FoldSequencer>(array_);
  // A fresh sequencer starts at mark 0: fast-forward it to the layer start with an empty finish.
  const auto skip = sequencer_->finish(start_cycle);
  TPUSIM_ASSERT(skip.breakdown.total() == start_cycle, "sequencer did not start at the layer start");
  layer_start_ = cycles_;
  raw_layer_start_ = raw_cycles_;
  if (cycle_) cycle_->begin_layer(start_cycle);
}

void MatrixUnit::finish_run(uint64_t end_cycle, uint64_t vector_busy_until) {
  const uint64_t mark = sequencer_->mark();
  const uint64_t active_end = std::max(sequencer_->max_mac_end(), sequencer_->max_outputs_done());
  auto tail = sequencer_->finish(end_cycle);
  // The last folds' skew and drain, then waiting for the last stores.
  CycleAccount a;
  account(mark, tail.array_free_cycle,
          {{mark, active_end, CycleClass::unused_mac}, {mark, vector_busy_until, CycleClass::non_matrix},
           {mark, tail.array_free_cycle, CycleClass::output_stall}},
          a, timeline_enabled_ ? &timeline_ : nullptr, timeline_offset_);
  cycles_ += a;
}

void MatrixUnit::skipped(uint64_t cycles, const CycleAccount& account) {
  if (!timeline_enabled_) return;
  timeline_.add_bulk(account);
  TPUSIM_ASSERT(account.total() == cycles, "a skipped stretch whose classes do not sum to its cycles");
  timeline_offset_ += cycles;
}

CycleAccount MatrixUnit::end_layer(uint64_t end_cycle) {
  auto tail = sequencer_->finish(end_cycle);
  // The last folds' skew and drain keep the array active; waiting after that is for the last
  // stores to reach DRAM.
  const auto& b = tail.breakdown;
  cycles_[CycleClass::unused_mac] += b[CycleCategory::fill] + b[CycleCategory::drain];
  cycles_[CycleClass::output_stall] += b[CycleCategory::idle];
  TPUSIM_ASSERT(b[CycleCategory::fill] + b[CycleCategory::drain] + b[CycleCategory::idle] == b.total(),
                "a layer's tail holds more than skew, drain and waiting");
  if (cycle_) {
    tail.breakdown[CycleCategory::output_stall] += tail.breakdown[CycleCategory::idle];
    tail.breakdown[CycleCategory::idle] = 0;
    raw_cycles_ += tail.breakdown;
    cycle_->end_layer(end_cycle, raw_cycles_.since(raw_layer_start_));
  }
  return cycles_.since(layer_start_);
}


// The cycles from the previous fold's end of compute (mark) to this fold's end of compute, by
// priority: waiting for operands is a stall of the last operand's class; then the array's MACs
// (earlier folds' skew, this fold's skew) are active; then the unhidden stationary shift is
// weight_shift; then results draining through the array are active; anything else is idle. This
// fold's compute window is active. The stall is what the wait cost: how much later the fold's
// stream started than it would have with its operands at hand (`unhindered`, the same sequencer
// with ready 0), placed just before the part of the shift that would have been exposed anyway. So
// a wait hidden behind earlier folds (a double-buffered preload that is still in time) is no
// stall, and a preload that arrives late shows as stall even where the previous fold's skew
// overlaps it (the array waits, whatever else moves in it). Active cycles count as useful_mac for the whole-array cycles the fold's MAC
// steps amount to (macs / (rows x cols), remainders carried to the next fold) and unused_mac for
// the rest.
void MatrixUnit::account_fold(const timing::FoldSchedule& s, uint64_t mark, uint64_t prev_mac_end,
                              uint64_t prev_outputs_done, const timing::FoldSchedule& unhindered, CycleClass cause,
                              uint64_t macs) {
  CycleAccount a;
  const uint64_t ld = s.load_start_cycle, S = s.stream_start_cycle, A = s.anchor_cycle;
  // The stream starts `delay` later than with the operands at hand (u_S); the shift the fold would
  // have exposed anyway (after mark, before u_S) comes after the wait. Waiting never makes a
  // stream start earlier, so S >= u_S, and u_S - exposed >= mark.
  const uint64_t u_S = unhindered.stream_start_cycle;
  TPUSIM_ASSERT(S >= u_S, "a fold started earlier than with its operands at hand");
  const uint64_t exposed = u_S - std::min(u_S, std::max(unhindered.load_start_cycle, mark));
  ClassTimeline* tl = timeline_enabled_ ? &timeline_ : nullptr;
  account(mark, A,
          {{u_S - exposed, S - exposed, cause},
           {mark, prev_mac_end, CycleClass::unused_mac}, {S, A, CycleClass::unused_mac},
           {ld, std::min(ld + array_.rows, S), CycleClass::weight_shift}, {mark, prev_outputs_done, CycleClass::unused_mac}},
          a, tl, timeline_offset_);
  // The compute window [A, A + s): its first cycles count the fold's useful MAC steps.
  const uint64_t window = s.array_free_cycle - A;
  const uint64_t useful = (mac_carry_ + macs) / pes_;
  mac_carry_ = (mac_carry_ + macs) % pes_;
  TPUSIM_ASSERT(useful <= window, "more useful MAC cycles than the fold streams");
  a[CycleClass::useful_mac] += useful;
  a[CycleClass::unused_mac] += window - useful;
  if (tl) {
    tl->add(A + useful + timeline_offset_, CycleClass::useful_mac);
    tl->add(s.array_free_cycle + timeline_offset_, CycleClass::unused_mac);
  }
  cycles_ += a;
}

// The buffer's ports deliver the previous fold's streamed bytes and this fold's stationary bytes
// from the previous stream's start S_p on, at P bytes per cycle: this fold's stream cannot start
// before S_p + ceil((streamed_p + stationary) / P), and its stream starts R cycles after its load
// does (the shift-in), so the load starts no earlier than that minus R.
uint64_t MatrixUnit::shared_port_ready(const Instr& instr) const {
  if (shared_read_bytes_per_cycle_ == 0 || !has_prev_fold_) return 0;
  const uint64_t delivered = prev_stream_start_ + ceil_div(prev_streamed_bytes_ + instr.stationary_read_bytes,
                                                           shared_read_bytes_per_cycle_);
  return delivered > array_.rows ? delivered - array_.rows : 0;
}

void MatrixUnit::run() {
  for (;;) {
    const Instr instr = queue_.pop();
    const uint64_t popped = now_cycles();
    TPUSIM_ASSERT(instr.kind == InstrKind::matmul, "matrix unit got a non-matmul instruction");
    CycleClass cause = CycleClass::idle;
    uint64_t ready = scoreboard_.wait_ready(instr, &cause);
    // The true arrival cycle may lie before now: a double-buffered fold's stationary load starts
    // behind the previous fold, which the sequencer accounts for. Only a late issue by the
    // controller (its queues were full) delays it further.
    if (instr.issue_cycle > ready) {
      ready = instr.issue_cycle;
      cause = CycleClass::idle;
    }
    // A preload sharing the buffer's ports with the previous stream: a weight stall when it binds.
    if (const uint64_t port_ready = shared_port_ready(instr); port_ready > ready) {
      ready = port_ready;
      cause = CycleClass::weight_stall;
    }
    const uint64_t mark = sequencer_->mark();
    const uint64_t prev_mac_end = sequencer_->max_mac_end(), prev_outputs_done = sequencer_->max_outputs_done();
    // Where the fold would have started had its operands been at hand: the same sequencer, ready 0.
    const timing::FoldSchedule unhindered = timing::FoldSequencer(*sequencer_).schedule(instr.fold, 0);
    OpCounters::Scope op_scope(op_counters_, instr.op, {own_counters_});
    auto s = sequencer_->schedule(instr.fold, ready);
    account_fold(s, mark, prev_mac_end, prev_outputs_done, unhindered, cause, instr.macs);
    if (cycle_) {
      cycle_->record(instr.fold, ready, s);
      raw_cycles_ += s.breakdown;  // the closed form's labels, for the stepped model's check
    }
    ++folds_;
    macs_ += instr.macs;
    // A stationary operand has been read into the array once its shift-in ends (the stream
    // starts); a streamed one once its stream has passed (the fold's compute window ends).
    const uint64_t stationary_read = s.stream_start_cycle, streamed_read = s.array_free_cycle;
    const dataflow::GemmOperand stationary = traits_.stationary_operand();
    UnitRecord rec;  // what this fold leaves in the unit: its schedule and the sequencer's maxima
    rec.start = s.start_cycle;
    for (uint64_t c : {popped, ready, s.load_start_cycle, s.stream_start_cycle, s.anchor_cycle, s.mac_end_cycle,
                       s.array_free_cycle, sequencer_->max_mac_end(), sequencer_->max_outputs_done()})
      rec.cycle(c);
    rec.rel(static_cast<int64_t>(cause));
    rec.rel(static_cast<int64_t>(mac_carry_));  // the useful-cycle count's remainder is state too
    prev_stream_start_ = s.stream_start_cycle;  // (in rec above); its bytes are state too
    prev_streamed_bytes_ = instr.streamed_read_bytes;
    has_prev_fold_ = true;
    if (shared_read_bytes_per_cycle_ > 0) rec.rel(static_cast<int64_t>(prev_streamed_bytes_));
    // Only another op waits on a fold itself (its result, kept on chip): a RAW dependency.
    scoreboard_.complete(instr, s.outputs_done_cycle, CycleClass::raw_stall, rec,
                         stationary == dataflow::GemmOperand::a ? stationary_read : streamed_read,
                         stationary == dataflow::GemmOperand::b ? stationary_read : streamed_read);
    if (trace_) trace_->span(TraceLane::array, "fold", s.start_cycle, s.outputs_done_cycle, instr.id, instr.op);
    op_scope.close();
    wait_until(s.array_free_cycle);
  }
}

}  // namespace tpusim::arch

namespace tpusim::arch {

namespace {

/// Rewrites the VCD's time stamps "#t" (t >= offset) as "#(t - offset)", merging a stamp equal
/// to the one before it, so that time t is cycle t of the run.
void shift_vcd_times(const std::string& path, uint64_t offset) {
  std::ifstream in(path);
  if (!in) throw InputError("--vcd " + path + ": cannot read the file back");
  std::ostringstream out;
  std::string line;
  bool have_last = false;
  uint64_t last = 0;
  while (std::getline(in, line)) {
    if (line.size() > 1 && line[0] == '#' && line.find_first_not_of("0123456789", 1) == std::string::npos) {
      uint64_t t = std::stoull(line.substr(1));
      if (t >= offset) t -= offset;
      if (have_last && t == last) continue;
      have_last = true;
      last = t;
      out << '#' << t << '\n';
    } else {
      out << line << '\n';
    }
  }
  in.close();
  std::ofstream w(path, std::ios::trunc);
  w << out.str();
  if (!w) throw InputError("--vcd " + path + ": cannot write the file");
}

}  // namespace

void MatrixUnit::enable_vcd(const std::string& path) {
  TPUSIM_ASSERT(cycle_ != nullptr, "--vcd without the cycle model");
  std::string base = path;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
  // The default time unit is SystemC's resolution, 1 ps: one tick per cycle (arch/clock_domain.h).
  sc_core::sc_report_handler::set_actions("default timescale unit used for tracing", sc_core::SC_DO_NOTHING);
  vcd_ = sc_core::sc_create_vcd_trace_file(base.c_str());  // SystemC appends ".vcd"
  if (!vcd_) throw InputError("--vcd " + path + ": cannot create the file");
  vcd_path_ = base + ".vcd";
  cycle_->enable_probes();
  vcd_pes_.resize(cycle_->probe_pes().size());
  for (size_t k = 0; k < vcd_pes_.size(); ++k) {
    const auto [r, c] = cycle_->probe_pes()[k];
    const std::string pe = std::string(name()) + ".pe_" + std::to_string(r) + "_" + std::to_string(c) + ".";
    VcdPe& v = vcd_pes_[k];
    const dataflow::ProbeNames names = traits_.probe_names();
    if (float_types_) {
      sc_core::sc_trace(vcd_, v.moving, pe + names.moving);
      sc_core::sc_trace(vcd_, v.stationary, pe + names.stationary);
      sc_core::sc_trace(vcd_, v.result, pe + names.result);
    } else {
      sc_core::sc_trace(vcd_, v.moving_int, pe + names.moving, 32);
      sc_core::sc_trace(vcd_, v.stationary_int, pe + names.stationary, 32);
      sc_core::sc_trace(vcd_, v.result_int, pe + names.result, 32);
    }
    sc_core::sc_trace(vcd_, v.valid, pe + "mac");
  }
}

void MatrixUnit::replay_vcd() {
  sc_core::wait(replay_start_);
  const auto& cycles = cycle_->sample_cycles();
  const auto& samples = cycle_->samples();
  const size_t n = vcd_pes_.size();
  for (size_t k = 0; k < cycles.size(); ++k) {
    wait_until(vcd_offset_ + cycles[k]);
    for (size_t p = 0; p < n; ++p) {
      const timing::PeProbeSample& s = samples[k * n + p];
      VcdPe& v = vcd_pes_[p];
      v.moving = s.moving, v.stationary = s.stationary, v.result = s.result, v.valid = s.valid;
      v.moving_int = static_cast<sc_dt::int64>(s.moving);
      v.stationary_int = static_cast<sc_dt::int64>(s.stationary);
      v.result_int = static_cast<sc_dt::int64>(s.result);
    }
  }
  sc_core::wait(sc_core::sc_time::from_value(1));  // the last values are dumped at the next time step
}

void MatrixUnit::write_vcd() {
  TPUSIM_ASSERT(vcd_ != nullptr, "write_vcd without enable_vcd");
  // SystemC time cannot go back: play the samples after the simulated end, then shift the times.
  vcd_offset_ = now_cycles() + 1;
  replay_start_.notify(sc_core::SC_ZERO_TIME);
  simulate();
  sc_core::sc_close_vcd_trace_file(vcd_);
  vcd_ = nullptr;
  shift_vcd_times(vcd_path_, vcd_offset_);
}

}  // namespace tpusim::arch
