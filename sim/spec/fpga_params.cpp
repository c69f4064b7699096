// The /fpga section and the device tables of configs/fpga/ (sim/spec/README.md, "FPGA
// accelerators"): keys, their checks, and the resources a design uses of its device.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/data_dir.h"
#include "sim/spec/arch_params.h"
#include "sim/spec/fpga_resources.h"

namespace tpusim {

FpgaMemoryGeometry geometry_of(FpgaMemory m) {
  switch (m) {  // UG473 (7 series) Table 1-3 and 1-4, UG573 (UltraScale) chapter 2: SDP widths
    case FpgaMemory::bram18: return {16384, 32};
    case FpgaMemory::bram36: return {32768, 64};
    case FpgaMemory::uram: return {262144, 64};
  }
  return {0, 0};
}

FpgaMemory FpgaConfig::memory_of(const std::string& buffer) const {
  for (const auto& m : memory)
    if (m.buffer == buffer) return m.memory;
  return FpgaMemory::bram36;
}

double FpgaConfig::dsps_per_mac(DataType t) const {
  const auto it = spec.dsps_per_mac.find(t);
  return it == spec.dsps_per_mac.end() ? 0.0 : it->second;
}

double FpgaConfig::pj_per_access(FpgaMemory m) const {
  switch (m) {
    case FpgaMemory::bram18: return spec.bram18_pj_per_access;
    case FpgaMemory::bram36: return spec.bram36_pj_per_access;
    case FpgaMemory::uram: return spec.uram_pj_per_access;
  }
  return 0;
}

namespace config {

namespace {

using params::ParamInfo;
using params::Table;

/// /dsps_per_mac of a device file: {"<datatype>": n}, n a whole number of slices per MAC or the
/// reciprocal of a whole number of MACs per slice (0.5: two MACs share a slice).
void read_dsps_per_mac(ObjectReader& r, FpgaDevice& d, const ParamInfo& p) {
  const json& v = r.raw(p.key);
  ObjectReader items(v, r.file(), r.pointer_of(p.key));
  for (const auto& [k, x] : v.items()) {
    (void)items.raw(k);
    const auto t = enum_from_name<DataType>(k);
    if (!t) items.fail(k, fmt::format("unknown datatype \"{}\"; allowed: {}", k, join(enum_names<DataType>())));
    const double n = items.number(k, 0.0, 64.0);
    const bool whole = n >= 1 && n == std::floor(n);
    const bool reciprocal = n < 1 && std::fabs(1.0 / n - std::round(1.0 / n)) < 1e-9;
    if (!whole && !reciprocal)
      items.fail(k, fmt::format("must be a whole number of DSP slices per MAC (1, 2, ...) or 1/k for k MACs per "
                                "slice (0.5, 0.25, ...), got {}", n));
    d.dsps_per_mac[*t] = n;
  }
  if (d.dsps_per_mac.empty()) r.fail(p.key, "must list at least one datatype, got {}");
}

json write_dsps_per_mac(const FpgaDevice& d) {
  json j = json::object();
  for (const auto& [t, n] : d.dsps_per_mac) j[to_string(t)] = n;
  return j;
}

}  // namespace

const Table<FpgaDevice>& fpga_device_params() {
  static const Table<FpgaDevice> t = [] {
    Table<FpgaDevice> t("fpga_device", "an FPGA device table (configs/fpga/<device>.json)");
    using D = FpgaDevice;
    t.string("part", &D::part, "", "the device's part number, as its datasheet spells it").required();
    t.string("source", &D::source, "",
             "the datasheet of the resource counts and the derivation of every power figure (which are estimates)")
        .required();
    t.string("dsp_primitive", &D::dsp_primitive, "", "the DSP slice (`DSP48E1`, `DSP48E2`)").required();
    t.integer("dsp_slices", &D::dsp_slices, 1, 1ULL << 24, "slices", "DSP slices on the device").required();
    t.integer("bram36_blocks", &D::bram36_blocks, 0, 1ULL << 24, "blocks",
              "36 Kb block RAMs on the device (each usable as two 18 Kb blocks)").required();
    t.integer("uram_blocks", &D::uram_blocks, 0, 1ULL << 24, "blocks", "288 Kb UltraRAM blocks (0: none)").required();
    ParamInfo per_mac;
    per_mac.key = "dsps_per_mac";
    per_mac.type = "object";
    per_mac.unit = "slices/MAC";
    per_mac.allowed = "datatype -> 1, 2, ... or 0.5, 0.25, ...";
    per_mac.description =
        "DSP slices one MAC per cycle of the datatype (the wider of input and weight) takes; a datatype not listed "
        "cannot be built on the device";
    per_mac.required = true;
    t.custom(per_mac, &read_dsps_per_mac, &write_dsps_per_mac);
    t.non_negative("static_power_w", &D::static_power_w, 1e4, "W", "device static power").required();
    t.non_negative("dsp_pj_per_cycle", &D::dsp_pj_per_cycle, 1e6, "pJ", "one DSP slice busy for one cycle")
        .required();
    t.non_negative("bram18_pj_per_access", &D::bram18_pj_per_access, 1e6, "pJ",
                   "one read or write of a BRAM18 at its full port width").required();
    t.non_negative("bram36_pj_per_access", &D::bram36_pj_per_access, 1e6, "pJ",
                   "one read or write of a BRAM36 at its full port width").required();
    t.non_negative("uram_pj_per_access", &D::uram_pj_per_access, 1e6, "pJ",
                   "one read or write of a URAM block at its full port width").required();
    return t;
  }();
  return t;
}

namespace {

std::vector<std::string> fpga_devices() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(shipped_config("fpga"), ec))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

void read_device(ObjectReader& r, FpgaConfig& f, const ParamInfo& p) {
  const auto names = fpga_devices();
  if (names.empty())
    r.fail(p.key, fmt::format("no FPGA device tables found in {} ({} overrides the data directory)",
                              shipped_config("fpga").string(), kDataDirVariable));
  f.device = names[r.choice(p.key, names)];
  const std::string path = (shipped_config("fpga") / (f.device + ".json")).string();
  fpga_device_params().read(load_json_file(path), path, "", f.spec);
}

/// /fpga/memory: {"<buffer>": "bram18" | "bram36" | "uram"}; the buffers are checked against
/// /buffers when the whole architecture is read (validate_fpga).
void read_memory(ObjectReader& r, FpgaConfig& f, const ParamInfo& p) {
  const json& v = r.raw(p.key);
  ObjectReader items(v, r.file(), r.pointer_of(p.key));
  for (const auto& [k, x] : v.items()) {
    (void)items.raw(k);
    f.memory.push_back({k, as_enum<FpgaMemory>(x, r.file(), items.pointer_of(k))});
  }
}

json write_memory(const FpgaConfig& f) {
  json j = json::object();
  for (const auto& m : f.memory) j[m.buffer] = to_string(m.memory);
  return j;
}

}  // namespace

const Table<FpgaConfig>& fpga_params() {
  static const Table<FpgaConfig> t = [] {
    Table<FpgaConfig> t("fpga", "an accelerator built on an FPGA");
    ParamInfo device;
    device.key = "device";
    device.type = "string";
    device.allowed = "a file name (without `.json`) in `configs/fpga/`";
    device.description =
        "the device the design is built on: its DSP slices, block RAMs and UltraRAMs limit the array and the "
        "buffers, its power figures price them (see \"FPGA devices\")";
    device.required = true;
    t.custom(device, &read_device, [](const FpgaConfig& f) { return json(f.device); });
    ParamInfo memory;
    memory.key = "memory";
    memory.type = "object";
    memory.allowed = "buffer name -> `bram18`, `bram36`, `uram`";
    memory.description =
        "the primitive each buffer is built from; a buffer not listed is `bram36`. Blocks per buffer = max(ceil("
        "capacity bits / data bits per block), ports x ceil(port bits / port data bits per block))";
    memory.default_text = "every buffer `bram36`";
    t.custom(memory, &read_memory, &write_memory);
    return t;
  }();
  return t;
}

namespace {

[[noreturn]] void too_big(const std::string& file, const std::string& pointer, const FpgaConfig& f,
                          const std::string& what, uint64_t need, uint64_t have, const std::string& why) {
  fail_at(file, pointer,
          fmt::format("the design needs {} {} ({}), the device {} has {}", need, what, why, f.spec.part, have));
}

}  // namespace

void validate_fpga(const std::string& file, ArchConfig& a) {
  FpgaConfig& f = *a.fpga;
  for (const auto& m : f.memory) {
    const bool known = std::any_of(a.buffers.begin(), a.buffers.end(), [&](const BufferConfig& b) { return b.name == m.buffer; });
    if (!known) fail_at(file, "/fpga/memory/" + pointer_escape(m.buffer), fmt::format("no buffer named \"{}\" in /buffers", m.buffer));
  }
  std::vector<FpgaBufferMemory> all;  // every buffer, in /buffers order
  for (const auto& b : a.buffers) all.push_back({b.name, f.memory_of(b.name)});
  f.memory = std::move(all);
  const DataType t = mac_datatype(a.datatypes);
  if (f.dsps_per_mac(t) == 0)
    fail_at(file, "/datatypes", fmt::format("{} MACs cannot be built on {}: its table (configs/fpga/{}.json) lists {}",
                                            to_string(t), f.spec.part, f.device, write_dsps_per_mac(f.spec).dump()));
  const FpgaResources r = fpga_resources(a);
  if (r.dsp_used > r.dsp_available)
    too_big(file, "/array", f, f.spec.dsp_primitive + " slices", r.dsp_used, r.dsp_available,
            fmt::format("{} PEs x {} MACs per PE per cycle x {} slices per {} MAC", a.pes(), a.array.macs_per_pe_per_cycle,
                        f.dsps_per_mac(t), to_string(t)));
  // Which buffers take the blocks: "filter 2442 bram18, ofmap 64 bram36".
  auto per_buffer = [&](bool uram) {
    std::string s;
    for (const auto& b : r.buffers)
      if ((b.memory == FpgaMemory::uram) == uram)
        s += fmt::format("{}{} {} {}", s.empty() ? "" : ", ", b.buffer, b.blocks, to_string(b.memory));
    return s;
  };
  if (r.bram18_used > r.bram18_available)
    too_big(file, "/buffers", f, "18 Kb block RAMs", r.bram18_used, r.bram18_available,
            per_buffer(false) + "; a BRAM36 counts 2");
  if (r.uram_used > r.uram_available)
    too_big(file, "/buffers", f, "UltraRAM blocks", r.uram_used, r.uram_available, per_buffer(true));
}

}  // namespace config

FpgaResources fpga_resources(const ArchConfig& a) {
  FpgaResources r;
  if (!a.fpga) return r;
  const FpgaConfig& f = *a.fpga;
  r.dsp_available = f.spec.dsp_slices;
  r.bram18_available = 2 * f.spec.bram36_blocks;
  r.uram_available = f.spec.uram_blocks;
  // A slice per MAC n >= 1 is whole; below 1 it is 1/k, k MACs sharing a slice (rounded up).
  const double n = f.dsps_per_mac(mac_datatype(a.datatypes));
  const uint64_t macs = a.pes() * a.array.macs_per_pe_per_cycle;
  r.dsp_used = n >= 1 ? macs * static_cast<uint64_t>(n)
                      : (macs + static_cast<uint64_t>(std::llround(1 / n)) - 1) / static_cast<uint64_t>(std::llround(1 / n));
  for (const auto& b : a.buffers) {
    FpgaBufferUse u;
    u.buffer = b.name;
    u.memory = f.memory_of(b.name);
    const FpgaMemoryGeometry g = geometry_of(u.memory);
    const uint64_t bits = b.capacity_bytes * 8, port_bits = b.bytes_per_cycle_per_port * 8;
    u.blocks_for_capacity = (bits + g.data_bits - 1) / g.data_bits;
    u.blocks_for_ports = uint64_t(b.ports) * ((port_bits + g.port_data_bits - 1) / g.port_data_bits);
    u.blocks = std::max(u.blocks_for_capacity, u.blocks_for_ports);
    if (u.memory == FpgaMemory::uram) r.uram_used += u.blocks;
    else r.bram18_used += u.memory == FpgaMemory::bram36 ? 2 * u.blocks : u.blocks;
    r.buffers.push_back(u);
  }
  return r;
}

nlohmann::json fpga_resources_json(const ArchConfig& a) {
  using nlohmann::json;
  if (!a.fpga) return nullptr;
  const FpgaResources r = fpga_resources(a);
  auto use = [](uint64_t used, uint64_t available) {
    return json{{"used", used}, {"available", available},
                {"utilization", available > 0 ? double(used) / double(available) : 0.0}};
  };
  json buffers = json::object();
  for (const auto& b : r.buffers)
    buffers[b.buffer] = {{"memory", to_string(b.memory)}, {"blocks", b.blocks},
                         {"blocks_for_capacity", b.blocks_for_capacity}, {"blocks_for_ports", b.blocks_for_ports}};
  return {{"device", a.fpga->device}, {"part", a.fpga->spec.part}, {"dsp_primitive", a.fpga->spec.dsp_primitive},
          {"dsp", use(r.dsp_used, r.dsp_available)}, {"bram18", use(r.bram18_used, r.bram18_available)},
          {"uram", use(r.uram_used, r.uram_available)}, {"buffers", buffers}};
}

}  // namespace tpusim
