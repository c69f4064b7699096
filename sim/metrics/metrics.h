#pragma once
/// Derived figures: formulas over an architecture and a run's counters, defined once and shared
/// by `tpusim describe` and the reports (peak compute, ridge point, DRAM bandwidth, utilization,
/// attained TOPS, roofline, busy shares). Counters are plain integers (sim/base/stats.h); every
/// ratio, rate and busy time computed from them is here. Pure C++.
#include <cstdint>
#include <optional>

#include "sim/spec/arch_config.h"

namespace tpusim::metrics {

/// Clock of the core in Hz.
double clock_hz(const ArchConfig& arch);

/// What an architecture can do at most.
struct Peak {
  uint64_t pes = 0;                   ///< the chip's PEs: rows x cols x matrix units per core x cores
  uint32_t macs_per_pe_per_cycle = 0; ///< ArchConfig::pe_macs_per_cycle (1 in scalesim-v2 timing)
  uint64_t macs_per_cycle = 0;        ///< pes x macs_per_pe_per_cycle
  double macs_per_s = 0;              ///< macs_per_cycle x clock
  double tops = 0;                    ///< 2 x macs_per_s / 1e12 (a MAC is two operations)
  double dram_bytes_per_s = 0;        ///< /dram/bandwidth_gb_per_s x 1e9
  double dram_bytes_per_cycle = 0;    ///< dram_bytes_per_s / clock
  /// The operational intensity (MACs per DRAM byte) above which a layer is compute bound:
  /// macs_per_s / dram_bytes_per_s.
  double ridge_macs_per_byte = 0;
};
Peak peak(const ArchConfig& arch);

/// cycles / clock.
double seconds(const ArchConfig& arch, uint64_t cycles);

/// Share of the chip's MAC slots that did work: executed_macs / (cycles x peak MACs per cycle);
/// 0 over 0 cycles. Executed MACs (N:M-skipped zeros left out) keep it within 0..1.
double utilization(const ArchConfig& arch, double executed_macs, uint64_t cycles);

/// Operations per second attained, in TOPS: 2 x macs / seconds / 1e12; 0 over 0 seconds.
double tops(uint64_t macs, double seconds);

/// Where a layer sits on the roofline (Williams et al., CACM 2009) of MACs against DRAM bytes.
struct Roofline {
  std::optional<double> operational_intensity_macs_per_byte;  ///< macs / DRAM bytes; none without DRAM traffic
  double attained_macs_per_s = 0;                             ///< macs / seconds
  double roof_macs_per_s = 0;                                 ///< min(peak, intensity x bandwidth)
  bool compute_bound = false;                                 ///< intensity at or above the ridge point
};
Roofline roofline(const ArchConfig& arch, uint64_t macs, uint64_t dram_bytes, uint64_t cycles);

/// Cycles the DRAM data bus was busy carrying `bus_bytes` (whole bursts, counter
/// top.dram.bus_bytes) at the configured bandwidth: bus_bytes / dram_bytes_per_cycle.
double dram_busy_cycles(const ArchConfig& arch, uint64_t bus_bytes);

/// busy / span, 0 over an empty span: the share of a span a resource was busy.
double busy_share(double busy_cycles, uint64_t span_cycles);

}  // namespace tpusim::metrics
