#pragma once
/// How a matrix op's MACs fall on the chip's matrix units (arch/chip/README.md): each fold of the
/// gang's array dealt to the units as the gang deals it, for per-unit and per-core utilization.
/// Pure C++.
#include <cstdint>
#include <vector>

#include "sim/mapper/plan.h"
#include "sim/spec/arch_config.h"

namespace tpusim::mapper {

/// The MACs each matrix unit does for plan `p`, core-major (core c's unit u at c x units + u):
/// the rows a unit holds (`rows`: its 128 of K), its columns (`cols`, and the cores' column
/// blocks with /chip/core_split `cols`) and its streamed rows (the cores' and, with `stream`,
/// the units' padded shares, as GemmPlan::unit_fold times them). The first units take full
/// shares, so an uneven split leaves the last ones short. Sums to the plan's executed MACs.
std::vector<uint64_t> unit_macs(const ArchConfig& arch, const GemmPlan& p);

}  // namespace tpusim::mapper
