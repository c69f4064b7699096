#include "sim/mapper/embedding.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/spec/json_reader.h"

namespace tpusim::mapper {

namespace {

using u128 = unsigned __int128;

/// sum_{i=0}^{n-1} floor((a i + b) / m), m > 0, by the Euclid-like reduction: take the whole
/// multiples of m out of a and b, then count the lattice points under the line the other way
/// round (x and y swapped), which shrinks (a, m) as the gcd algorithm does.
u128 floor_sum(u128 n, u128 m, u128 a, u128 b) {
  u128 sum = 0;
  for (;;) {
    if (a >= m) {
      sum += (n * (n - 1) / 2) * (a / m);  // n <= 2^62 rows, a / m < 2^24: fits
      a %= m;
    }
    if (b >= m) {
      sum += n * (b / m);
      b %= m;
    }
    const u128 y_max = a * n + b;
    if (y_max < m) return sum;
    n = y_max / m;
    b = y_max % m;
    std::swap(m, a);
  }
}

}  // namespace

bool runs_on_sparse_core(const ArchConfig& arch, const Layer& layer) {
  return arch.sparse_core.has_value() && layer.op == OpKind::embedding_bag;
}

uint64_t embedding_row_bytes(const ArchConfig& arch, const Layer& layer) {
  return bytes_for(arch.datatypes.weight, layer.embedding.dim);
}

uint64_t gathered_bursts(uint64_t first_row, uint64_t rows, uint64_t row_bytes, uint64_t burst) {
  const uint64_t q = row_bytes / burst, s = row_bytes % burst;
  if (s == 0) return rows * q;
  // Rows whose offset o = j s mod burst is at least burst - s + 1 touch one burst more:
  // [x mod B >= t] = floor((x + B - t) / B) - floor(x / B), summed over x = s j.
  const u128 f = first_row;
  const u128 straddling = floor_sum(rows, burst, s, s * f + s - 1) - floor_sum(rows, burst, s, s * f);
  return static_cast<uint64_t>(u128{rows} * (q + 1) + straddling);
}

VectorPlan plan_embedding(const ArchConfig& arch, const Layer& layer, const LayerContext& ctx) {
  const EmbeddingBag& e = layer.embedding;
  const auto copies = [](const BufferConfig* b) -> uint64_t { return b->double_buffered ? 2 : 1; };
  const bool sparse = runs_on_sparse_core(arch, layer);
  const auto buffer = [&](BufferRole r) { return arch.buffer_for(sparse ? BufferRole::sparse_core : r); };
  const BufferConfig* in = buffer(BufferRole::inputs);
  const BufferConfig* w = buffer(BufferRole::weights);
  const BufferConfig* out = buffer(BufferRole::outputs);
  TPUSIM_ASSERT(in && w && out, "validated config lacks a buffer role");
  std::map<const BufferConfig*, std::pair<uint64_t, uint64_t>> needs;  // fixed, per bag
  const auto add = [&](const BufferConfig* b, uint64_t per_bag, uint64_t whole, bool resident) {
    auto& n = needs[b];
    if (resident) n.first += whole;
    else n.second += per_bag * copies(b);
  };
  add(in, e.lookups * e.index_bytes, e.gathers() * e.index_bytes, ctx.inputs_on_chip);
  add(w, e.lookups * embedding_row_bytes(arch, layer), 0, false);
  add(out, bytes_for(arch.datatypes.output, e.dim), bytes_for(arch.datatypes.output, layer.vector.elements_out),
      ctx.outputs_stay);
  uint64_t bags = e.bags();
  for (const auto& [b, n] : needs) {
    if (n.first + n.second > b->capacity_bytes) {
      if (ctx.inputs_on_chip || ctx.outputs_stay) throw NoFit{};
      config::fail_at(arch.file, "/buffers/" + config::pointer_escape(b->name) + "/capacity_bytes",
                      fmt::format("cannot hold one bag of embedding_bag \"{}\" ({} lookups of {} B rows, indices and "
                                  "the pooled row: {} bytes), got {}",
                                  layer.name, e.lookups, embedding_row_bytes(arch, layer), n.first + n.second,
                                  b->capacity_bytes));
    }
    if (n.second > 0) bags = std::min(bags, (b->capacity_bytes - n.first) / n.second);
  }
  VectorPlan p;
  p.chunk_elements = std::max<uint64_t>(1, bags) * e.dim;
  p.chunks = ceil_div(layer.vector.elements_out, p.chunk_elements);
  return p;
}

}  // namespace tpusim::mapper
