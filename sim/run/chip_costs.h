#pragma once
/// The costs a chip adds to each op around the folds its matrix units run (arch/chip/README.md):
/// a fixed cost per kernel, the conversion of the streamed operand to the array's native type and
/// the write-back of results through the vector path. Measured on TPU v4, none of them overlaps
/// the matrix units (sum, not max: overlapping them leaves large GEMMs a third too fast), so each
/// op's span grows by them and every later op moves back by as much.
#include "sim/mapper/mapped_workload.h"
#include "sim/run/layer_result.h"

namespace tpusim {

/// Whether `arch` has any of the costs (else reports are as for a single array).
bool has_chip_costs(const ArchConfig& arch);

/// The costs of one mapped op (zero for an op fused into another).
ChipCosts chip_costs(const ArchConfig& arch, const mapper::MappedLayer& m);

/// Adds every op's costs to `run` (native timing): cycles, classes (kernel: idle; conversion and
/// write-back: non_matrix), spans, the makespan, and the converted elements as vector lane-ops.
void apply_chip_costs(const mapper::MappedWorkload& mapped, RunResult& run);

}  // namespace tpusim
