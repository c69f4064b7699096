#include "sim/metrics/energy_split.h"

#include "sim/base/error.h"

namespace tpusim::metrics {

EnergySplit& EnergySplit::operator+=(const EnergySplit& o) {
  compute_pj += o.compute_pj;
  memory_pj += o.memory_pj;
  interconnect_pj += o.interconnect_pj;
  static_pj += o.static_pj;
  return *this;
}

EnergySplit EnergySplit::scaled(double factor) const {
  return {compute_pj * factor, memory_pj * factor, interconnect_pj * factor, static_pj * factor};
}

EnergySplit split_energy(const std::map<std::string, double>& chip_breakdown_pj, double interconnect_pj) {
  EnergySplit s;
  s.interconnect_pj = interconnect_pj;
  for (const auto& [name, pj] : chip_breakdown_pj) {
    if (name == "mac" || name == "pe_register" || name == "vector") s.compute_pj += pj;
    else if (name == "dram" || name == "dma" || name.rfind("sram.", 0) == 0) s.memory_pj += pj;
    else if (name == "static") s.static_pj += pj;
    else TPUSIM_ASSERT(false, "every energy component is classed in the split: " + name);
  }
  return s;
}

}  // namespace tpusim::metrics
