#include "sim/energy/energy_table.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/config/json_reader.h"

namespace tpusim {

using config::json;
using config::ObjectReader;

namespace {

/// Reads {"value", "unit", "source"}; the unit must be `unit`, the value >= 0.
double read_entry(const json& v, const std::string& file, const std::string& ptr, const char* unit,
                  bool with_capacity = false) {
  ObjectReader r(v, file, ptr);
  const double value = r.number("value", -1e-300, 1e12);
  const std::string u = r.string("unit");
  if (u != unit) r.fail("unit", fmt::format("must be \"{}\", got \"{}\"", unit, u));
  if (r.string("source").empty()) r.fail("source", "must name where the number comes from");
  if (with_capacity) (void)r.raw("capacity_bytes");  // read by the caller
  r.finish();
  return value;
}

}  // namespace

double EnergyTable::sram_read_pj(uint64_t capacity_bytes) const {
  const auto& t = sram_read_pj_per_byte;
  const double x = std::log2(static_cast<double>(capacity_bytes));
  if (x <= std::log2(t.front().first) || t.size() == 1) return t.front().second;
  size_t i = 1;
  while (i + 1 < t.size() && x > std::log2(t[i].first)) ++i;
  const double x0 = std::log2(t[i - 1].first), x1 = std::log2(t[i].first);
  return t[i - 1].second + (t[i].second - t[i - 1].second) * (x - x0) / (x1 - x0);
}

EnergyTable load_energy_table(const std::string& path) {
  const json doc = config::load_json_file(path);
  ObjectReader r(doc, path, "");
  EnergyTable t;
  t.file = path;
  t.name = r.string("name");
  (void)r.u64("node_nm", 1, 1000);
  (void)r.string("source");
  {
    ObjectReader macs(r.raw("mac_pj"), path, "/mac_pj");
    const auto names = spellings_datatype();
    for (size_t i = 0; i < names.size(); ++i)
      t.mac_pj[i] = read_entry(macs.raw(names[i]), path, macs.pointer_of(names[i]), "pJ");
    macs.finish();
  }
  t.pe_register_pj_per_byte = read_entry(r.raw("pe_register_pj_per_byte"), path, "/pe_register_pj_per_byte", "pJ/B");
  const json& sram = r.raw("sram_read_pj_per_byte");
  if (!sram.is_array() || sram.empty())
    r.fail("sram_read_pj_per_byte", "must be a non-empty array of {capacity_bytes, value, unit, source}");
  for (size_t i = 0; i < sram.size(); ++i) {
    const std::string ptr = "/sram_read_pj_per_byte/" + std::to_string(i);
    ObjectReader e(sram[i], path, ptr);
    const double cap = static_cast<double>(e.u64("capacity_bytes", 1, 1ULL << 50));
    if (!t.sram_read_pj_per_byte.empty() && cap <= t.sram_read_pj_per_byte.back().first)
      e.fail("capacity_bytes", "must be larger than the previous entry's");
    t.sram_read_pj_per_byte.emplace_back(cap, read_entry(sram[i], path, ptr, "pJ/B", true));
  }
  t.sram_write_to_read_ratio = read_entry(r.raw("sram_write_to_read_ratio"), path, "/sram_write_to_read_ratio", "1");
  t.dram_pj_per_byte = read_entry(r.raw("dram_pj_per_byte"), path, "/dram_pj_per_byte", "pJ/B");
  t.dma_pj_per_byte = read_entry(r.raw("dma_pj_per_byte"), path, "/dma_pj_per_byte", "pJ/B");
  t.static_mw = read_entry(r.raw("static_mw"), path, "/static_mw", "mW");
  r.finish();
  return t;
}

std::string resolve_energy_table(const std::string& reference, const std::string& arch_file) {
  namespace fs = std::filesystem;
  const fs::path ref(reference);
  if (ref.is_absolute()) return reference;
  const fs::path beside = fs::path(arch_file).parent_path() / ref;
  if (fs::exists(beside)) return beside.string();
  const fs::path shipped = fs::path(TPUSIM_CONFIG_DIR) / ref;
  if (fs::exists(shipped)) return shipped.string();
  return beside.string();  // loading it reports the missing file
}

}  // namespace tpusim
