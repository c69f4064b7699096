#pragma once
/// The energy of a run split by what spends it: compute (the matrix and vector units), memory
/// (on-chip buffers, HBM/DRAM and the DMA moving it), interconnect (chip-to-chip links) and
/// static (leakage over the wall time). Shared by the system report and the model runs
/// (results/README.md "Energy split"; sim/system/README.md "Energy").
#include <map>
#include <string>

namespace tpusim::metrics {

struct EnergySplit {
  double compute_pj = 0;       ///< mac + pe_register + vector
  double memory_pj = 0;        ///< sram.<buffer> + dram + dma
  double interconnect_pj = 0;  ///< link traversals: bytes x 8 x /link/energy_pj_per_bit
  double static_pj = 0;        ///< static power x time
  double total_pj() const { return compute_pj + memory_pj + interconnect_pj + static_pj; }
  EnergySplit& operator+=(const EnergySplit& o);
  EnergySplit scaled(double factor) const;
};

/// A chip's energy breakdown (report.json `energy_breakdown_pj`: mac, pe_register, vector,
/// sram.<buffer>, dram, dma, static) folded into the split, plus `interconnect_pj`. A component
/// the split does not know is our bug (a new one must be classed here): it panics.
EnergySplit split_energy(const std::map<std::string, double>& chip_breakdown_pj, double interconnect_pj = 0);

}  // namespace tpusim::metrics
