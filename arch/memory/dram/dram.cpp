#include "arch/memory/dram/dram.h"

#include "arch/memory/dram/bandwidth_latency_dram.h"

namespace tpusim::arch {

void IDram::register_stats(stats::Registry& r) {
  r.add(name_ + ".read_bytes", stats::Unit::bytes, "bytes read from DRAM (payload, before rounding to bursts)",
        &read_bytes_);
  r.add(name_ + ".write_bytes", stats::Unit::bytes, "bytes written to DRAM (payload, before rounding to bursts)",
        &write_bytes_);
  r.add(name_ + ".bus_bytes", stats::Unit::bytes,
        "bytes the data bus carried: transfers rounded up to whole bursts (busy time = bus_bytes / bandwidth)",
        &bus_bytes_);
}

// The factory: one line per model. A model key in the config (/dram/model) would choose here;
// there is one model, so the config has none yet.
std::unique_ptr<IDram> make_dram(const ArchConfig& arch, std::string instance_name) {
  return std::make_unique<BandwidthLatencyDram>(arch, std::move(instance_name));
}

}  // namespace tpusim::arch
