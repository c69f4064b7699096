#include "sim/cli/describe.h"

#include <fmt/format.h>

#include "sim/base/data_dir.h"
#include "sim/base/error.h"
#include "sim/metrics/metrics.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/fpga_resources.h"

namespace tpusim::cli {

namespace {

/// The data directory in use, or null when there is none (an architecture that names no preset
/// and no shipped energy table needs none).
nlohmann::json data_dir_json() {
  try {
    return data_dir().string();
  } catch (const InputError&) {
    return nullptr;
  }
}

/// "  FPGA  XC7VX485T: DSP48E1 2240 of 2800 (80.0 %), BRAM18 1038 of 2060 (50.4 %), ..."
void print_fpga(std::ostream& out, const nlohmann::json& f) {
  auto line = [&](const char* what, const nlohmann::json& u) {
    out << fmt::format("    {:<14} {:>8} of {:>8} ({:.1f} %)\n", what, u["used"].get<uint64_t>(),
                       u["available"].get<uint64_t>(), 100.0 * u["utilization"].get<double>());
  };
  out << fmt::format("  FPGA device      {} ({})\n", f["part"].get<std::string>(), f["device"].get<std::string>());
  line(f["dsp_primitive"].get<std::string>().c_str(), f["dsp"]);
  line("BRAM18", f["bram18"]);
  line("URAM", f["uram"]);
  for (const auto& [name, b] : f["buffers"].items())
    out << fmt::format("    buffer {:<7} {:>8} {} (capacity {}, ports {})\n", name, b["blocks"].get<uint64_t>(),
                       b["memory"].get<std::string>(), b["blocks_for_capacity"].get<uint64_t>(),
                       b["blocks_for_ports"].get<uint64_t>());
}

}  // namespace

nlohmann::json describe_arch(const ArchConfig& arch) {
  const metrics::Peak peak = metrics::peak(arch);  // the reports' peak (report.json totals)
  uint64_t sram = 0;
  nlohmann::json buffers = nlohmann::json::object();
  for (const auto& b : arch.buffers) {
    sram += b.capacity_bytes;
    buffers[b.name] = b.capacity_bytes;
  }
  nlohmann::json d = {{"name", arch.name},
          {"pes", peak.pes},
          {"cores", arch.chip.cores},
          {"matrix_units_per_core", arch.core.matrix_units},
          {"matrix_units", arch.matrix_units()},
          {"macs_per_pe_per_cycle", peak.macs_per_pe_per_cycle},
          {"peak_macs_per_cycle", peak.macs_per_cycle},
          {"peak_macs_per_s", peak.macs_per_s},
          {"peak_tops", peak.tops},
          {"dram_bandwidth_bytes_per_s", peak.dram_bytes_per_s},
          {"dram_bytes_per_cycle", peak.dram_bytes_per_cycle},
          {"dram_latency_cycles", arch.dram_latency_cycles()},
          {"ridge_macs_per_byte", peak.ridge_macs_per_byte},
          {"sram_total_bytes", sram},
          {"buffer_capacity_bytes", buffers},
          {"data_dir", data_dir_json()},
          {"arch", config::to_json(arch)}};
  if (arch.fpga) d["fpga"] = fpga_resources_json(arch);
  return d;
}

void print_description(std::ostream& out, const ArchConfig& arch, const nlohmann::json& d) {
  const std::string units =
      arch.matrix_units() == 1
          ? fmt::format("{}x{} {} array", arch.array.rows, arch.array.cols, to_string(arch.array.dataflow))
          : fmt::format("{} core{} x {} matrix unit{} of {}x{} {}", arch.chip.cores, arch.chip.cores == 1 ? "" : "s",
                        arch.core.matrix_units, arch.core.matrix_units == 1 ? "" : "s", arch.array.rows,
                        arch.array.cols, to_string(arch.array.dataflow));
  out << fmt::format("{}: {}, {} MHz, {} inputs / {} weights\n", arch.name, units, arch.clock_mhz,
                     to_string(arch.datatypes.input), to_string(arch.datatypes.weight));
  const uint32_t p = d["macs_per_pe_per_cycle"].get<uint32_t>();
  out << fmt::format("  peak compute     {:.4g} TMAC/s = {:.4g} TOPS (2 ops per MAC{})\n",
                     d["peak_macs_per_s"].get<double>() / 1e12, d["peak_tops"].get<double>(),
                     p > 1 ? fmt::format(", {} MACs per PE per cycle", p) : "");
  out << fmt::format("  DRAM             {} at {:.4g} GB/s ({:.4g} B/cycle), latency {} cycles\n", arch.dram.part,
                     arch.dram.bandwidth_gb_per_s, d["dram_bytes_per_cycle"].get<double>(),
                     d["dram_latency_cycles"].get<uint64_t>());
  out << fmt::format("  ridge point      {:.4g} MACs per DRAM byte\n", d["ridge_macs_per_byte"].get<double>());
  for (const auto& b : arch.buffers) {
    std::string holds;
    for (auto h : b.holds) holds += std::string(holds.empty() ? "" : ", ") + to_string(h);
    out << fmt::format("  buffer {:<10} {:>12} bytes ({:.4g} KiB), holds {}{}\n", b.name, b.capacity_bytes,
                       b.capacity_bytes / 1024.0, holds, b.double_buffered ? ", double-buffered" : "");
  }
  if (d.contains("fpga")) print_fpga(out, d["fpga"]);
  out << fmt::format("  data directory   {}\n", d["data_dir"].is_null()
                                                   ? std::string("none (set ") + kDataDirVariable + ")"
                                                   : d["data_dir"].get<std::string>());
}

}  // namespace tpusim::cli
