#include "arch/memory/dram/dram.h"

#include "arch/memory/dram/bandwidth_latency_dram.h"

namespace tpusim::arch {

void IDram::register_stats(stats::Registry& r) const {
  r.add(name_ + ".read_bytes", stats::Unit::bytes, "bytes read from DRAM (payload, before rounding to bursts)",
        [this] { return read_bytes(); });
  r.add(name_ + ".write_bytes", stats::Unit::bytes, "bytes written to DRAM (payload, before rounding to bursts)",
        [this] { return write_bytes(); });
  r.add(name_ + ".busy_cycles", stats::Unit::cycles, "cycles the data bus carried bursts (rounded up to whole cycles)",
        [this] { return busy_cycles(); });
}

// The factory: one line per model. A model key in the config (/dram/model) would choose here;
// there is one model, so the config has none yet.
std::unique_ptr<IDram> make_dram(const ArchConfig& arch, std::string instance_name) {
  return std::make_unique<BandwidthLatencyDram>(arch, std::move(instance_name));
}

}  // namespace tpusim::arch
