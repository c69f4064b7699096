#include "sim/base/cycle_breakdown.h"

namespace tpusim {

const char* to_string(CycleCategory c) {
  switch (c) {
    case CycleCategory::compute: return "compute";
    case CycleCategory::fill: return "fill";
    case CycleCategory::drain: return "drain";
    case CycleCategory::weight_load: return "weight_load";
    case CycleCategory::weight_stall: return "weight_stall";
    case CycleCategory::input_stall: return "input_stall";
    case CycleCategory::output_stall: return "output_stall";
    case CycleCategory::vector: return "vector";
    case CycleCategory::idle: return "idle";
    case CycleCategory::count_: break;
  }
  return "?";
}

}  // namespace tpusim
