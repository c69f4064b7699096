#include "sim/run/chip_costs.h"

#include <cmath>

#include "sim/base/error.h"
#include "sim/base/math.h"
#include "sim/mapper/attention.h"

namespace tpusim {

bool has_chip_costs(const ArchConfig& arch) {
  return arch.chip.kernel_overhead_ns > 0 || arch.vector.writeback_elems_per_cycle > 0 ||
         (arch.array.native_type && arch.datatypes.input != *arch.array.native_type);
}

ChipCosts chip_costs(const ArchConfig& arch, const mapper::MappedLayer& m) {
  ChipCosts c;
  if (m.fused()) return c;  // runs inside its host's kernel
  c.kernel_cycles = static_cast<uint64_t>(std::ceil(arch.chip.kernel_overhead_ns * arch.clock_mhz / 1000.0));
  // Conversion and write-back as the plan's core split lays them out (sim/mapper/plan.h).
  const auto add = [&](const mapper::GemmPlan& p, uint64_t times) {
    const mapper::VectorPathWork w = mapper::vector_path_work(arch, p);
    c.convert_in_elements += w.convert_in_elements * times;
    c.convert_in_cycles += w.convert_in_cycles * times;
    c.writeback_elements += w.writeback_elements * times;
    c.writeback_cycles += w.writeback_cycles * times;
  };
  if (m.is_attention()) {  // both matmuls of every unit: one kernel, its overhead paid once
    const mapper::AttentionPlan& a = *m.attention;
    for (int q = 0; q < 2; ++q)
      for (int pos = 0; pos < 3; ++pos) {
        const uint64_t times = a.units_of(q, pos);
        if (times == 0) continue;
        add(a.tiles[q][pos].scores_plan.gemm, times);
        add(a.tiles[q][pos].context_plan.gemm, times);
      }
    return c;
  }
  if (m.is_matrix()) add(m.gemm, 1);
  return c;
}

void apply_chip_costs(const mapper::MappedWorkload& mapped, RunResult& run) {
  const ArchConfig& arch = mapped.arch();
  if (!has_chip_costs(arch)) return;
  TPUSIM_ASSERT(run.layers.size() == mapped.size(), "a result per mapped op");
  uint64_t shift = 0;  // the costs of the ops before this one: ops are in a topological order
  CycleAccount added;
  for (size_t i = 0; i < mapped.size(); ++i) {
    LayerResult& r = run.layers[i];
    const ChipCosts c = chip_costs(arch, mapped.layer(i));
    r.start_cycle += shift;
    shift += c.total();
    r.end_cycle += shift;
    r.cycles += c.total();
    r.breakdown[CycleClass::idle] += c.kernel_cycles;
    r.breakdown[CycleClass::non_matrix] += c.convert_in_cycles + c.writeback_cycles;
    r.compute_cycles += c.convert_in_cycles + c.writeback_cycles;
    r.vector_ops += c.convert_in_elements + c.writeback_elements;
    added[CycleClass::idle] += c.kernel_cycles;
    added[CycleClass::non_matrix] += c.convert_in_cycles + c.writeback_cycles;
    r.chip = c;
  }
  if (run.makespan_cycles) *run.makespan_cycles += shift;
  if (run.total_breakdown)
    for (size_t k = 0; k < kCycleClassCount; ++k) run.total_breakdown->cycles[k] += added.cycles[k];
}

}  // namespace tpusim
