#include "sim/mapper/rs_plan.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/mapper/sparsity.h"
#include "sim/spec/json_reader.h"

namespace tpusim::mapper {

namespace {

/// A matrix layer as a convolution per group (a GEMM: a 1x1 convolution over one row).
struct ConvView {
  uint64_t R = 1, S = 1, U = 1, U_h = 1, E = 1, F = 1, C = 1, M = 1, batch = 1;
};

ConvView conv_view(const Layer& l) {
  ConvView v;
  if (l.op == OpKind::conv2d) {
    const ConvParams& c = l.conv;
    v.R = c.kernel_h, v.S = c.kernel_w, v.U = c.stride_w, v.U_h = c.stride_h;
    v.E = c.out_h(), v.F = c.out_w(), v.C = c.in_c / c.groups, v.M = c.out_c / c.groups, v.batch = c.batch;
  } else {
    v.F = l.gemm.m, v.C = l.gemm.k, v.M = l.gemm.n;
  }
  TPUSIM_ASSERT(v.batch * v.E * v.F == l.gemm.m && v.C * v.R * v.S == l.gemm.k && v.M == l.gemm.n,
                "a layer's convolution view disagrees with its GEMM");
  return v;
}

/// The folds of one loop: `full` chunks of `size` and, if `last` > 0, one of `last`.
struct Chunks {
  uint64_t full = 0, size = 0, last = 0;
  uint64_t count() const { return full + (last > 0 ? 1 : 0); }
};
Chunks chunks(uint64_t extent, uint64_t tile) { return {extent / tile, tile, extent % tile}; }

/// sum over the loop's folds of f(extent).
template <class Fn>
double sum_over(const Chunks& c, Fn f) {
  double s = c.full > 0 ? static_cast<double>(c.full) * static_cast<double>(f(c.size)) : 0.0;
  if (c.last > 0) s += static_cast<double>(f(c.last));
  return s;
}

/// The distinct values ceil(total / g) for g = 1..total that are at most `limit`, ascending:
/// the smallest chunk size for each number of chunks (a larger size with as many chunks only
/// pads them). O(sqrt(total)): ceil(total / g) = s for g up to ceil(total / (s - 1)) - 1.
std::vector<uint64_t> split_sizes(uint64_t total, uint64_t limit) {
  std::vector<uint64_t> out;
  for (uint64_t g = 1; g <= total;) {
    const uint64_t s = ceil_div(total, g);
    if (s <= limit) out.push_back(s);
    if (s == 1) break;
    g = ceil_div(total, s - 1);  // the first g with a smaller size
  }
  std::reverse(out.begin(), out.end());
  return out;
}

/// Runs of a row's outputs per pass: the whole row, or halves, quarters, ... (a long GEMM row
/// whose partial sums would not fit the buffers otherwise).
std::vector<uint64_t> position_runs(uint64_t F) {
  std::vector<uint64_t> out;
  for (uint64_t d = 1; d <= F; d *= 2) out.push_back(ceil_div(F, d));
  std::reverse(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Sets of e output rows that fit in the array's bands of R rows.
uint64_t max_sets(const ArchConfig& arch, uint64_t R, uint64_t e) {
  const uint64_t bands = arch.array.rows / R;
  if (e <= arch.array.cols) return bands * (arch.array.cols / e);
  return bands / ceil_div(e, arch.array.cols);
}

/// The global-buffer traffic per cycle of a full pass fits the buffers' ports: per output
/// position (p (Q + 1) cycles) each channel group's diagonals take U new ifmap values per
/// channel, and every column's p partial sums come in and go out.
bool ports_fit(const ArchConfig& arch, const ConvView& v, const RsMapping& m) {
  const arch::timing::FoldShape full = m.pass(m.k_tile(), m.n_tile(), m.m_tile());
  const auto& rp = full.rs;
  const uint64_t period = uint64_t{rp.filters} * (rp.macs_per_psum() + 1);
  const uint64_t sets = m.sets(m.k_tile(), m.n_tile()), e = m.rows_per_set(m.m_tile());
  const uint64_t channel_sets = std::min(m.r, ceil_div(m.k_tile() / (v.R * v.S), rp.channels));
  const uint64_t ifmap_values = channel_sets * rp.channels * ((e - 1) * v.U_h + v.R) * std::min(v.U, v.S);
  const uint64_t psums = sets * e * rp.filters * 2;
  const BufferConfig* in = arch.buffer_for(BufferRole::inputs);
  const BufferConfig* acc = arch.buffer_for(BufferRole::accumulators);
  if (!acc) acc = arch.buffer_for(BufferRole::outputs);
  const auto bw = [](const BufferConfig* b) { return b->ports * b->bytes_per_cycle_per_port; };
  const uint64_t in_bytes = bytes_for(arch.datatypes.input, ifmap_values);
  const uint64_t ps_bytes = bytes_for(arch.datatypes.accumulator, psums);
  if (in == acc) return in_bytes + ps_bytes <= bw(in) * period;
  return in_bytes <= bw(in) * period && ps_bytes <= bw(acc) * period;
}

/// A mapping and the GEMM plan of its tiles (before the loop order is chosen).
struct RsCandidate {
  RsMapping map;
  GemmPlan plan;
  uint64_t busy = 0;  ///< rs_busy_cycles
};

/// The plan of a mapping's tiles: `base` holds the layer's GEMM and byte scales.
GemmPlan tiled(const GemmPlan& base, const RsMapping& m) {
  GemmPlan p = base;
  p.rs = m;
  // A pass may hold more sets than the layer has channel or filter groups left (r q > C): its
  // tiles are at most the layer's extents (whole channels either way, K = C R S).
  p.tile_rows = std::min(m.k_tile(), p.dims.sr), p.tile_cols = std::min(m.n_tile(), p.dims.sc);
  p.tile_t = std::min(m.m_tile(), p.dims.t);
  p.row_folds = ceil_div(p.dims.sr, p.tile_rows);
  p.col_folds = ceil_div(p.dims.sc, p.tile_cols);
  p.t_chunks = ceil_div(p.dims.t, p.tile_t);
  return p;
}

/// Every mapping the scratchpads, the array and the buffers' ports allow (see rs_plan.h).
std::vector<RsCandidate> candidates(const ArchConfig& arch, const Layer& layer, const ConvView& v,
                                    const GemmPlan& base) {
  const RowStationaryConfig& spad = arch.array.row_stationary;
  std::vector<RsCandidate> out;
  RsMapping m;
  m.filter_rows = v.R, m.filter_cols = v.S, m.stride = v.U, m.out_rows = v.E, m.out_cols = v.F;
  m.array_rows = arch.array.rows, m.array_cols = arch.array.cols;
  const uint64_t q_max = std::min<uint64_t>(v.C, spad.ifmap_spad_words / v.S);
  for (uint64_t e : split_sizes(v.E, v.E)) {
    const uint64_t cap = max_sets(arch, v.R, e);
    for (uint64_t n : split_sizes(v.batch, v.batch)) {
      std::vector<uint64_t> positions{v.F};
      if (e == 1 && n == 1) positions = position_runs(v.F);  // a row may be cut into runs
      for (uint64_t q : split_sizes(v.C, q_max)) {
        const uint64_t p_max = std::min<uint64_t>({v.M, spad.psum_spad_words, spad.filter_spad_words / (q * v.S)});
        for (uint64_t p : split_sizes(v.M, p_max)) {
          // Sets: as many as fit, split between channel groups (r) and filter groups (t); a
          // set beyond the groups there are maps nothing.
          const uint64_t r_max = std::min(cap, ceil_div(v.C, q)), t_max = ceil_div(v.M, p);
          for (uint64_t r = 1; r <= r_max; ++r) {
            const uint64_t t = std::min(cap / r, t_max);
            // Only maximal splits: one more channel group of t sets would not fit.
            if (t == 0 || (r < r_max && (r + 1) * t <= cap)) continue;
            {
              for (uint64_t pos : positions) {
                m.q = q, m.p = p, m.r = r, m.t = t, m.e = e, m.n = n, m.positions = pos;
                if (layer.pin.stream_tile && std::min(m.m_tile(), base.dims.t) != layer.pin.stream_tile) continue;
                if (!ports_fit(arch, v, m)) continue;
                RsCandidate c{m, tiled(base, m), 0};
                c.busy = rs_busy_cycles(arch, c.plan);
                out.push_back(std::move(c));
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/// The time the planner minimises (rs_plan.h): the passes' busy cycles plus the filter loads
/// they wait for, or the DRAM traffic's bus time if longer.
uint64_t estimated_cycles(const ArchConfig& arch, const GemmPlan& p, uint64_t busy) {
  const double bytes_per_cycle = arch.dram_bytes_per_cycle();
  const uint64_t traffic = p.est_dram_read_bytes + p.est_dram_write_bytes;
  const double dram = static_cast<double>(traffic) / bytes_per_cycle;
  double loads = 0;
  if (!arch.buffer_for(BufferRole::weights)->double_buffered) {
    const bool b_inner = p.position(p.reuse_loop_b()) == 2;
    const uint64_t b_mult = (p.keep_b || b_inner) ? 1 : p.loop_count(p.reuse_loop_b());
    const double fetches = static_cast<double>(p.gemm.count * p.row_folds * p.col_folds * b_mult);
    loads = static_cast<double>(p.gemm.count * p.weight_bytes * b_mult) / bytes_per_cycle +
            fetches * static_cast<double>(arch.dram_latency_cycles());
  }
  return static_cast<uint64_t>(std::max(static_cast<double>(busy) + loads, dram));
}

[[noreturn]] void refuse(const Layer& layer, const std::string& key, const std::string& why) {
  config::fail_at(layer.file, layer.pointer + key, why);
}

void check_layer(const ArchConfig& arch, const Layer& layer, const ConvView& v) {
  const RowStationaryConfig& spad = arch.array.row_stationary;
  if (arch.array.macs_per_pe_per_cycle != 1)
    config::fail_at(arch.file, "/array/macs_per_pe_per_cycle",
                    fmt::format("row stationary runs one MAC per PE per cycle, got {}", arch.array.macs_per_pe_per_cycle));
  if (v.R > arch.array.rows)
    refuse(layer, "/kernel_h",
           fmt::format("row stationary puts each of the filter's {} rows on a PE row; {} has {} (/array/rows)", v.R,
                       arch.file, arch.array.rows));
  if (v.S > spad.ifmap_spad_words || v.S > spad.filter_spad_words)
    refuse(layer, "/kernel_w",
           fmt::format("row stationary keeps a filter row of {} weights and its ifmap window in one PE; {} holds {} "
                       "(/array/row_stationary/ifmap_spad_words)",
                       v.S, arch.file, std::min(spad.ifmap_spad_words, spad.filter_spad_words)));
}

}  // namespace

uint64_t rs_busy_cycles(const ArchConfig& arch, const GemmPlan& p) {
  TPUSIM_ASSERT(p.rs.has_value(), "rs_busy_cycles of a plan without a row-stationary mapping");
  const RsMapping& m = *p.rs;
  const Chunks k = chunks(p.dims.sr, p.tile_rows), c = chunks(p.dims.sc, p.tile_cols), t = chunks(p.dims.t, p.tile_t);
  // A pass's busy cycles n' F' p' (q' S + 1) are a product of one factor per loop.
  const double rows = sum_over(t, [&](uint64_t x) { return m.pass(m.k_tile(), 1, x).rs.rows_per_column *
                                                            m.pass(m.k_tile(), 1, x).rs.row_length; });
  const double filters = sum_over(c, [&](uint64_t x) { return m.pass(m.k_tile(), x, m.m_tile()).rs.filters; });
  const double per_psum = sum_over(k, [&](uint64_t x) { return m.pass(x, 1, m.m_tile()).rs.macs_per_psum() + 1; });
  const uint64_t folds = k.count() * c.count() * t.count();
  const uint64_t between = m.filter_rows * arch.array.mac_latency_cycles - 1;
  return p.gemm.count * (static_cast<uint64_t>(rows * filters * per_psum) + folds * between);
}

double rs_mapping_efficiency(const ArchConfig& arch, const GemmPlan& p) {
  const RsMapping& m = *p.rs;
  const Chunks k = chunks(p.dims.sr, p.tile_rows), c = chunks(p.dims.sc, p.tile_cols), t = chunks(p.dims.t, p.tile_t);
  // PEs of a pass: r' t' e' R, again one factor per loop; the mean over folds is their product.
  const double r = sum_over(k, [&](uint64_t x) { return m.sets(x, 1); }) / static_cast<double>(k.count());
  const double tt = sum_over(c, [&](uint64_t x) { return m.sets(m.k_tile(), x) / m.sets(m.k_tile(), 1); }) /
                    static_cast<double>(c.count());
  const double e = sum_over(t, [&](uint64_t x) { return m.rows_per_set(x); }) / static_cast<double>(t.count());
  return r * tt * e * static_cast<double>(m.filter_rows) / (static_cast<double>(arch.array.rows) * arch.array.cols);
}

GemmPlan plan_rs(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx) {
  const ConvView v = conv_view(layer);
  check_layer(arch, layer, v);
  GemmPlan base;
  base.context = ctx;
  const EffectiveGemm executed = effective_gemm(arch, layer);
  base.gemm = executed.executed;
  base.dense_k = layer.gemm.k;
  base.weight_bytes = executed.weight_bytes / layer.gemm.count;
  base.dataflow = arch.array.dataflow;
  base.dims = map_dims(base.dataflow, base.gemm);
  base.a_footprint = layer.op == OpKind::conv2d
                         ? std::min(layer.gemm.m * layer.gemm.k, v.batch * layer.conv.in_h * layer.conv.in_w * v.C)
                         : layer.gemm.m * layer.gemm.k;

  std::vector<RsCandidate> all = candidates(arch, layer, v, base);
  if (all.empty()) {
    const BufferConfig* in = arch.buffer_for(BufferRole::inputs);
    config::fail_at(arch.file, "/buffers/" + config::pointer_escape(in->name) + "/ports",
                    fmt::format("no row-stationary pass of layer \"{}\" keeps its global-buffer traffic within the "
                                "ports ({} x {} B/cycle)",
                                layer.name, in->ports, in->bytes_per_cycle_per_port));
  }
  // The cheapest in busy cycles first (ties keep the enumeration order): busy cycles bound the
  // estimate from below, so no later mapping beats a best found at or below them.
  std::stable_sort(all.begin(), all.end(), [](const RsCandidate& a, const RsCandidate& b) { return a.busy < b.busy; });
  // Every mapping whose busy cycles are within the slack of the fastest estimate so far is
  // evaluated; the least DRAM traffic among those whose estimate is within it wins (slack 0: the
  // fastest, ties by least traffic), ties by the smaller estimate, then the enumeration order.
  const double slack = 1.0 + arch.array.row_stationary.time_slack;
  struct Evaluated {
    GemmPlan plan;
    uint64_t est, traffic;
  };
  std::vector<Evaluated> done;
  uint64_t fastest = 0, evaluated = 0;
  const auto bound = [&] { return static_cast<uint64_t>(static_cast<double>(fastest) * slack); };
  for (const RsCandidate& c : all) {
    if (!done.empty() && c.busy > bound()) break;
    if (++evaluated > kMaxRsEvaluated) break;
    std::optional<GemmPlan> q = best_loop_order(arch, layer, c.plan);
    if (!q) continue;
    const uint64_t est = estimated_cycles(arch, *q, c.busy);
    if (done.empty() || est < fastest) fastest = est;
    done.push_back({*q, est, q->est_dram_read_bytes + q->est_dram_write_bytes});
  }
  std::optional<GemmPlan> best;
  uint64_t best_est = 0, best_traffic = 0;
  for (const Evaluated& e : done) {
    if (e.est > bound()) continue;
    if (!best || e.traffic < best_traffic || (e.traffic == best_traffic && e.est < best_est)) {
      best = e.plan;
      best_est = e.est;
      best_traffic = e.traffic;
    }
  }
  if (!best) {
    if (ctx.inputs_on_chip || ctx.outputs_stay) throw NoFit{};
    const BufferConfig* in = arch.buffer_for(BufferRole::inputs);
    config::fail_at(arch.file, "/buffers/" + config::pointer_escape(in->name) + "/capacity_bytes",
                    fmt::format("cannot hold the smallest row-stationary pass of layer \"{}\" (its ifmap rows, "
                                "filters and partial sums), got {}",
                                layer.name, in->capacity_bytes));
  }
  return *best;
}

}  // namespace tpusim::mapper
