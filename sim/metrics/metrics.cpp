#include "sim/metrics/metrics.h"

#include <algorithm>

namespace tpusim::metrics {

namespace {

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

}  // namespace

double clock_hz(const ArchConfig& arch) { return arch.clock_mhz * 1e6; }

Peak peak(const ArchConfig& arch) {
  Peak p;
  p.pes = arch.pes();
  p.macs_per_pe_per_cycle = arch.pe_macs_per_cycle();
  p.macs_per_cycle = arch.peak_macs_per_cycle();
  p.macs_per_s = static_cast<double>(p.macs_per_cycle) * arch.clock_mhz * 1e6;  // this order: same last bits as before
  p.tops = 2.0 * p.macs_per_s / 1e12;
  p.dram_bytes_per_s = arch.bandwidth_bytes_per_s();
  p.dram_bytes_per_cycle = arch.dram_bytes_per_cycle();
  p.ridge_macs_per_byte = p.macs_per_s / p.dram_bytes_per_s;
  return p;
}

double seconds(const ArchConfig& arch, uint64_t cycles) { return static_cast<double>(cycles) / clock_hz(arch); }

double utilization(const ArchConfig& arch, double executed_macs, uint64_t cycles) {
  // cycles x pes x p, multiplied in this order (the reports' figures keep their last bits).
  return ratio(executed_macs, static_cast<double>(cycles) * static_cast<double>(arch.pes()) * arch.pe_macs_per_cycle());
}

double tops(uint64_t macs, double seconds) { return ratio(2.0 * static_cast<double>(macs), seconds) / 1e12; }

Roofline roofline(const ArchConfig& arch, uint64_t macs, uint64_t dram_bytes, uint64_t cycles) {
  const Peak pk = peak(arch);
  const double bytes = static_cast<double>(dram_bytes), m = static_cast<double>(macs);
  const double s = seconds(arch, cycles);
  Roofline f;
  if (bytes > 0) f.operational_intensity_macs_per_byte = m / bytes;
  f.attained_macs_per_s = s > 0 ? m / s : 0.0;
  f.roof_macs_per_s = bytes > 0 ? std::min(pk.macs_per_s, m / bytes * pk.dram_bytes_per_s) : pk.macs_per_s;
  f.compute_bound = bytes == 0 || m / bytes >= pk.macs_per_s / pk.dram_bytes_per_s;
  return f;
}

double dram_busy_cycles(const ArchConfig& arch, uint64_t bus_bytes) {
  return static_cast<double>(bus_bytes) / arch.dram_bytes_per_cycle();
}

double busy_share(double busy_cycles, uint64_t span_cycles) {
  return ratio(busy_cycles, static_cast<double>(span_cycles));
}

}  // namespace tpusim::metrics
