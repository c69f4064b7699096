#pragma once
/// The one place where core-clock cycles meet SystemC time. The model runs in cycles: one
/// cycle is one tick of SystemC's time resolution (1 ps by default), so a cycle count maps to
/// sc_time exactly and back. Reported times in seconds come from cycles / clock_mhz, never
/// from sc_time (940 MHz is not a whole number of picoseconds). Latencies of other clock domains
/// (the DRAM's own clock, /dram/clock_mhz) become core cycles before they reach the model, in
/// sim/spec/clock_domains.h.
#include <cstdint>

#include <systemc>

namespace tpusim::arch {

inline sc_core::sc_time cycles_to_time(uint64_t cycles) { return sc_core::sc_time::from_value(cycles); }
inline uint64_t now_cycles() { return sc_core::sc_time_stamp().value(); }
/// Suspends the calling thread until cycle `c` (no-op if already there).
inline void wait_until(uint64_t c) {
  const uint64_t now = now_cycles();
  if (c > now) sc_core::wait(cycles_to_time(c - now));
}

}  // namespace tpusim::arch
