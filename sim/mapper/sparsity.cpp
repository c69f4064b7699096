#include "sim/mapper/sparsity.h"

#include <algorithm>

#include <fmt/format.h>

#include "arch/matrix/dataflow/dataflow.h"

namespace tpusim::mapper {

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

uint32_t nm_index_bits(uint32_t m) {
  uint32_t bits = 0;
  while ((1ULL << bits) < m) ++bits;
  return bits;
}

EffectiveGemm effective_gemm(const ArchConfig& arch, const Layer& layer) {
  EffectiveGemm e;
  e.dense = layer.gemm;
  e.executed = layer.gemm;
  e.k_pack = arch.array.macs_per_pe_per_cycle;
  const LayerSparsity& s = layer.sparsity;
  const GemmShape& g = layer.gemm;
  // Kept weight rows along K: every group of m (the last one possibly partial, padded with
  // zeros) keeps n.
  const uint64_t kept_k = s.structured() ? std::min<uint64_t>(g.k, ceil_div(g.k, s.m) * s.n) : g.k;
  if (s.structured()) {
    e.metadata_bytes = ceil_div(kept_k * g.n * nm_index_bits(s.m), 8) * g.count;
    e.weight_bytes = bytes_for(arch.datatypes.weight, kept_k * g.n) * g.count + e.metadata_bytes;
  } else {
    e.weight_bytes = bytes_for(arch.datatypes.weight, g.k * g.n) * g.count;
  }
  const Dataflow df = arch.array.dataflow;
  const char* blocker = arch::dataflow::traits_of(df).nm_skip_blocker();
  if (!s.structured()) {
    e.kept_k = g.k;
    e.reason = "no N:M sparsity";
  } else if (blocker) {
    e.kept_k = g.k;
    e.reason = fmt::format("{}:{} not skipped under {}: {}; zeros are gated (energy only)", s.n, s.m, to_string(df),
                           blocker);
  } else {
    e.skips = kept_k < g.k;
    e.kept_k = kept_k;
    e.reason = fmt::format("{}:{} skipped under {}: K {} -> {} kept rows, PEs select activations by a {}-bit index",
                           s.n, s.m, to_string(df), g.k, kept_k, nm_index_bits(s.m));
  }
  e.executed.k = ceil_div(e.kept_k, e.k_pack);
  e.executed_macs = g.m * g.n * e.kept_k * g.count;
  e.effective_macs = static_cast<double>(g.macs()) * s.weight_density * s.activation_density;
  return e;
}

uint64_t weight_bytes_for(const ArchConfig& arch, const Layer& layer, const EffectiveGemm& e, uint64_t k_steps,
                          uint64_t cols) {
  const LayerSparsity& s = layer.sparsity;
  const uint64_t rows = std::min<uint64_t>(k_steps * e.k_pack, e.kept_k);
  if (!s.structured()) return bytes_for(arch.datatypes.weight, rows * cols);
  // Under is the weights are still stored compressed (values + indices) and expanded on the fly.
  const uint64_t kept_rows = e.skips ? rows : std::min<uint64_t>(e.kept_k, ceil_div(rows, s.m) * s.n);
  return bytes_for(arch.datatypes.weight, kept_rows * cols) + ceil_div(kept_rows * cols * nm_index_bits(s.m), 8);
}

uint64_t activation_k_for(const EffectiveGemm& e, const Layer& layer, uint64_t k_steps) {
  const uint64_t rows = std::min<uint64_t>(k_steps * e.k_pack, e.kept_k);
  if (!e.skips) return rows;
  const LayerSparsity& s = layer.sparsity;
  return std::min<uint64_t>(layer.gemm.k, ceil_div(rows, s.n) * s.m);
}

}  // namespace tpusim::mapper
