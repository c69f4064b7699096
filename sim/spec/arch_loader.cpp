#include "sim/spec/arch_loader.h"

#include <cctype>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/data_dir.h"
#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::config {

namespace {

constexpr uint64_t kMaxArrayDim = 65536;          // 2^16 PEs on a side: far beyond any real array
constexpr uint64_t kMaxBytes = 1ULL << 50;         // 1 PiB

ArrayConfig read_array(ObjectReader r) {
  ArrayConfig a;
  a.rows = static_cast<uint32_t>(r.u64("rows", 1, kMaxArrayDim, a.rows));
  a.cols = static_cast<uint32_t>(r.u64("cols", 1, kMaxArrayDim, a.cols));
  a.dataflow = r.enumeration("dataflow", a.dataflow);
  a.model = r.enumeration("model", a.model);
  a.double_buffer_stationary = r.boolean("double_buffer_stationary", a.double_buffer_stationary);
  a.preload_follows_wave = r.boolean("preload_follows_wave", a.preload_follows_wave);
  a.mac_latency_cycles = static_cast<uint32_t>(r.u64("mac_latency_cycles", 1, 64, a.mac_latency_cycles));
  a.overlap_folds = r.boolean("overlap_folds", a.overlap_folds);
  a.verify_results = r.boolean("verify_results", a.verify_results);
  a.max_pe_cycles = r.u64("max_pe_cycles", 0, UINT64_MAX, a.max_pe_cycles);
  a.macs_per_pe_per_cycle = static_cast<uint32_t>(r.u64("macs_per_pe_per_cycle", 1, 8, a.macs_per_pe_per_cycle));
  if ((a.macs_per_pe_per_cycle & (a.macs_per_pe_per_cycle - 1)) != 0)
    r.fail("macs_per_pe_per_cycle", fmt::format("must be 1, 2, 4 or 8, got {}", a.macs_per_pe_per_cycle));
  r.finish();
  return a;
}

DataTypes read_datatypes(ObjectReader r) {
  DataTypes d;
  d.input = r.enumeration("input", d.input);
  d.weight = r.enumeration("weight", d.weight);
  d.accumulator = r.enumeration("accumulator", d.accumulator);
  d.output = r.enumeration("output", d.output);
  r.finish();
  return d;
}

BufferConfig read_buffer(ObjectReader r, const std::string& name) {
  BufferConfig b;
  b.name = name;
  const json& holds = r.raw("holds");
  const std::string holds_ptr = r.pointer_of("holds");
  if (holds.is_string()) {
    b.holds.push_back(as_enum<BufferRole>(holds, r.file(), holds_ptr));
  } else if (holds.is_array() && !holds.empty()) {
    for (size_t i = 0; i < holds.size(); ++i) {
      const auto role = as_enum<BufferRole>(holds[i], r.file(), holds_ptr + "/" + std::to_string(i));
      if (b.holds_role(role))
        fail_at(r.file(), holds_ptr + "/" + std::to_string(i), fmt::format("\"{}\" listed twice", to_string(role)));
      b.holds.push_back(role);
    }
  } else {
    r.fail("holds", "must be a non-empty array of " + join(enum_names<BufferRole>()) + ", got " + describe(holds));
  }
  b.capacity_bytes = r.u64("capacity_bytes", 1, kMaxBytes);
  b.banks = static_cast<uint32_t>(r.u64("banks", 1, 4096, b.banks));
  b.ports = static_cast<uint32_t>(r.u64("ports", 1, 64, b.ports));
  b.bytes_per_cycle_per_port = r.u64("bytes_per_cycle_per_port", 1, 1ULL << 24, b.bytes_per_cycle_per_port);
  b.double_buffered = r.boolean("double_buffered", b.double_buffered);
  r.finish();
  return b;
}

DmaConfig read_dma(ObjectReader r) {
  DmaConfig d;
  d.channels = static_cast<uint32_t>(r.u64("channels", 1, 1024, d.channels));
  d.burst_bytes = r.u64("burst_bytes", 1, 1ULL << 24, d.burst_bytes);
  r.finish();
  return d;
}

/// The DRAM part presets shipped in configs/dram/, by name.
std::vector<std::string> dram_presets() {
  std::vector<std::string> names;
  const std::filesystem::path dir = shipped_config("dram");
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Fills `d` from a preset file (strict, like every config file).
void apply_dram_preset(DramConfig& d, const std::string& name) {
  const std::string path = shipped_config(std::filesystem::path("dram") / (name + ".json")).string();
  const json doc = load_json_file(path);
  ObjectReader p(doc, path, "");
  d.preset = name;
  d.part = p.string("part");
  d.type = p.enumeration<DramType>("type");
  (void)p.string("source");
  const double per_channel = p.number("bandwidth_gb_per_s_per_channel", 0.0, 1e6);
  d.channels = static_cast<uint32_t>(p.u64("channels", 1, 1024));
  d.bandwidth_gb_per_s = per_channel * d.channels;
  d.latency_ns = p.non_negative("latency_ns", 1e6);
  d.burst_bytes = p.u64("burst_bytes", 1, 1ULL << 24);
  d.capacity_bytes = p.u64("capacity_bytes_per_channel", 1, kMaxBytes) * d.channels;
  p.finish();
}

DramConfig read_dram(ObjectReader r) {
  DramConfig d;
  if (r.has("preset")) {
    const auto names = dram_presets();
    if (names.empty())
      r.fail("preset", fmt::format("no DRAM presets found in {} (is tpusim installed with its configs? {} overrides "
                                   "the data directory)",
                                   shipped_config("dram").string(), kDataDirVariable));
    const size_t i = r.choice("preset", names);
    apply_dram_preset(d, names[i]);
    // Channels scale a preset's bandwidth and capacity unless those are given too.
    if (r.has("channels")) {
      const uint32_t ch = static_cast<uint32_t>(r.u64("channels", 1, 1024));
      d.bandwidth_gb_per_s = d.bandwidth_gb_per_s / d.channels * ch;
      d.capacity_bytes = d.capacity_bytes / d.channels * ch;
      d.channels = ch;
    }
  }
  d.channels = static_cast<uint32_t>(r.u64("channels", 1, 1024, d.channels));
  d.part = r.string("part", d.part);
  d.bandwidth_gb_per_s = r.number("bandwidth_gb_per_s", 0.0, 1e6, d.bandwidth_gb_per_s);
  d.latency_ns = r.non_negative("latency_ns", 1e6, d.latency_ns);
  d.burst_bytes = r.u64("burst_bytes", 1, 1ULL << 24, d.burst_bytes);
  d.capacity_bytes = r.u64("capacity_bytes", 1, kMaxBytes, d.capacity_bytes);
  if (r.has("type")) {
    d.type = r.enumeration<DramType>("type");
  } else {
    // The leading word of the part label, when it names a type: "ddr3-2133 x2" -> ddr3.
    std::string lead;
    for (char c : d.part) {
      if (!std::isalnum(static_cast<unsigned char>(c))) break;
      lead += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (const auto t = enum_from_name<DramType>(lead)) d.type = *t;
  }
  r.finish();
  return d;
}

VectorConfig read_vector(ObjectReader r) {
  VectorConfig v;
  v.lanes = static_cast<uint32_t>(r.u64("lanes", 1, 1u << 20, v.lanes));
  r.finish();
  return v;
}

ScalesimOptions read_scalesim(ObjectReader r) {
  ScalesimOptions s;
  s.run_name = r.string("run_name", s.run_name);
  s.ifmap_offset = r.u64("ifmap_offset", 0, UINT64_MAX, s.ifmap_offset);
  s.filter_offset = r.u64("filter_offset", 0, UINT64_MAX, s.filter_offset);
  s.ofmap_offset = r.u64("ofmap_offset", 0, UINT64_MAX, s.ofmap_offset);
  if (r.has("bandwidth_words_per_cycle")) {
    const json& bw = r.raw("bandwidth_words_per_cycle");
    const std::string ptr = r.pointer_of("bandwidth_words_per_cycle");
    if (!bw.is_array()) r.fail("bandwidth_words_per_cycle", "must be an array of positive integers, got " + describe(bw));
    for (size_t i = 0; i < bw.size(); ++i)
      s.bandwidth_words_per_cycle.push_back(as_u64(bw[i], r.file(), ptr + "/" + std::to_string(i), 1, 1ULL << 32));
  }
  s.memory_banks = static_cast<uint32_t>(r.u64("memory_banks", 1, 4096, s.memory_banks));
  s.interface_bandwidth = r.enumeration("interface_bandwidth", s.interface_bandwidth);
  r.finish();
  return s;
}

void validate_roles(const ArchConfig& a, const std::string& file) {
  for (BufferRole role : {BufferRole::inputs, BufferRole::weights, BufferRole::outputs, BufferRole::accumulators}) {
    int n = 0;
    for (const auto& b : a.buffers) n += b.holds_role(role) ? 1 : 0;
    if (n > 1)
      fail_at(file, "/buffers", fmt::format("\"{}\" is held by {} buffers; exactly one may hold it", to_string(role), n));
    if (n == 0 && role != BufferRole::accumulators)
      fail_at(file, "/buffers", fmt::format("no buffer holds \"{}\"; add it to some buffer's \"holds\"", to_string(role)));
  }
}

}  // namespace

Override parse_override(const std::string& text) {
  const auto eq = text.find('=');
  if (text.empty() || text[0] != '/' || eq == std::string::npos || eq == 1)
    throw InputError(fmt::format("--set {}: expected /json/pointer=value, got \"{}\"", text, text));
  Override o;
  o.text = text;
  o.pointer = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  try {
    o.value = json::parse(value);
  } catch (const json::parse_error&) {
    o.value = value;  // not JSON: a plain string such as ws or ddr4-3200
  }
  try {
    (void)json::json_pointer(o.pointer);
  } catch (const json::exception& e) {
    throw InputError(fmt::format("--set {}: invalid JSON pointer \"{}\"", text, o.pointer));
  }
  return o;
}

void apply_overrides(json& doc, const std::vector<Override>& overrides) {
  for (const auto& o : overrides) {
    try {
      doc[json::json_pointer(o.pointer)] = o.value;
    } catch (const json::exception&) {
      throw InputError(fmt::format("--set {}: {} does not lead through objects in the config", o.text, o.pointer));
    }
  }
}

void rethrow_with_override_context(const std::exception& e, const std::vector<Override>& overrides) {
  const std::string what = e.what();
  for (const auto& o : overrides) {
    if (what.find(": " + o.pointer + ":") != std::string::npos ||
        what.find(": " + o.pointer + "/") != std::string::npos)
      throw InputError(fmt::format("--set {}: {}", o.text, what));
  }
  throw InputError(what);
}

ArchConfig parse_arch(const json& doc, const std::string& file) {
  ObjectReader r(doc, file, "");
  ArchConfig a;
  a.file = file;
  a.name = r.string("name", a.name);
  a.source = r.string("source", a.source);
  (void)r.string("notes", "");  // free text for humans
  a.clock_mhz = r.number("clock_mhz", 0.0, 1e6, a.clock_mhz);
  a.timing = r.enumeration("timing", a.timing);
  if (r.has("array")) a.array = read_array(ObjectReader(r.raw("array"), file, "/array"));
  if (r.has("datatypes")) a.datatypes = read_datatypes(ObjectReader(r.raw("datatypes"), file, "/datatypes"));
  {
    ObjectReader buffers(r.raw("buffers"), file, "/buffers");
    for (auto it = doc.at("buffers").begin(); it != doc.at("buffers").end(); ++it) {
      (void)buffers.raw(it.key());
      a.buffers.push_back(read_buffer(ObjectReader(it.value(), file, buffers.pointer_of(it.key())), it.key()));
    }
  }
  if (r.has("dma")) a.dma = read_dma(ObjectReader(r.raw("dma"), file, "/dma"));
  if (r.has("dram")) a.dram = read_dram(ObjectReader(r.raw("dram"), file, "/dram"));
  if (r.has("vector")) a.vector = read_vector(ObjectReader(r.raw("vector"), file, "/vector"));
  a.energy_table = r.string("energy_table", a.energy_table);
  a.activations_on_chip = r.boolean("activations_on_chip", a.activations_on_chip);
  if (r.has("scalesim")) a.scalesim = read_scalesim(ObjectReader(r.raw("scalesim"), file, "/scalesim"));
  r.finish();
  if (a.timing == TimingMode::scalesim_v2 && a.scalesim && a.scalesim->interface_bandwidth == InterfaceBandwidth::user)
    fail_at(file, "/scalesim/interface_bandwidth",
            "scalesim-v2 timing reproduces SCALE-Sim's CALC mode only, got \"USER\"; set it to \"CALC\", "
            "or set /timing to \"native\" to model the DRAM bandwidth");
  if (a.buffers.size() > 8)  // the program tracks SRAM traffic in fixed arrays (arch::kMaxBuffers)
    fail_at(file, "/buffers", fmt::format("at most 8 buffers are supported, got {}", a.buffers.size()));
  validate_roles(a, file);
  return a;
}

ArchConfig parse_arch(json doc, const std::string& file, const std::vector<Override>& overrides) {
  if (overrides.empty()) return parse_arch(doc, file);
  apply_overrides(doc, overrides);
  try {
    return parse_arch(doc, file);
  } catch (const InputError& e) {
    rethrow_with_override_context(e, overrides);
  }
}

ArchConfig load_arch_json(const std::string& path, const std::vector<Override>& overrides) {
  return parse_arch(load_json_file(path), path, overrides);
}

json to_json(const ArchConfig& a) {
  json j;
  j["name"] = a.name;
  if (!a.source.empty()) j["source"] = a.source;
  j["clock_mhz"] = a.clock_mhz;
  j["timing"] = to_string(a.timing);
  j["array"] = {{"rows", a.array.rows},
                {"cols", a.array.cols},
                {"dataflow", to_string(a.array.dataflow)},
                {"model", to_string(a.array.model)},
                {"double_buffer_stationary", a.array.double_buffer_stationary},
                {"preload_follows_wave", a.array.preload_follows_wave},
                {"mac_latency_cycles", a.array.mac_latency_cycles},
                {"overlap_folds", a.array.overlap_folds},
                {"verify_results", a.array.verify_results},
                {"max_pe_cycles", a.array.max_pe_cycles},
                {"macs_per_pe_per_cycle", a.array.macs_per_pe_per_cycle}};
  j["datatypes"] = {{"input", to_string(a.datatypes.input)},
                    {"weight", to_string(a.datatypes.weight)},
                    {"accumulator", to_string(a.datatypes.accumulator)},
                    {"output", to_string(a.datatypes.output)}};
  json buffers = json::object();
  for (const auto& b : a.buffers) {
    json holds = json::array();
    for (auto h : b.holds) holds.push_back(to_string(h));
    buffers[b.name] = {{"holds", holds},
                       {"capacity_bytes", b.capacity_bytes},
                       {"banks", b.banks},
                       {"ports", b.ports},
                       {"bytes_per_cycle_per_port", b.bytes_per_cycle_per_port},
                       {"double_buffered", b.double_buffered}};
  }
  j["buffers"] = buffers;
  j["dma"] = {{"channels", a.dma.channels}, {"burst_bytes", a.dma.burst_bytes}};
  j["dram"] = {{"part", a.dram.part},
               {"channels", a.dram.channels},
               {"bandwidth_gb_per_s", a.dram.bandwidth_gb_per_s},
               {"latency_ns", a.dram.latency_ns},
               {"burst_bytes", a.dram.burst_bytes},
               {"capacity_bytes", a.dram.capacity_bytes},
               {"type", to_string(a.dram.type)}};
  if (!a.dram.preset.empty()) j["dram"]["preset"] = a.dram.preset;
  j["vector"] = {{"lanes", a.vector.lanes}};
  j["energy_table"] = a.energy_table;
  j["activations_on_chip"] = a.activations_on_chip;
  if (a.scalesim) {
    const ScalesimOptions& s = *a.scalesim;
    j["scalesim"] = {{"run_name", s.run_name},
                     {"ifmap_offset", s.ifmap_offset},
                     {"filter_offset", s.filter_offset},
                     {"ofmap_offset", s.ofmap_offset},
                     {"bandwidth_words_per_cycle", s.bandwidth_words_per_cycle},
                     {"memory_banks", s.memory_banks},
                     {"interface_bandwidth", to_string(s.interface_bandwidth)}};
  }
  return j;
}

}  // namespace tpusim::config
