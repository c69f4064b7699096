#include "sim/mapper/plan.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/config/json_reader.h"

namespace tpusim::mapper {

MappedDims map_dims(Dataflow df, const GemmShape& g) {
  switch (df) {
    case Dataflow::os: return {g.m, g.n, g.k};
    case Dataflow::ws: return {g.k, g.n, g.m};
    case Dataflow::is: return {g.k, g.m, g.n};
  }
  return {};
}

FoldTiles fold_tiles(Dataflow df, uint64_t r, uint64_t c, uint64_t t) {
  switch (df) {
    case Dataflow::os: return {r * t, t * c, r * c};  // A[m x k-chunk], B[k-chunk x n], C[m x n]
    case Dataflow::ws: return {t * r, r * c, t * c};  // A[m-chunk x k], B[k x n] stationary
    case Dataflow::is: return {r * c, r * t, c * t};  // A[k x m] stationary, B[k x n-chunk]
  }
  return {};
}

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

double GemmPlan::mapping_efficiency(const ArchConfig& arch) const {
  // Folds are uniform in t, so the mean over folds is the mean over (row fold, col fold) pairs.
  const auto mean_used = [](uint64_t dim, uint64_t tile, uint64_t folds) {
    return static_cast<double>(dim) / static_cast<double>(folds * tile);  // sum(used)/(folds*tile)
  };
  const double rows_share = mean_used(dims.sr, tile_rows, row_folds) * tile_rows / arch.array.rows;
  const double cols_share = mean_used(dims.sc, tile_cols, col_folds) * tile_cols / arch.array.cols;
  return rows_share * cols_share;
}

GemmPlan plan_gemm(const ArchConfig& arch, const Layer& layer) {
  GemmPlan p;
  p.gemm = layer.gemm;
  p.dataflow = arch.array.dataflow;
  p.dims = map_dims(p.dataflow, p.gemm);
  p.tile_rows = std::min<uint64_t>(arch.array.rows, p.dims.sr);
  p.tile_cols = std::min<uint64_t>(arch.array.cols, p.dims.sc);
  p.row_folds = ceil_div(p.dims.sr, p.tile_rows);
  p.col_folds = ceil_div(p.dims.sc, p.tile_cols);

  const BufferConfig* a_buf = arch.buffer_for(BufferRole::inputs);
  const BufferConfig* b_buf = arch.buffer_for(BufferRole::weights);
  const BufferConfig* o_buf = arch.buffer_for(BufferRole::outputs);
  const BufferConfig* acc_buf = arch.buffer_for(BufferRole::accumulators);
  const auto& dt = arch.datatypes;
  const FoldTiles per_t = fold_tiles(p.dataflow, p.tile_rows, p.tile_cols, 1);
  const FoldTiles at0 = fold_tiles(p.dataflow, p.tile_rows, p.tile_cols, 0);

  std::map<const BufferConfig*, Need> needs;
  add_need(needs, a_buf, dt.input, at0.a, per_t.a - at0.a, "inputs");
  add_need(needs, b_buf, dt.weight, at0.b, per_t.b - at0.b, "weights");
  if (acc_buf) {
    add_need(needs, acc_buf, dt.accumulator, at0.out, per_t.out - at0.out, "partial sums");
    add_need(needs, o_buf, dt.output, at0.out, per_t.out - at0.out, "outputs");
  } else {
    // Without accumulators the outputs buffer keeps partial sums at accumulator width.
    add_need(needs, o_buf, dt.accumulator, at0.out, per_t.out - at0.out, "partial sums");
  }

  // The longest chunk every buffer can hold.
  uint64_t t_max = p.dims.t;
  for (const auto& [buf, need] : needs) {
    if (need.at(1) > buf->capacity_bytes) too_small(arch, buf, layer, need);
    if (need.per_t > 0) t_max = std::min(t_max, (buf->capacity_bytes - need.fixed) / need.per_t);
  }
  p.tile_t = std::max<uint64_t>(1, t_max);
  p.t_chunks = ceil_div(p.dims.t, p.tile_t);

  // An operand is resident when all of it fits where its tiles would go, beside the others.
  const auto resident = [&](const BufferConfig* buf, DataType type, uint64_t elements, const Need& own) {
    const Need& total = needs.at(buf);
    const uint64_t others = total.at(p.tile_t) - own.at(p.tile_t);
    return bytes_for(type, elements) + others <= buf->capacity_bytes;
  };
  std::map<const BufferConfig*, Need> a_only, b_only;
  add_need(a_only, a_buf, dt.input, at0.a, per_t.a - at0.a, "inputs");
  add_need(b_only, b_buf, dt.weight, at0.b, per_t.b - at0.b, "weights");
  p.a_resident = resident(a_buf, dt.input, p.gemm.m * p.gemm.k, a_only.at(a_buf));
  p.b_resident = resident(b_buf, dt.weight, p.gemm.k * p.gemm.n, b_only.at(b_buf));
  return p;
}

VectorPlan plan_vector(const ArchConfig& arch, const Layer& layer) {
  const VectorWork& w = layer.vector;
  const BufferConfig* in_buf = arch.buffer_for(BufferRole::inputs);
  const BufferConfig* out_buf = arch.buffer_for(BufferRole::outputs);
  const uint64_t in_per_out = ceil_div(w.elements_in, w.elements_out);
  std::map<const BufferConfig*, Need> needs;
  add_need(needs, in_buf, arch.datatypes.input, 0, in_per_out, "inputs");
  add_need(needs, out_buf, arch.datatypes.output, 0, 1, "outputs");
  uint64_t chunk = w.elements_out;
  for (const auto& [buf, need] : needs) {
    if (need.at(1) > buf->capacity_bytes) too_small(arch, buf, layer, need);
    chunk = std::min(chunk, buf->capacity_bytes / need.per_t);
  }
  VectorPlan p;
  p.chunk_elements = std::max<uint64_t>(1, chunk);
  p.chunks = ceil_div(w.elements_out, p.chunk_elements);
  return p;
}

}  // namespace tpusim::mapper
