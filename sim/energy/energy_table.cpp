#include "sim/energy/energy_table.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/data_dir.h"
#include "sim/base/error.h"
#include "sim/spec/json_reader.h"
#include "sim/energy/accelergy_ert.h"

namespace tpusim {

using config::json;
using config::ObjectReader;

namespace {

const std::vector<std::string> kDramTypes = enum_names<DramType>();

struct Entry {
  double value = 0;
  std::string source;
};

/// Reads {"value", "unit", "source"}: the unit must be `unit`, the value a number >= 0 (and
/// <= max), the source non-empty. `extra` names one more key the caller reads.
Entry read_entry(const json& v, const std::string& file, const std::string& ptr, const char* unit,
                 double max = 1e12, const char* extra = nullptr) {
  ObjectReader r(v, file, ptr);
  if (!r.has("value")) r.fail("value", "missing");
  const json& x = r.raw("value");
  if (!x.is_number() || !std::isfinite(x.get<double>()))
    r.fail("value", "must be a number, got " + config::describe(x));
  const double value = x.get<double>();
  if (value < 0) r.fail("value", fmt::format("must not be negative (an energy, area or power), got {}", value));
  if (value > max) r.fail("value", fmt::format("must be at most {}, got {}", max, value));
  if (!r.has("unit")) r.fail("unit", fmt::format("missing: every number needs a unit (here \"{}\")", unit));
  const std::string u = r.string("unit");
  if (u != unit) r.fail("unit", fmt::format("must be \"{}\", got \"{}\"", unit, u));
  if (!r.has("source")) r.fail("source", "missing: every number needs a source (a publication, or \"estimate: ...\")");
  Entry e{value, r.string("source")};
  if (e.source.empty()) r.fail("source", "must name where the number comes from");
  if (extra) (void)r.raw(extra);
  r.finish();
  return e;
}

/// Reads {"<datatype>": entry, ...}: any non-empty subset of the datatypes.
void read_by_datatype(ObjectReader& parent, const std::string& key, const char* unit,
                      std::array<std::optional<double>, kDataTypeCount>& out, std::map<std::string, std::string>& src) {
  ObjectReader r(parent.raw(key), parent.file(), parent.pointer_of(key));
  const auto names = spellings_datatype();
  bool any = false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!r.has(names[i])) continue;
    const Entry e = read_entry(r.raw(names[i]), r.file(), r.pointer_of(names[i]), unit);
    out[i] = e.value;
    src[r.pointer_of(names[i])] = e.source;
    any = true;
  }
  if (!any) parent.fail(key, "must give at least one datatype: " + config::join(names));
  r.finish();
}

/// Reads [{capacity_bytes, value, unit, source}, ...] in ascending capacity.
CapacityCurve read_curve(ObjectReader& parent, const std::string& key, const char* unit,
                         std::map<std::string, std::string>& src) {
  const json& v = parent.raw(key);
  if (!v.is_array() || v.empty())
    parent.fail(key, fmt::format("must be a non-empty array of {{capacity_bytes, value, unit \"{}\", source}}", unit));
  CapacityCurve c;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string ptr = parent.pointer_of(key) + "/" + std::to_string(i);
    ObjectReader e(v[i], parent.file(), ptr);
    const double cap = static_cast<double>(e.u64("capacity_bytes", 1, 1ULL << 50));
    if (!c.points.empty() && cap <= c.points.back().first)
      e.fail("capacity_bytes", "must be larger than the previous entry's");
    const Entry x = read_entry(v[i], parent.file(), ptr, unit, 1e12, "capacity_bytes");
    if (x.value <= 0) e.fail("value", "must be positive (the curve is interpolated in log scale)");
    c.points.emplace_back(cap, x.value);
    src[ptr] = x.source;
  }
  return c;
}

Entry read_key(ObjectReader& r, const std::string& key, const char* unit, double max = 1e12) {
  return read_entry(r.raw(key), r.file(), r.pointer_of(key), unit, max);
}

/// Base table: every number from the file.
void read_base(ObjectReader& r, EnergyTable& t) {
  auto& src = t.sources;
  auto put = [&](ObjectReader& o, const std::string& key, const char* unit, double& out, double max = 1e12) {
    const Entry e = read_key(o, key, unit, max);
    out = e.value;
    src[o.pointer_of(key)] = e.source;
  };
  read_by_datatype(r, "mac_pj", "pJ", t.mac_pj, src);
  put(r, "pe_register_pj_per_byte", "pJ/B", t.pe_register_pj_per_byte);
  {
    ObjectReader s(r.raw("sram"), r.file(), r.pointer_of("sram"));
    t.sram_read_pj_per_byte = read_curve(s, "read_pj_per_byte", "pJ/B", src);
    put(s, "reference_port_bits", "bit", t.sram_reference_port_bits);
    if (t.sram_reference_port_bits < 1) s.fail("reference_port_bits", "must be at least 1 bit");
    put(s, "per_access_share", "1", t.sram_per_access_share, 1.0);
    put(s, "write_to_read_ratio", "1", t.sram_write_to_read_ratio);
    s.finish();
  }
  {
    ObjectReader d(r.raw("dram_pj_per_bit"), r.file(), r.pointer_of("dram_pj_per_bit"));
    for (const auto& type : kDramTypes)
      if (d.has(type)) put(d, type, "pJ/bit", t.dram_pj_per_bit[type]);
    if (t.dram_pj_per_bit.empty()) r.fail("dram_pj_per_bit", "must give at least one DRAM type: " + config::join(kDramTypes));
    d.finish();
  }
  put(r, "dma_pj_per_byte", "pJ/B", t.dma_pj_per_byte);
  put(r, "vector_op_pj", "pJ", t.vector_op_pj);
  {
    ObjectReader l(r.raw("leakage"), r.file(), r.pointer_of("leakage"));
    put(l, "logic_mw_per_mm2", "mW/mm^2", t.logic_leakage_mw_per_mm2);
    put(l, "sram_mw_per_mm2", "mW/mm^2", t.sram_leakage_mw_per_mm2);
    l.finish();
  }
  {
    ObjectReader a(r.raw("area"), r.file(), r.pointer_of("area"));
    read_by_datatype(a, "mac_um2", "um^2", t.mac_area_um2, src);
    put(a, "pe_register_um2_per_byte", "um^2/B", t.pe_register_area_um2_per_byte);
    put(a, "vector_lane_um2", "um^2", t.vector_lane_area_um2);
    t.sram_area_um2_per_byte = read_curve(a, "sram_um2_per_byte", "um^2/B", src);
    t.sram_area_um2_per_byte.extend = false;
    a.finish();
  }
}

/// Derived table: the base table's numbers times the stated factors.
void read_derived(ObjectReader& r, EnergyTable& t, int depth);

EnergyTable load(const std::string& path, int depth);

void apply_scaling(ObjectReader& r, EnergyTable& t) {
  ObjectReader s(r.raw("scaling"), r.file(), r.pointer_of("scaling"));
  const Entry le = read_key(s, "logic_energy", "1"), se = read_key(s, "sram_energy", "1");
  const Entry la = read_key(s, "logic_area", "1"), sa = read_key(s, "sram_area", "1");
  const Entry ld = read_key(s, "leakage_density", "1");
  s.finish();
  auto note = [&](const std::string& ptr, const Entry& f, const char* what) {
    auto it = t.sources.find(ptr);
    const std::string base = it == t.sources.end() ? "" : it->second;
    t.sources[ptr] = fmt::format("derived: {} x {} ({}) [base: {}]", t.derived_from, f.value, what, base);
  };
  const auto names = spellings_datatype();
  for (size_t i = 0; i < kDataTypeCount; ++i) {
    if (t.mac_pj[i]) {
      *t.mac_pj[i] *= le.value;
      note("/mac_pj/" + names[i], le, "scaling/logic_energy");
    }
    if (t.mac_area_um2[i]) {
      *t.mac_area_um2[i] *= la.value;
      note("/area/mac_um2/" + names[i], la, "scaling/logic_area");
    }
  }
  t.pe_register_pj_per_byte *= le.value;
  note("/pe_register_pj_per_byte", le, "scaling/logic_energy");
  t.dma_pj_per_byte *= le.value;
  note("/dma_pj_per_byte", le, "scaling/logic_energy");
  t.vector_op_pj *= le.value;
  note("/vector_op_pj", le, "scaling/logic_energy");
  t.vector_lane_area_um2 *= la.value;
  note("/area/vector_lane_um2", la, "scaling/logic_area");
  for (size_t i = 0; i < t.sram_read_pj_per_byte.points.size(); ++i) {
    t.sram_read_pj_per_byte.points[i].second *= se.value;
    note("/sram/read_pj_per_byte/" + std::to_string(i), se, "scaling/sram_energy");
  }
  for (size_t i = 0; i < t.sram_area_um2_per_byte.points.size(); ++i) {
    t.sram_area_um2_per_byte.points[i].second *= sa.value;
    note("/area/sram_um2_per_byte/" + std::to_string(i), sa, "scaling/sram_area");
  }
  t.pe_register_area_um2_per_byte *= la.value;
  note("/area/pe_register_um2_per_byte", la, "scaling/logic_area");
  t.logic_leakage_mw_per_mm2 *= ld.value;
  t.sram_leakage_mw_per_mm2 *= ld.value;
  note("/leakage/logic_mw_per_mm2", ld, "scaling/leakage_density");
  note("/leakage/sram_mw_per_mm2", ld, "scaling/leakage_density");
  // DRAM energy per bit is the DRAM part's, not the logic node's: unchanged.
}

void read_derived(ObjectReader& r, EnergyTable& t, int depth) {
  namespace fs = std::filesystem;
  const std::string ref = r.string("derived_from");
  const fs::path base = fs::path(ref).is_absolute() ? fs::path(ref) : fs::path(r.file()).parent_path() / ref;
  if (!fs::exists(base)) r.fail("derived_from", fmt::format("no such table \"{}\" (looked for {})", ref, base.string()));
  if (depth > 4) r.fail("derived_from", "derivations nest more than 4 deep (a cycle?)");
  const EnergyTable b = load(base.string(), depth + 1);
  const std::string name = t.name, file = t.file;
  const uint32_t node = t.node_nm;
  t = b;
  t.name = name;
  t.file = file;
  t.node_nm = node;
  t.derived_from = ref;
  apply_scaling(r, t);
}

/// "accelergy_ert": {"file": ..., "entries": [{"target", "component", "action", "arguments"?,
/// "bytes_per_action"?}]}: imported numbers replace the table's.
void apply_ert(ObjectReader& r, EnergyTable& t) {
  namespace fs = std::filesystem;
  ObjectReader e(r.raw("accelergy_ert"), r.file(), r.pointer_of("accelergy_ert"));
  const std::string ref = e.string("file");
  const fs::path p = fs::path(ref).is_absolute() ? fs::path(ref) : fs::path(r.file()).parent_path() / ref;
  if (!fs::exists(p)) e.fail("file", fmt::format("no such ERT file \"{}\" (looked for {})", ref, p.string()));
  AccelergyErt ert;
  try {
    ert = load_accelergy_ert(p.string());
  } catch (const InputError& err) {
    throw InputError(fmt::format("{} (from {}: {})", err.what(), r.file(), e.pointer_of("file")));
  }
  const json& entries = e.raw("entries");
  if (!entries.is_array() || entries.empty())
    e.fail("entries", "must be a non-empty array of {target, component, action, bytes_per_action}");
  const auto names = spellings_datatype();
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string ptr = e.pointer_of("entries") + "/" + std::to_string(i);
    ObjectReader x(entries[i], r.file(), ptr);
    const std::string target = x.string("target"), component = x.string("component"), action = x.string("action");
    std::map<std::string, std::string> args;
    if (x.has("arguments")) {
      ObjectReader a(x.raw("arguments"), r.file(), x.pointer_of("arguments"));
      for (auto it = entries[i]["arguments"].begin(); it != entries[i]["arguments"].end(); ++it) {
        (void)a.raw(it.key());
        args[it.key()] = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
      }
    }
    const double pj = ert.energy_pj(component, action, args, r.file() + ": " + ptr);
    const std::string src = fmt::format("Accelergy ERT {}: {} / {} = {} pJ per action", ref, component, action, pj);
    auto per_byte = [&]() {
      const double bytes = x.number("bytes_per_action", 0.0, 1e9);
      return std::make_pair(pj / bytes, fmt::format("{} / {} B", src, bytes));
    };
    bool known = false;
    for (size_t k = 0; k < names.size(); ++k)
      if (target == "mac_pj/" + names[k]) {
        t.mac_pj[k] = pj;
        t.sources["/mac_pj/" + names[k]] = src;
        known = true;
      }
    if (target == "pe_register_pj_per_byte" || target == "dma_pj_per_byte") {
      const auto [v, s] = per_byte();
      (target == "dma_pj_per_byte" ? t.dma_pj_per_byte : t.pe_register_pj_per_byte) = v;
      t.sources["/" + target] = s;
      known = true;
    }
    for (const auto& type : kDramTypes)
      if (target == "dram_pj_per_bit/" + type) {
        const auto [v, s] = per_byte();
        t.dram_pj_per_bit[type] = v / 8;
        t.sources["/dram_pj_per_bit/" + type] = s + " / 8 bit";
        known = true;
      }
    // sram/<buffer>/read or sram/<buffer>/write: that buffer's energy per byte.
    if (!known && target.rfind("sram/", 0) == 0) {
      const auto slash = target.rfind('/');
      const std::string buffer = target.substr(5, slash - 5), op = target.substr(slash + 1);
      if (slash > 5 && (op == "read" || op == "write")) {
        const auto [v, s] = per_byte();
        auto& rw = t.sram_buffer_pj_per_byte.emplace(buffer, std::make_pair(-1.0, -1.0)).first->second;
        (op == "read" ? rw.first : rw.second) = v;
        t.sources["/sram/buffers/" + buffer + "/" + op] = s;
        known = true;
      }
    }
    if (!known)
      x.fail("target", fmt::format("unknown \"{}\"; allowed: mac_pj/<datatype>, pe_register_pj_per_byte, "
                                   "dma_pj_per_byte, dram_pj_per_bit/<type>, sram/<buffer>/read, sram/<buffer>/write",
                                   target));
    x.finish();
  }
  for (auto& [buffer, rw] : t.sram_buffer_pj_per_byte) {
    // One of read/write imported: the other follows the table's write/read ratio.
    if (rw.first < 0) rw.first = rw.second / t.sram_write_to_read_ratio;
    if (rw.second < 0) rw.second = rw.first * t.sram_write_to_read_ratio;
  }
  e.finish();
}

EnergyTable load(const std::string& path, int depth) {
  const json doc = config::load_json_file(path);
  ObjectReader r(doc, path, "");
  EnergyTable t;
  t.file = path;
  t.name = r.string("name");
  t.node_nm = static_cast<uint32_t>(r.u64("node_nm", 1, 1000));
  if (r.string("source").empty()) r.fail("source", "must say where the table's numbers come from");
  (void)r.string("notes", "");
  if (r.has("derived_from")) read_derived(r, t, depth);
  else read_base(r, t);
  if (r.has("accelergy_ert")) apply_ert(r, t);
  r.finish();
  return t;
}

}  // namespace

double CapacityCurve::at(double capacity_bytes) const {
  TPUSIM_ASSERT(!points.empty(), "empty capacity curve");
  if (points.size() == 1) return points.front().second;
  if (!extend && capacity_bytes <= points.front().first) return points.front().second;
  if (!extend && capacity_bytes >= points.back().first) return points.back().second;
  const double x = std::log(std::max(capacity_bytes, 1.0));
  size_t i = 1;  // segment [i-1, i]; the first or last one extends beyond the table
  while (i + 1 < points.size() && x > std::log(points[i].first)) ++i;
  const double x0 = std::log(points[i - 1].first), x1 = std::log(points[i].first);
  const double y0 = std::log(points[i - 1].second), y1 = std::log(points[i].second);
  return std::exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0));
}

double EnergyTable::sram_read_pj(uint64_t capacity_bytes, double port_bits) const {
  const double e = sram_read_pj_per_byte.at(static_cast<double>(capacity_bytes));
  return e * (sram_per_access_share * sram_reference_port_bits / port_bits + (1.0 - sram_per_access_share));
}

double EnergyTable::buffer_read_pj_per_byte(const BufferConfig& b) const {
  const auto it = sram_buffer_pj_per_byte.find(b.name);
  if (it != sram_buffer_pj_per_byte.end()) return it->second.first;
  return sram_read_pj(b.capacity_bytes, 8.0 * double(b.bytes_per_cycle_per_port));
}

double EnergyTable::buffer_write_pj_per_byte(const BufferConfig& b) const {
  const auto it = sram_buffer_pj_per_byte.find(b.name);
  if (it != sram_buffer_pj_per_byte.end()) return it->second.second;
  return sram_write_pj(b.capacity_bytes, 8.0 * double(b.bytes_per_cycle_per_port));
}

namespace {
std::string have(const std::array<std::optional<double>, kDataTypeCount>& a) {
  std::string s;
  for (size_t i = 0; i < kDataTypeCount; ++i)
    if (a[i]) s += (s.empty() ? "" : ", ") + std::string(to_string(static_cast<DataType>(i)));
  return s;
}
}  // namespace

double EnergyTable::mac_pj_for(DataType t, const ArchConfig& arch) const {
  const auto& v = mac_pj[static_cast<size_t>(t)];
  if (!v)
    throw InputError(fmt::format("{}: /mac_pj/{}: missing: {} uses {} MACs (/datatypes); the table has {}", file,
                                 to_string(t), arch.file.empty() ? "the arch" : arch.file, to_string(t), have(mac_pj)));
  return *v;
}

double EnergyTable::mac_area_for(DataType t, const ArchConfig& arch) const {
  const auto& v = mac_area_um2[static_cast<size_t>(t)];
  if (!v)
    throw InputError(fmt::format("{}: /area/mac_um2/{}: missing: {} uses {} MACs (/datatypes); the table has {}", file,
                                 to_string(t), arch.file.empty() ? "the arch" : arch.file, to_string(t),
                                 have(mac_area_um2)));
  return *v;
}

double EnergyTable::dram_pj_per_bit_for(const ArchConfig& arch) const {
  const auto it = dram_pj_per_bit.find(to_string(arch.dram.type));
  if (it == dram_pj_per_bit.end()) {
    std::string types;
    for (const auto& [k, v] : dram_pj_per_bit) types += (types.empty() ? "" : ", ") + k;
    const char* type = to_string(arch.dram.type);
    throw InputError(fmt::format("{}: /dram_pj_per_bit/{}: missing: {} has /dram/type {}; the table has {}", file,
                                 type, arch.file.empty() ? "the arch" : arch.file, type, types));
  }
  return it->second;
}

void EnergyTable::check_covers(const ArchConfig& arch) const {
  const DataType t = mac_datatype(arch.datatypes);
  (void)mac_pj_for(t, arch);
  (void)mac_area_for(t, arch);
  (void)dram_pj_per_bit_for(arch);
}

EnergyTable load_energy_table(const std::string& path) { return load(path, 0); }

std::string resolve_energy_table(const std::string& reference, const std::string& arch_file) {
  namespace fs = std::filesystem;
  const fs::path ref(reference);
  std::error_code ec;
  // A missing table is the arch file's mistake: the message names it and its key, and where
  // the table was looked for (else the user sees only a path they never typed).
  auto checked = [&](const fs::path& p, const std::string& looked) {
    if (fs::is_directory(p, ec))
      throw InputError(fmt::format("{}: /energy_table: \"{}\" is a directory ({}), expected an energy table file",
                                   arch_file, reference, p.string()));
    if (!fs::exists(p, ec))
      throw InputError(fmt::format("{}: /energy_table: no energy table \"{}\" (looked for {})", arch_file, reference, looked));
    return p.string();
  };
  if (ref.is_absolute()) return checked(ref, reference);
  const fs::path beside = fs::path(arch_file).parent_path() / ref;
  if (fs::exists(beside, ec)) return checked(beside, beside.string());
  const fs::path shipped = shipped_config(ref);  // the data directory's configs/ (sim/base/data_dir.h)
  return checked(fs::exists(shipped, ec) ? shipped : beside, beside.string() + " and " + shipped.string());
}

}  // namespace tpusim
