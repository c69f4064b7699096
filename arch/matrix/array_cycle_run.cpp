#include "arch/matrix/array_cycle_run.h"

#include <algorithm>
#include <string>

#include "sim/base/error.h"

namespace tpusim::arch {

namespace {

std::string mismatch(size_t fold, const char* what, uint64_t stepped, uint64_t analytic) {
  return "internal error: fold " + std::to_string(fold) + " of the layer: the cycle model's " + what + " is " +
         std::to_string(stepped) + ", the closed form's " + std::to_string(analytic);
}

}  // namespace

ArrayCycleRun::ArrayCycleRun(const ArchConfig& arch)
    : array_(arch.array), types_{arch.datatypes.input, arch.datatypes.weight, arch.datatypes.accumulator, false} {
  // The runner rejects unsupported types with the file and pointer; this is a second line.
  timing::PeArrayModel check(array_, types_);
  (void)check;
}

void ArrayCycleRun::begin_layer(uint64_t start_cycle) {
  start_cycle_ = start_cycle;
  records_.clear();
}

void ArrayCycleRun::record(const timing::FoldShape& fold, uint64_t ready_cycle, const timing::FoldSchedule& analytic) {
  records_.push_back({fold, ready_cycle, analytic});
}

void ArrayCycleRun::enable_probes() {
  const uint32_t R = array_.rows, C = array_.cols;
  for (auto pe : {std::pair<uint32_t, uint32_t>{0, 0}, {0, C - 1}, {R - 1, 0}, {R - 1, C - 1}}) {
    if (std::find(probe_pes_.begin(), probe_pes_.end(), pe) == probe_pes_.end()) probe_pes_.push_back(pe);
  }
}

void ArrayCycleRun::end_layer(uint64_t end_cycle, const CycleBreakdown& analytic) {
  const uint64_t layer = layer_index_++;
  if (records_.empty()) return;
  std::vector<timing::FoldShape> shapes;
  std::vector<uint64_t> ready;
  shapes.reserve(records_.size());
  ready.reserve(records_.size());
  for (const Record& r : records_) {
    shapes.push_back(r.fold);
    ready.push_back(std::max(r.ready_cycle, start_cycle_) - start_cycle_);  // the layer starts at 0
  }
  timing::PeArrayModel model(array_, types_);
  if (!probe_pes_.empty()) {
    const size_t n = probe_pes_.size();
    model.set_probe(probe_pes_, [this, n](uint64_t cycle, const timing::PeProbeSample* s, size_t count) {
      TPUSIM_ASSERT(count == n, "probe sample count");
      if (!sample_cycles_.empty()) {
        const timing::PeProbeSample* last = &samples_[samples_.size() - n];
        bool same = true;
        for (size_t k = 0; k < n && same; ++k)
          same = last[k].moving == s[k].moving && last[k].stationary == s[k].stationary &&
                 last[k].result == s[k].result && last[k].valid == s[k].valid;
        if (same) return;
      }
      sample_cycles_.push_back(start_cycle_ + cycle);
      samples_.insert(samples_.end(), s, s + n);
    });
  }
  // Deterministic pseudo-random operands of the configured types; each fold's output tile is
  // checked against its own reference when /array/verify_results (InternalError otherwise).
  const timing::ArrayTiming t = model.run_folds(shapes, ready, 1 + layer);
  stepped_pe_cycles_ += t.pe_cycles;

  CycleBreakdown out;
  for (size_t f = 0; f < records_.size(); ++f) {
    const timing::FoldSchedule& a = records_[f].analytic;
    const timing::FoldSchedule& c = t.folds[f];
    auto same = [&](const char* what, uint64_t stepped, uint64_t closed) {
      if (start_cycle_ + stepped != closed) throw InternalError(mismatch(f, what, start_cycle_ + stepped, closed));
    };
    same("load start", c.load_start_cycle, a.load_start_cycle);
    same("stream start", c.stream_start_cycle, a.stream_start_cycle);
    same("anchor", c.anchor_cycle, a.anchor_cycle);
    same("end of compute", c.array_free_cycle, a.array_free_cycle);
    same("last output", c.outputs_done_cycle, a.outputs_done_cycle);
    if (!(c.breakdown.cycles == a.breakdown.cycles))
      throw InternalError("internal error: fold " + std::to_string(f) +
                          " of the layer: the cycle model labels its cycles differently from the closed form");
    out += c.breakdown;
  }
  // After the last compute window: the stepped tail, then waiting for the last stores.
  CycleBreakdown tail = t.tail;
  const uint64_t end = std::max(end_cycle, start_cycle_ + t.total_cycles);
  tail[CycleCategory::idle] += end - (start_cycle_ + t.total_cycles);
  tail[CycleCategory::output_stall] += tail[CycleCategory::idle];
  tail[CycleCategory::idle] = 0;
  out += tail;
  if (!(out.cycles == analytic.cycles))
    throw InternalError("internal error: the cycle model's layer breakdown differs from the closed form's");
}

}  // namespace tpusim::arch
