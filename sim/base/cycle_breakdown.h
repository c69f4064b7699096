#pragma once
/// Where every cycle of a layer went: each cycle lands in exactly one category (in the spirit of
/// the TPU v1 paper's performance counters), so the categories sum to the layer's cycles.
#include <array>
#include <cstddef>
#include <cstdint>

namespace tpusim {

enum class CycleCategory {
  compute,       ///< array streaming operands through mapped PEs (useful MACs happen)
  fill,          ///< systolic skew before the first result of a fold
  drain,         ///< results leaving the array after the last operand entered
  weight_load,   ///< loading/shifting the stationary operand into the PEs, not hidden
  weight_stall,  ///< matrix unit waiting for weights to arrive from DRAM
  input_stall,   ///< matrix unit waiting for inputs/activations to arrive from DRAM
  output_stall,  ///< waiting for outputs to be written back (buffer space, final store)
  vector,        ///< non-matrix work on the vector unit
  idle,          ///< nothing to do (e.g. pipeline bubbles, not-modelled ops)
  count_
};

constexpr size_t kCycleCategoryCount = static_cast<size_t>(CycleCategory::count_);
const char* to_string(CycleCategory c);

/// Cycles per category; a plain counter array (no string lookups on hot paths).
struct CycleBreakdown {
  std::array<uint64_t, kCycleCategoryCount> cycles{};

  uint64_t& operator[](CycleCategory c) { return cycles[static_cast<size_t>(c)]; }
  uint64_t operator[](CycleCategory c) const { return cycles[static_cast<size_t>(c)]; }
  uint64_t total() const {
    uint64_t s = 0;
    for (auto v : cycles) s += v;
    return s;
  }
  CycleBreakdown& operator+=(const CycleBreakdown& o) {
    for (size_t i = 0; i < kCycleCategoryCount; ++i) cycles[i] += o.cycles[i];
    return *this;
  }
  /// The cycles added since `earlier` (a copy of this breakdown taken before): each category's
  /// difference.
  CycleBreakdown since(const CycleBreakdown& earlier) const {
    CycleBreakdown d;
    for (size_t i = 0; i < kCycleCategoryCount; ++i) d.cycles[i] = cycles[i] - earlier.cycles[i];
    return d;
  }
};

}  // namespace tpusim
