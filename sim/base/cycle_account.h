#pragma once
/// Where every cycle of the matrix unit went, in the spirit of the TPU v1 paper's performance
/// counters (Jouppi et al., ISCA 2017, Table 3): each cycle lands in exactly one class, so the
/// classes sum to the cycles they describe. This is what reports show; the timing models label
/// cycles by the array's own state (CycleCategory, cycle_breakdown.h) and the matrix unit turns
/// those labels into classes (arch/matrix/README.md gives every rule).
#include <array>
#include <cstddef>
#include <cstdint>

#include "sim/base/enum_names.h"

namespace tpusim {

enum class CycleClass {
  useful_mac,    ///< array active: the MAC slots of the mapped PEs, counted in whole-array cycles
  unused_mac,    ///< array active with unused MAC slots (partial tiles, systolic skew, drain)
  weight_shift,  ///< shifting the stationary operand into the PEs, not hidden behind compute
  weight_stall,  ///< waiting for weights to arrive from memory
  input_stall,   ///< waiting for inputs (activations) to arrive from memory
  raw_stall,     ///< waiting for a result of an earlier op (a read-after-write dependency)
  output_stall,  ///< waiting for outputs to be written back (accumulator space, final stores)
  non_matrix,    ///< the matrix unit waits while the vector unit works (vector ops, epilogues)
  idle,          ///< nothing to do
  count_
};

TPUSIM_ENUM_NAMES_BEGIN
/// The report's key of each class (report.json cycle_breakdown, layers.csv columns).
constexpr const char* name_of(CycleClass c) {
  switch (c) {
    case CycleClass::useful_mac: return "useful_mac";
    case CycleClass::unused_mac: return "unused_mac";
    case CycleClass::weight_shift: return "weight_shift";
    case CycleClass::weight_stall: return "weight_stall";
    case CycleClass::input_stall: return "input_stall";
    case CycleClass::raw_stall: return "raw_stall";
    case CycleClass::output_stall: return "output_stall";
    case CycleClass::non_matrix: return "non_matrix";
    case CycleClass::idle: return "idle";
    case CycleClass::count_: break;
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

constexpr size_t kCycleClassCount = static_cast<size_t>(CycleClass::count_);

/// Cycles per class; a plain counter array.
struct CycleAccount {
  std::array<uint64_t, kCycleClassCount> cycles{};

  uint64_t& operator[](CycleClass c) { return cycles[static_cast<size_t>(c)]; }
  uint64_t operator[](CycleClass c) const { return cycles[static_cast<size_t>(c)]; }
  uint64_t total() const {
    uint64_t s = 0;
    for (auto v : cycles) s += v;
    return s;
  }
  CycleAccount& operator+=(const CycleAccount& o) {
    for (size_t i = 0; i < kCycleClassCount; ++i) cycles[i] += o.cycles[i];
    return *this;
  }
  /// The cycles added since `earlier` (a copy of this account taken before).
  CycleAccount since(const CycleAccount& earlier) const {
    CycleAccount d;
    for (size_t i = 0; i < kCycleClassCount; ++i) d.cycles[i] = cycles[i] - earlier.cycles[i];
    return d;
  }
  /// Cycles waiting for memory or for earlier results (the four stalls).
  uint64_t stalls() const {
    return (*this)[CycleClass::weight_stall] + (*this)[CycleClass::input_stall] + (*this)[CycleClass::raw_stall] +
           (*this)[CycleClass::output_stall];
  }
};

}  // namespace tpusim
