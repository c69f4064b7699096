#include "sim/spec/system_spec.h"

#include <cctype>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::config {

namespace {

constexpr uint64_t kMaxChips = 1ULL << 20;            // a million chips: beyond any built system
constexpr uint64_t kMaxFullyConnectedChips = 1024;    // N^2 links are stored; a full mesh beyond this is not built
constexpr uint64_t kMaxAxisSize = 65536;
constexpr double kMaxBandwidthGbPerS = 1e6;           // 1 PB/s per link
constexpr double kMaxLatencyNs = 1e9;                 // one second per hop
constexpr double kMaxPjPerBit = 1e4;                  // 10 nJ per bit: far above any link (optics ~10-100)

/// `value` x `scale` as a whole number; InputError if it is not one (within 1e-3, the rounding of
/// a decimal such as 0.1 read into a double). Keeps link parameters exact integers.
uint64_t whole(ObjectReader& r, const std::string& key, double value, double scale, const char* unit) {
  const double scaled = value * scale;
  const double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) > 1e-3)
    r.fail(key, fmt::format("must give a whole number of {}, got {}", unit, value));
  return static_cast<uint64_t>(rounded);
}

/// Reads a link class's keys from `r` (the caller reads any others and calls finish()).
LinkSpec read_link(ObjectReader& r, bool per_neighbour, double default_pj_per_bit) {
  LinkSpec l;
  l.bandwidth_gb_per_s = r.number("bandwidth_gb_per_s", 0.0, kMaxBandwidthGbPerS);
  l.latency_ns = r.non_negative("latency_ns", kMaxLatencyNs);
  l.efficiency = r.number("efficiency", 0.0, 1.0, l.efficiency);
  if (per_neighbour) l.links_per_neighbour = static_cast<uint32_t>(r.u64("links_per_neighbour", 1, 64, 1));
  l.energy_pj_per_bit = r.non_negative("energy_pj_per_bit", kMaxPjPerBit, default_pj_per_bit);
  l.bandwidth_bytes_per_s = whole(r, "bandwidth_gb_per_s", l.bandwidth_gb_per_s, 1e9, "bytes per second");
  l.latency_ps = whole(r, "latency_ns", l.latency_ns, 1e3, "picoseconds");
  // Rounded to a whole byte per second (at most 0.5 B/s off, far below any figure it is derived from).
  l.effective_bandwidth_bytes_per_s =
      static_cast<uint64_t>(std::llround(static_cast<double>(l.bandwidth_bytes_per_s) * l.efficiency));
  if (l.effective_bandwidth_bytes_per_s == 0)
    r.fail("efficiency", fmt::format("leaves no bandwidth ({} x {} B/s < 1 B/s)", l.efficiency, l.bandwidth_bytes_per_s));
  return l;
}

void check_axis_name(const std::string& file, const std::string& ptr, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 32;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok) fail_at(file, ptr, fmt::format("must be 1 to 32 letters, digits or '_', got \"{}\"", name));
}

std::vector<AxisSpec> read_axes(ObjectReader& topo, TopologyKind kind) {
  const json& arr = topo.raw("axes");
  const std::string ptr = topo.pointer_of("axes");
  if (!arr.is_array() || arr.empty() || arr.size() > 8)
    fail_at(topo.file(), ptr, "must be an array of 1 to 8 axes, got " + describe(arr));
  std::vector<AxisSpec> axes;
  for (size_t i = 0; i < arr.size(); ++i) {
    ObjectReader a(arr[i], topo.file(), ptr + "/" + std::to_string(i));
    AxisSpec axis;
    axis.name = a.string("name");
    check_axis_name(a.file(), a.pointer_of("name"), axis.name);
    for (const auto& prev : axes)
      if (prev.name == axis.name) a.fail("name", fmt::format("\"{}\" names two axes; axis names must differ", axis.name));
    axis.size = static_cast<uint32_t>(a.u64("size", 1, kMaxAxisSize));
    if (kind == TopologyKind::torus) {
      axis.wraparound = a.boolean("wraparound", false);
      if (axis.wraparound && axis.size < 3)
        a.fail("wraparound", fmt::format("needs size >= 3, got size {} (a 2-chip axis has one neighbour; more "
                                         "links to it are /link/links_per_neighbour)", axis.size));
    } else if (a.has("wraparound")) {
      a.fail("wraparound", fmt::format("only torus axes have wraparound; a {} topology's axes are logical",
                                       to_string(kind)));
    }
    a.finish();
    axes.push_back(axis);
  }
  return axes;
}

SliceTierSpec read_slices(ObjectReader r, const std::vector<AxisSpec>& axes) {
  SliceTierSpec s;
  s.count = static_cast<uint32_t>(r.u64("count", 2, 65536));
  s.axis = r.string("axis", s.axis);
  check_axis_name(r.file(), r.pointer_of("axis"), s.axis);
  for (const auto& a : axes)
    if (a.name == s.axis)
      r.fail("axis", fmt::format("\"{}\" is already a topology axis; the slice axis needs its own name", s.axis));
  s.link = read_link(r, false, kDcnPjPerBit);
  r.finish();
  return s;
}

std::string resolve_chip(const std::string& file, const std::string& chip) {
  namespace fs = std::filesystem;
  const fs::path p(chip);
  if (p.is_absolute() || file.empty()) return p.lexically_normal().string();
  return (fs::path(file).parent_path() / p).lexically_normal().string();
}

json link_json(const LinkSpec& l, bool per_neighbour) {
  json j = {{"bandwidth_gb_per_s", l.bandwidth_gb_per_s}, {"latency_ns", l.latency_ns}, {"efficiency", l.efficiency},
            {"energy_pj_per_bit", l.energy_pj_per_bit}};
  if (per_neighbour) j["links_per_neighbour"] = l.links_per_neighbour;
  return j;
}

}  // namespace

bool is_system_document(const json& doc) { return doc.is_object() && doc.contains("topology"); }

SystemSpec parse_system(const json& doc, const std::string& file) {
  ObjectReader r(doc, file, "");
  SystemSpec s;
  s.file = file;
  s.name = r.string("name", s.name);
  s.source = r.string("source", s.source);
  (void)r.string("notes", "");  // free text for humans
  s.chip = r.string("chip");
  if (s.chip.empty()) r.fail("chip", "must name a chip preset (a path relative to this file), got \"\"");
  s.chip_path = resolve_chip(file, s.chip);
  const uint64_t chips = r.u64("chips", 1, kMaxChips);
  {
    ObjectReader topo(r.raw("topology"), file, "/topology");
    s.kind = topo.enumeration<TopologyKind>("kind");
    s.axes = read_axes(topo, s.kind);
    topo.finish();
  }
  {
    ObjectReader link(r.raw("link"), file, "/link");
    s.link = read_link(link, true, kIciPjPerBit);
    link.finish();
  }
  if (r.has("slices")) s.slices = read_slices(ObjectReader(r.raw("slices"), file, "/slices"), s.axes);
  r.finish();

  uint64_t product = 1;
  std::string formula;
  for (const auto& a : s.axes) {
    product *= a.size;  // <= 65536^8 overflows; checked against kMaxChips as it grows
    if (product > kMaxChips) fail_at(file, "/topology/axes", fmt::format("more than {} chips per slice", kMaxChips));
    formula += (formula.empty() ? "" : " x ") + std::to_string(a.size);
  }
  const uint64_t slices = s.slices ? s.slices->count : 1;
  if (product * slices != chips)
    fail_at(file, "/chips", fmt::format("must equal the product of the axis sizes ({} = {}) times the slice count ({}), "
                                        "{}, got {}", formula, product, slices, product * slices, chips));
  if (s.kind == TopologyKind::fully_connected && chips > kMaxFullyConnectedChips)
    fail_at(file, "/chips", fmt::format("a fully_connected topology holds at most {} chips (one link per pair), got {}",
                                        kMaxFullyConnectedChips, chips));
  s.chips = chips;
  return s;
}

SystemSpec load_system_json(const std::string& path, const std::vector<Override>& overrides) {
  json doc = load_json_file(path);
  if (overrides.empty()) return parse_system(doc, path);
  apply_overrides(doc, overrides);
  try {
    return parse_system(doc, path);
  } catch (const InputError& e) {
    rethrow_with_override_context(e, overrides);
  }
}

json to_json(const SystemSpec& s) {
  json j;
  j["name"] = s.name;
  if (!s.source.empty()) j["source"] = s.source;
  j["chip"] = s.chip;
  j["chips"] = s.chips;
  json axes = json::array();
  for (const auto& a : s.axes) {
    json ja = {{"name", a.name}, {"size", a.size}};
    if (s.kind == TopologyKind::torus) ja["wraparound"] = a.wraparound;
    axes.push_back(ja);
  }
  j["topology"] = {{"kind", to_string(s.kind)}, {"axes", axes}};
  j["link"] = link_json(s.link, true);
  if (s.slices) {
    json sl = link_json(s.slices->link, false);
    sl["count"] = s.slices->count;
    sl["axis"] = s.slices->axis;
    j["slices"] = sl;
  }
  return j;
}

void require_chip_file(const SystemSpec& s) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(s.chip_path, ec))
    fail_at(s.file, "/chip", fmt::format("chip preset \"{}\" not found (resolved to {})", s.chip, s.chip_path));
}

}  // namespace tpusim::config
