#include "sim/mapper/plan.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/spec/json_reader.h"
#include "sim/mapper/embedding.h"
#include "sim/mapper/sparsity.h"
#include "sim/mapper/compression.h"
#include "sim/mapper/rs_plan.h"

namespace tpusim::mapper {

namespace {

/// Bytes a buffer needs as an affine function of the chunk length t: fixed + per_t * t.
struct Need {
  uint64_t fixed = 0, per_t = 0;
  std::string what;  ///< for the error message
  uint64_t at(uint64_t t) const { return fixed + per_t * t; }
};

/// Adds `elements(t) * bytes * copies` to a buffer's need; elements(t) = e1 * t or e0.
void add_need(std::map<const BufferConfig*, Need>& needs, const BufferConfig* b, DataType dt, uint64_t elems_fixed,
              uint64_t elems_per_t, const char* role) {
  const uint64_t copies = b->double_buffered ? 2 : 1;
  Need& n = needs[b];
  // Whole bytes per element for the tiling bound (int4 rounds up to a byte per element pair).
  const uint64_t fixed = bytes_for(dt, elems_fixed) * copies;
  const uint64_t per_t = bytes_for(dt, elems_per_t) * copies;
  n.fixed += fixed;
  n.per_t += per_t;
  n.what += fmt::format("{}{} {} B{}", n.what.empty() ? "" : " + ", role, bytes_for(dt, elems_fixed + elems_per_t),
                        copies == 2 ? " x 2 (double-buffered)" : "");
}

[[noreturn]] void too_small(const ArchConfig& arch, const BufferConfig* b, const Layer& layer, const Need& n) {
  config::fail_at(arch.file, "/buffers/" + config::pointer_escape(b->name) + "/capacity_bytes",
                  fmt::format("cannot hold the smallest tile of layer \"{}\" (needs {} bytes: {}), got {}",
                              layer.name, n.at(1), n.what, b->capacity_bytes));
}

}  // namespace

uint64_t GemmPlan::a_tile_bytes(DataType input, uint64_t elements) const {
  return bytes_for(input, static_cast<uint64_t>((static_cast<unsigned __int128>(elements) * dense_k + gemm.k - 1) / gemm.k));
}

uint64_t GemmPlan::b_tile_bytes(uint64_t elements) const {
  const auto den = static_cast<unsigned __int128>(gemm.k) * gemm.n;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(elements) * weight_bytes + den - 1) / den);
}

uint64_t GemmPlan::extent(Loop l, uint64_t i) const {
  const uint64_t tile = l == Loop::row ? tile_rows : l == Loop::col ? tile_cols : tile_t;
  if (k_segment > 0 && l == reduction()) {
    const uint64_t j = i % ceil_div(k_segment, tile);  // the fold's place within its kernel position
    return std::min(tile, k_segment - j * tile);
  }
  const uint64_t dim = l == Loop::row ? dims.sr : l == Loop::col ? dims.sc : dims.t;
  return std::min(tile, dim - i * tile);
}

bool GemmPlan::uniform(Loop l) const {
  return k_segment == 0 || l != reduction() || k_segment % (l == Loop::row ? tile_rows : tile_t) == 0;
}

int GemmPlan::position(Loop l) const {
  for (int i = 0; i < 3; ++i)
    if (order[i] == l) return i;
  return -1;
}

double GemmPlan::mapping_efficiency(const ArchConfig& arch) const {
  if (rs) return rs_mapping_efficiency(arch, *this);
  // Folds form the full product of row folds x col folds (x chunks), so the mean of
  // rows_used * cols_used is the product of the means: (Sr / row_folds) * (Sc / col_folds).
  return (static_cast<double>(dims.sr) / static_cast<double>(row_folds * arch.array.rows * gang.rows_factor())) *
         (static_cast<double>(dims.sc) / static_cast<double>(col_folds * arch.array.cols * gang.cols_factor()));
}

arch::timing::FoldShape GemmPlan::unit_fold(const ArchConfig& arch, const arch::timing::FoldShape& fold) const {
  const auto pad = [](uint64_t v, uint64_t to, uint64_t cap) { return std::min(cap, ceil_div(v, to) * to); };
  const uint64_t lanes = arch.chip.layout_lanes, rows = arch.array.rows, cols = arch.array.cols;
  arch::timing::FoldShape u;
  // The first units of the gang hold full array widths; the largest share sets the time.
  u.rows_used = pad(std::min<uint64_t>(fold.rows_used, rows), lanes, rows);
  u.cols_used = pad(std::min<uint64_t>(fold.cols_used, cols), lanes, cols);
  u.stream_len = ceil_div(ceil_div(fold.stream_len, gang.stream_ways()), arch.chip.layout_rows) * arch.chip.layout_rows;
  return u;
}

namespace {

/// Unique elements of A per GEMM instance (see GemmPlan::a_footprint).
uint64_t a_footprint_of(const Layer& layer) {
  if (layer.op != OpKind::conv2d) return layer.gemm.m * layer.gemm.k;
  const ConvParams& c = layer.conv;
  return std::min(layer.gemm.m * layer.gemm.k, c.batch * c.in_h * c.in_w * (c.in_c / c.groups));
}

/// K per kernel position under /array/conv_lowering channels_on_rows (a conv2d with more than one
/// kernel position, under a GEMM dataflow), else 0. InputError when N:M skipping or packed MACs
/// leave an executed K that does not split evenly over the kernel positions.
uint64_t k_segment_of(const ArchConfig& arch, const Layer& layer, const GemmShape& executed) {
  if (arch.array.conv_lowering != ConvLowering::channels_on_rows || layer.op != OpKind::conv2d) return 0;
  const uint64_t positions = layer.conv.kernel_h * layer.conv.kernel_w;
  if (positions == 1) return 0;
  if (executed.k % positions != 0)
    config::fail_at(arch.file, "/array/conv_lowering",
                    fmt::format("channels_on_rows runs each kernel position's channels as one reduction, but layer "
                                "\"{}\" executes K = {} (after N:M skipping or packing), which does not split over its "
                                "{} kernel positions",
                                layer.name, executed.k, positions));
  return executed.k / positions;
}

/// x * num / den rounded up, without overflow.
uint64_t scale_up(uint64_t x, uint64_t num, uint64_t den) {
  const auto p = static_cast<unsigned __int128>(x) * num;
  return static_cast<uint64_t>((p + den - 1) / den);
}

/// Evaluates one candidate (order, keep_a, keep_b): whether it fits and its DRAM traffic.
struct Candidate {
  GemmPlan plan;
  bool feasible = false;
  uint64_t traffic = 0;
};

Candidate evaluate(const ArchConfig& arch, const Layer& layer, GemmPlan p) {
  const auto& dt = arch.datatypes;
  const BufferConfig* a_buf = arch.buffer_for(BufferRole::inputs);
  const BufferConfig* b_buf = arch.buffer_for(BufferRole::weights);
  const BufferConfig* o_buf = arch.buffer_for(BufferRole::outputs);
  const BufferConfig* acc_buf = arch.buffer_for(BufferRole::accumulators);
  const BufferConfig* psum_buf = acc_buf ? acc_buf : o_buf;
  const uint64_t mk = p.gemm.m * p.gemm.k;

  // Extent of each loop's dimension in a tile, or in full for a working set.
  const auto extent = [&](Loop l, bool full) {
    switch (l) {
      case Loop::row: return full ? p.dims.sr : p.tile_rows;
      case Loop::col: return full ? p.dims.sc : p.tile_cols;
      case Loop::stream: return full ? p.dims.t : p.tile_t;
    }
    return uint64_t{0};
  };
  // Elements live between two uses of a tile whose reuse loop is `u`: one tile if u is
  // innermost; the strip over the inner loop if u is in the middle; everything if outermost.
  const auto live = [&](Loop u) {
    const int pos = p.position(u);
    bool full[3] = {false, false, false};
    for (int i = pos + 1; i < 3; ++i) full[static_cast<int>(p.order[i])] = true;
    return fold_tiles(p.dataflow, extent(Loop::row, full[0]), extent(Loop::col, full[1]), extent(Loop::stream, full[2]));
  };
  const FoldTiles tile = fold_tiles(p.dataflow, p.tile_rows, p.tile_cols, p.tile_t);
  const auto copies = [](const BufferConfig* b) -> uint64_t { return b->double_buffered ? 2 : 1; };

  std::map<const BufferConfig*, uint64_t> need;
  const Loop ua = p.reuse_loop_a(), ub = p.reuse_loop_b(), red = p.reduction();
  const bool a_inner = p.position(ua) == 2, b_inner = p.position(ub) == 2;
  // Each core holds its own copy of the operand the cores do not split (Gang::a_copies, b_copies).
  const uint64_t ac = p.gang.a_copies(), bc = p.gang.b_copies();
  if (p.context.inputs_on_chip)  // all of the input sits in the buffer already
    need[a_buf] += bytes_for(dt.input, p.a_footprint * p.gemm.count);
  else if (p.keep_a && !a_inner)
    need[a_buf] += (bytes_for(dt.input, scale_up(live(ua).a, p.a_footprint, mk)) + p.a_tile_bytes(dt.input, tile.a)) * ac;
  else
    need[a_buf] += p.a_tile_bytes(dt.input, tile.a) * copies(a_buf) * ac;
  if (p.keep_b && !b_inner)
    need[b_buf] += (p.b_tile_bytes(live(ub).b) + p.b_tile_bytes(tile.b)) * bc;
  else
    need[b_buf] += p.b_tile_bytes(tile.b) * copies(b_buf) * bc;
  const bool red_inner = p.position(red) == 2;
  const uint64_t psum_tiles = bytes_for(dt.accumulator, tile.out) * copies(psum_buf);
  if (acc_buf) need[o_buf] += bytes_for(dt.output, tile.out) * copies(o_buf);
  if (p.context.outputs_stay) need[o_buf] += bytes_for(dt.output, p.gemm.m * p.gemm.n * p.gemm.count);
  need[o_buf] += p.context.reserved_bytes;
  Candidate c;
  c.feasible = true;
  for (const auto& [buf, bytes] : need)
    if (buf != psum_buf && bytes > buf->capacity_bytes) c.feasible = false;
  // Partial sums: all live ones on chip if they fit, else a DRAM round trip per step.
  p.spill_partials = false;
  if (red_inner) {
    need[psum_buf] += psum_tiles;
  } else {
    const uint64_t live_psums = bytes_for(dt.accumulator, live(red).out);
    if (need[psum_buf] + live_psums <= psum_buf->capacity_bytes) {
      need[psum_buf] += live_psums;
    } else {
      p.spill_partials = true;
      need[psum_buf] += psum_tiles;
    }
  }
  if (need[psum_buf] > psum_buf->capacity_bytes) c.feasible = false;

  const LayerSparsity& sp = layer.sparsity;
  const uint64_t a_total =
      p.context.inputs_on_chip ? 0 : activation_dram_bytes(arch, bytes_for(dt.input, p.a_footprint), dt.input, sp.activation_density);
  const uint64_t b_total = p.weight_bytes;
  const uint64_t out_total = p.context.outputs_stay ? 0
                                                    : activation_dram_bytes(arch, bytes_for(dt.output, p.gemm.m * p.gemm.n),
                                                                            dt.output, sp.output_density);
  const uint64_t psum_total = bytes_for(dt.accumulator, p.gemm.m * p.gemm.n);
  const uint64_t a_mult = (p.keep_a || a_inner) ? 1 : p.loop_count(ua);
  const uint64_t b_mult = (p.keep_b || b_inner) ? 1 : p.loop_count(ub);
  const uint64_t spills = p.spill_partials ? p.loop_count(red) - 1 : 0;
  p.est_dram_read_bytes = p.gemm.count * (a_total * a_mult * ac + b_total * b_mult * bc + psum_total * spills);
  p.est_dram_write_bytes = p.gemm.count * (out_total + psum_total * spills);
  c.traffic = p.est_dram_read_bytes + p.est_dram_write_bytes;
  c.plan = p;
  return c;
}

/// The longest stream chunk (>= 1) with which the smallest working set, double-buffered tiles
/// of every operand, fits each buffer; InputError naming the buffer if even a chunk of 1 does
/// not fit.
uint64_t longest_chunk(const ArchConfig& arch, const Layer& layer, const GemmPlan& p) {
  const BufferConfig* a_buf = arch.buffer_for(BufferRole::inputs);
  const BufferConfig* b_buf = arch.buffer_for(BufferRole::weights);
  const BufferConfig* o_buf = arch.buffer_for(BufferRole::outputs);
  const BufferConfig* acc_buf = arch.buffer_for(BufferRole::accumulators);
  const auto& dt = arch.datatypes;
  const FoldTiles per_t = fold_tiles(p.dataflow, p.tile_rows, p.tile_cols, 1);
  const FoldTiles at0 = fold_tiles(p.dataflow, p.tile_rows, p.tile_cols, 0);
  std::map<const BufferConfig*, Need> needs;
  // Activations are fetched dense and weights as stored: scale their element counts (exact
  // for dense layers, where both factors are 1).
  const auto a_scaled = [&](uint64_t e) { return scale_up(e, p.dense_k, p.gemm.k); };
  const uint64_t wbits = std::max<uint64_t>(1, bits_of(dt.weight));
  const auto b_scaled = [&](uint64_t e) { return scale_up(e, p.weight_bytes * 8, p.gemm.k * p.gemm.n * wbits); };
  // Each core holds its own copy of the operand the cores do not split.
  const uint64_t ac = p.gang.a_copies(), bc = p.gang.b_copies();
  add_need(needs, a_buf, dt.input, a_scaled(at0.a) * ac, (a_scaled(per_t.a) - a_scaled(at0.a)) * ac, "inputs");
  add_need(needs, b_buf, dt.weight, b_scaled(at0.b) * bc, (b_scaled(per_t.b) - b_scaled(at0.b)) * bc, "weights");
  if (acc_buf) {
    add_need(needs, acc_buf, dt.accumulator, at0.out, per_t.out - at0.out, "partial sums");
    add_need(needs, o_buf, dt.output, at0.out, per_t.out - at0.out, "outputs");
  } else {
    // Without accumulators the outputs buffer keeps partial sums at accumulator width.
    add_need(needs, o_buf, dt.accumulator, at0.out, per_t.out - at0.out, "partial sums");
  }
  uint64_t t_max = p.dims.t;
  for (const auto& [buf, need] : needs) {
    if (need.at(1) > buf->capacity_bytes) too_small(arch, buf, layer, need);
    if (need.per_t > 0) t_max = std::min(t_max, (buf->capacity_bytes - need.fixed) / need.per_t);
  }
  return std::max<uint64_t>(1, t_max);
}

/// Loop orders to try, the conventional one first (it wins ties): the reduction loop innermost,
/// so partial sums never leave the accumulators. A pinned order is the only one.
std::vector<LoopOrder> candidate_orders(const Layer& layer, Loop reduction) {
  if (layer.pin.loop_order) return {*layer.pin.loop_order};
  std::vector<LoopOrder> orders = {{Loop::col, Loop::stream, Loop::row}, {Loop::col, Loop::row, Loop::stream},
                                   {Loop::stream, Loop::col, Loop::row}, {Loop::stream, Loop::row, Loop::col},
                                   {Loop::row, Loop::col, Loop::stream}, {Loop::row, Loop::stream, Loop::col}};
  // The first order with the reduction innermost moves to the front, the others keep their places.
  const auto first = std::find_if(orders.begin(), orders.end(), [&](const LoopOrder& o) { return o[2] == reduction; });
  std::rotate(orders.begin(), first, first + 1);
  return orders;
}

}  // namespace

GemmPlan plan_gemm(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx, const Gang& gang) {
  if (arch::dataflow::traits_of(arch.array.dataflow).row_passes()) {
    if (!gang.single())
      config::fail_at(arch.file, "/array/dataflow",
                      fmt::format("rs runs on one matrix unit (its passes are not split between units); got {} "
                                  "unit(s) per core on {} core(s)",
                                  gang.units, gang.cores));
    return plan_rs(arch, layer, ctx);
  }
  GemmPlan p;
  p.context = ctx;
  p.gang = gang;
  const EffectiveGemm executed = effective_gemm(arch, layer);
  p.gemm = executed.executed;
  p.dense_k = layer.gemm.k;
  p.weight_bytes = executed.weight_bytes / layer.gemm.count;
  p.dataflow = arch.array.dataflow;
  p.dims = map_dims(p.dataflow, p.gemm);
  p.tile_rows = std::min<uint64_t>(arch.array.rows * gang.rows_factor(), p.dims.sr);
  p.tile_cols = std::min<uint64_t>(arch.array.cols * gang.cols_factor(), p.dims.sc);
  p.row_folds = ceil_div(p.dims.sr, p.tile_rows);
  p.col_folds = ceil_div(p.dims.sc, p.tile_cols);
  p.a_footprint = a_footprint_of(layer);
  p.k_segment = k_segment_of(arch, layer, p.gemm);
  if (p.k_segment > 0 && p.reduction() == Loop::row) {  // K on rows: folds within each kernel position
    p.tile_rows = std::min<uint64_t>(arch.array.rows, p.k_segment);
    p.row_folds = p.gemm.k / p.k_segment * ceil_div(p.k_segment, p.tile_rows);
  }

  p.tile_t = longest_chunk(arch, layer, p);
  if (p.k_segment > 0 && p.reduction() == Loop::stream) p.tile_t = std::min(p.tile_t, p.k_segment);
  if (layer.pin.stream_tile) {
    if (layer.pin.stream_tile > p.tile_t)
      config::fail_at(layer.file, layer.pointer + "/mapping/stream_tile",
                      fmt::format("a stream tile of {} does not fit the buffers of {}{}; at most {}", layer.pin.stream_tile,
                                  arch.file, p.k_segment > 0 ? " or a kernel position's channels" : "", p.tile_t));
    p.tile_t = std::min(layer.pin.stream_tile, p.dims.t);
  }
  p.t_chunks = ceil_div(p.dims.t, p.tile_t);
  if (p.k_segment > 0 && p.reduction() == Loop::stream)
    p.t_chunks = p.gemm.k / p.k_segment * ceil_div(p.k_segment, p.tile_t);

  std::optional<GemmPlan> best = best_loop_order(arch, layer, p);
  if (!best) {
    // Only reachable with resident activations crowding out the tiles: the caller retries
    // without them (MappedWorkload's residency walk), so this is an internal error only without a context.
    TPUSIM_ASSERT(ctx.inputs_on_chip || ctx.outputs_stay || ctx.reserved_bytes > 0, "no feasible mapping although the smallest tiles fit");
    throw NoFit{};
  }
  return *best;
}

std::optional<GemmPlan> best_loop_order(const ArchConfig& arch, const Layer& layer, const GemmPlan& p) {
  std::optional<Candidate> best;
  for (const auto& order : candidate_orders(layer, p.reduction())) {
    for (int keep = 3; keep >= 0; --keep) {  // try keeping both operands first
      GemmPlan q = p;
      q.order = order;
      q.keep_a = keep & 1;
      q.keep_b = keep & 2;
      Candidate c = evaluate(arch, layer, q);
      if (c.feasible && (!best || c.traffic < best->traffic)) best = c;
    }
  }
  if (!best) return std::nullopt;
  return best->plan;
}

std::vector<Gang> candidate_gangs(const ArchConfig& arch, const Layer& layer) {
  Gang g;
  g.units = arch.core.matrix_units;
  g.cores = arch.chip.cores;
  const UnitSplit unit_pin = layer.pin.unit_split != UnitSplit::auto_split ? layer.pin.unit_split : arch.core.unit_split;
  const CoreSplit core_pin = layer.pin.core_split != CoreSplit::auto_split ? layer.pin.core_split : arch.chip.core_split;
  std::vector<UnitSplit> unit_splits = {UnitSplit::cols};  // one unit: its name does not matter
  if (g.units > 1)
    unit_splits = unit_pin != UnitSplit::auto_split
                      ? std::vector<UnitSplit>{unit_pin}
                      : std::vector<UnitSplit>{UnitSplit::cols, UnitSplit::rows, UnitSplit::stream};
  std::vector<CoreSplit> core_splits = {CoreSplit::stream};
  if (g.cores > 1)
    core_splits = core_pin != CoreSplit::auto_split ? std::vector<CoreSplit>{core_pin}
                                                     : std::vector<CoreSplit>{CoreSplit::stream, CoreSplit::cols};
  std::vector<Gang> out;
  for (CoreSplit c : core_splits)
    for (UnitSplit s : unit_splits) {
      g.split = s;
      g.core_split = c;
      out.push_back(g);
    }
  return out;
}

namespace {

/// A double-buffered preload that shares its buffer's ports with the stream
/// (/array/preload_shares_ports; arch/matrix/matrix_unit.cpp): the cycles by which a fold's
/// streamed and the next fold's stationary bytes, at the ports' bandwidth, outlast its stream.
double shared_port_load(const ArchConfig& arch, const GemmPlan& p, uint64_t unit_stream_len) {
  const BufferConfig* in = arch.buffer_for(BufferRole::inputs);
  if (!arch.array.preload_shares_ports || in != arch.buffer_for(BufferRole::weights) || p.rs) return 0.0;
  const uint64_t stationary_elems = p.tile_rows * p.tile_cols, stream_elems = p.tile_rows * p.tile_t;
  const uint64_t ac = p.gang.a_copies(), bc = p.gang.b_copies();
  const bool a_stationary =
      arch::dataflow::traits_of(p.dataflow).stationary_operand() == arch::dataflow::GemmOperand::a;
  const uint64_t bytes = a_stationary ? p.a_tile_bytes(arch.datatypes.input, stationary_elems) * ac +
                                            p.b_tile_bytes(stream_elems) * bc
                                      : p.b_tile_bytes(stationary_elems) * bc +
                                            p.a_tile_bytes(arch.datatypes.input, stream_elems) * ac;
  const double port_cycles = static_cast<double>(bytes) / static_cast<double>(uint64_t{in->ports} * in->bytes_per_cycle_per_port);
  return std::max(0.0, port_cycles - static_cast<double>(unit_stream_len));
}

}  // namespace

double estimate_cycles(const ArchConfig& arch, const GemmPlan& p) {
  const arch::timing::FoldShape full{p.tile_rows, p.tile_cols, p.tile_t};
  const arch::timing::FoldShape u = p.unit_fold(arch, full);
  const double load = arch.array.double_buffer_stationary ? shared_port_load(arch, p, u.stream_len)
                                                           : static_cast<double>(u.rows_used);
  const double per_fold = load + static_cast<double>(u.stream_len + u.rows_used + u.cols_used);
  const double compute = per_fold * static_cast<double>(p.folds());
  const double dram = static_cast<double>(p.est_dram_read_bytes + p.est_dram_write_bytes) / arch.dram_bytes_per_cycle();
  const VectorPathWork v = vector_path_work(arch, p);
  return std::max(compute, dram) + static_cast<double>(v.convert_in_cycles + v.writeback_cycles);
}

VectorPathWork vector_path_work(const ArchConfig& arch, const GemmPlan& p) {
  const auto pad = [](uint64_t v, uint64_t to) { return ceil_div(v, to) * to; };
  const auto cycles_at = [](uint64_t elements, double per_cycle) {
    return elements == 0 ? 0 : static_cast<uint64_t>(std::ceil(static_cast<double>(elements) / per_cycle));
  };
  const GemmShape& g = p.gemm;
  const uint64_t cores = p.gang.cores, lanes = arch.chip.layout_lanes;
  const bool on_cols = p.gang.core_split == CoreSplit::cols;
  // Rows of A each core holds (all of them when the cores split the columns) over all cores, and
  // the output columns each core writes back over all cores.
  const uint64_t rows = cores * pad(on_cols ? g.m : ceil_div(g.m, cores), arch.chip.layout_rows);
  const uint64_t out_cols = on_cols ? cores * pad(ceil_div(g.n, cores), lanes) : pad(g.n, lanes);
  const uint64_t out_rows = on_cols ? pad(g.m, arch.chip.layout_rows) : rows;
  VectorPathWork w;
  if (arch.array.native_type && arch.datatypes.input != *arch.array.native_type) {
    w.convert_in_elements = rows * pad(g.k, lanes) * g.count;
    w.convert_in_cycles = cycles_at(w.convert_in_elements, arch.vector.convert_in_elems_per_cycle * cores);
  }
  if (arch.vector.writeback_elems_per_cycle > 0) {
    w.writeback_elements = out_rows * out_cols * g.count;
    w.writeback_cycles = cycles_at(w.writeback_elements, arch.vector.writeback_elems_per_cycle * cores);
  }
  return w;
}

GemmPlan plan_gemm_on_chip(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx) {
  std::optional<GemmPlan> best;
  double best_cycles = 0;
  for (const Gang& g : candidate_gangs(arch, layer)) {
    GemmPlan q = plan_gemm(arch, layer, ctx, g);
    const double c = estimate_cycles(arch, q);
    const uint64_t traffic = q.est_dram_read_bytes + q.est_dram_write_bytes;
    if (!best || c < best_cycles ||
        (c == best_cycles && traffic < best->est_dram_read_bytes + best->est_dram_write_bytes)) {
      best = q;
      best_cycles = c;
    }
  }
  return *best;
}

VectorPlan plan_vector(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx) {
  if (layer.op == OpKind::embedding_bag) return plan_embedding(arch, layer, ctx);
  const VectorWork& w = layer.vector;
  const BufferConfig* in_buf = arch.buffer_for(BufferRole::inputs);
  const BufferConfig* out_buf = arch.buffer_for(BufferRole::outputs);
  const uint64_t in_per_out = ceil_div(w.elements_in, w.elements_out);
  std::map<const BufferConfig*, Need> needs;
  add_need(needs, in_buf, arch.datatypes.input, 0, in_per_out, "inputs");
  add_need(needs, out_buf, arch.datatypes.output, 0, 1, "outputs");
  if (ctx.inputs_on_chip) needs[in_buf].fixed += input_bytes(arch, layer);
  if (ctx.outputs_stay) needs[out_buf].fixed += output_bytes(arch, layer);
  needs[out_buf].fixed += ctx.reserved_bytes;
  uint64_t chunk = w.elements_out;
  for (const auto& [buf, need] : needs) {
    if (need.at(1) > buf->capacity_bytes) {
      if (ctx.inputs_on_chip || ctx.outputs_stay || ctx.reserved_bytes > 0) throw NoFit{};
      too_small(arch, buf, layer, need);
    }
    chunk = std::min(chunk, (buf->capacity_bytes - need.fixed) / need.per_t);
  }
  VectorPlan p;
  p.chunk_elements = std::max<uint64_t>(1, chunk);
  p.chunks = ceil_div(w.elements_out, p.chunk_elements);
  return p;
}

uint64_t input_bytes(const ArchConfig& arch, const Layer& layer) {
  if (layer.op == OpKind::embedding_bag) return layer.embedding.gathers() * layer.embedding.index_bytes;  // its indices
  if (!is_matrix_op(layer.op)) return bytes_for(arch.datatypes.input, layer.vector.elements_in);
  return bytes_for(arch.datatypes.input, a_footprint_of(layer) * layer.gemm.count);
}

uint64_t output_bytes(const ArchConfig& arch, const Layer& layer) {
  if (!is_matrix_op(layer.op)) return bytes_for(arch.datatypes.output, layer.vector.elements_out);
  return bytes_for(arch.datatypes.output, layer.gemm.m * layer.gemm.n * layer.gemm.count);
}

}  // namespace tpusim::mapper
