#pragma once
/// Clock domains (DESIGN.md, "Hierarchy": the core, the HBM and the interconnect each have a
/// period). The model runs in core cycles (arch/clock_domain.h maps them to SystemC time); a
/// latency given in another domain's cycles or in nanoseconds becomes core cycles here and nowhere
/// else. Pure: no SystemC.
#include <cmath>
#include <cstdint>

namespace tpusim::clock {

/// Core cycles that `cycles` of a domain clocked at `domain_mhz` last on a core at `core_mhz`
/// (fractional: sum the parts of one latency before rounding it once).
inline double core_cycles_of_domain(double cycles, double domain_mhz, double core_mhz) {
  return cycles == 0 ? 0.0 : cycles * core_mhz / domain_mhz;
}

/// Core cycles that `ns` nanoseconds last at `core_mhz` (ns x MHz / 1000), fractional.
inline double core_cycles_of_ns(double ns, double core_mhz) { return ns * core_mhz / 1000.0; }

/// A latency of `core_cycles` (fractional) as whole core cycles: rounded up, since a partial cycle
/// still costs a cycle, without letting 1e-9 of float error add one (105.000000001 -> 105).
inline uint64_t whole_cycles_up(double core_cycles) { return static_cast<uint64_t>(std::ceil(core_cycles - 1e-9)); }

}  // namespace tpusim::clock
