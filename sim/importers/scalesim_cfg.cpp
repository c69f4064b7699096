#include "sim/importers/scalesim_cfg.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/spec/json_reader.h"
#include "sim/importers/text_source.h"

namespace tpusim::importers {

namespace {

using nlohmann::json;

constexpr uint64_t kMaxSramKb = kMaxBytes / 1024;  // kB * 1024 stays within the loader's capacity bound

/// The keys each section accepts, as SCALE-Sim spells them (matched case-insensitively).
const std::vector<std::pair<std::string, std::vector<std::string>>>& known_sections() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> s = {
      {"general", {"run_name"}},
      {"architecture_presets",
       {"ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB", "IfmapOffset", "FilterOffset",
        "OfmapOffset", "Dataflow", "Bandwidth", "MemoryBanks"}},
      // The *_row_size / *_bank_size keys of the shipped google.cfg and eyeriss.cfg are read by
      // neither SCALE-Sim's config nor its CALC timing: accepted and ignored.
      {"run_presets", {"InterfaceBandwidth", "SRAM_row_size", "SRAM_bank_size", "DRAM_row_size", "DRAM_bank_size"}},
      {"network_presets", {"TopologyCsvLoc"}}};
  return s;
}

struct Entry {
  std::string key;    ///< as written
  std::string value;  ///< trimmed
  uint32_t line = 0, key_column = 1, value_column = 1;
};

struct Section {
  uint32_t line = 0;
  std::map<std::string, Entry> entries;  ///< by lowercased key
};

std::string lower(std::string s) {
  for (auto& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

uint32_t first_column(const std::string& text, size_t from = 0) {
  size_t i = from;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  return static_cast<uint32_t>(i + 1);
}

/// The .cfg after INI parsing, with access to required and optional values.
class CfgDoc {
 public:
  CfgDoc(const std::string& text, const std::string& file) : file_(file) {
    std::string current;
    const std::vector<TextLine> lines = split_lines(text, file);
    last_line_ = lines.empty() ? 1 : lines.back().number;
    for (const TextLine& line : lines) {
      const std::string t = trim(line.text);
      if (t.empty() || t[0] == '#' || t[0] == ';') continue;
      const uint32_t col = first_column(line.text);
      if (t[0] == '[') {
        current = read_section_header(line, t, col);
        continue;
      }
      const size_t delim = line.text.find_first_of("=:");
      if (delim == std::string::npos)
        fail_at_line(file_, line.number, col, "expected \"key = value\" or \"key: value\", got " + quote_found(t));
      if (current.empty())
        fail_at_line(file_, line.number, col,
                     "expected a section header such as [general] before the first key, got " + quote_found(t));
      add_entry(line, current, trim(std::string_view(line.text).substr(0, delim)), delim, col);
    }
  }

  /// The entry, or InputError naming the section (or the missing section) if absent.
  const Entry& need(const std::string& section, const std::string& key) const {
    auto s = sections_.find(section);
    if (s == sections_.end())
      fail_at_line(file_, last_line_, 1, fmt::format("missing section [{}] (it must hold {})", section, key));
    auto e = s->second.entries.find(lower(key));
    if (e == s->second.entries.end())
      fail_at_line(file_, s->second.line, 1, fmt::format("section [{}] is missing key \"{}\"", section, key));
    return e->second;
  }

  const Entry* find(const std::string& section, const std::string& key) const {
    auto s = sections_.find(section);
    if (s == sections_.end()) return nullptr;
    auto e = s->second.entries.find(lower(key));
    return e == s->second.entries.end() ? nullptr : &e->second;
  }

  uint64_t integer(const Entry& e, const char* name, uint64_t min, uint64_t max) const {
    uint64_t v = 0;
    if (!parse_u64(e.value, min, max, v))
      fail_at_line(file_, e.line, e.value_column,
                   fmt::format("{} must be an integer in [{}, {}], got {}", name, min, max, quote_found(e.value)));
    return v;
  }

  const std::string& file() const { return file_; }

 private:
  std::string read_section_header(const TextLine& line, const std::string& t, uint32_t col) {
    if (t.back() != ']')
      fail_at_line(file_, line.number, col, "expected \"]\" closing the section header, got " + quote_found(t));
    const std::string name = trim(std::string_view(t).substr(1, t.size() - 2));
    std::vector<std::string> allowed;
    bool known = false;
    for (const auto& [s, keys] : known_sections()) {
      allowed.push_back("[" + s + "]");
      known = known || s == name;
    }
    if (!known)
      fail_at_line(file_, line.number, col,
                   fmt::format("unknown section [{}]; allowed: {}", name, config::join(allowed)));
    auto [it, fresh] = sections_.emplace(name, Section{line.number, {}});
    if (!fresh)
      fail_at_line(file_, line.number, col, fmt::format("section [{}] appears twice (also on line {})", name, it->second.line));
    return name;
  }

  void add_entry(const TextLine& line, const std::string& section, const std::string& key, size_t delim, uint32_t col) {
    const auto& keys = std::find_if(known_sections().begin(), known_sections().end(),
                                    [&](const auto& s) { return s.first == section; })->second;
    const bool known = std::any_of(keys.begin(), keys.end(), [&](const std::string& k) { return lower(k) == lower(key); });
    if (!known)
      fail_at_line(file_, line.number, col,
                   fmt::format("unknown key {} in [{}]; allowed: {}", quote_found(key), section, config::join(keys)));
    Entry e;
    e.key = key;
    e.value = trim(std::string_view(line.text).substr(delim + 1));
    e.line = line.number;
    e.key_column = col;
    e.value_column = first_column(line.text, delim + 1);
    auto [it, fresh] = sections_[section].entries.emplace(lower(key), e);
    if (!fresh)
      fail_at_line(file_, line.number, col,
                   fmt::format("key \"{}\" appears twice in [{}] (also on line {})", key, section, it->second.line));
  }

  std::string file_;
  uint32_t last_line_ = 1;
  std::map<std::string, Section> sections_;
};

std::vector<uint64_t> read_bandwidths(const CfgDoc& doc, const Entry& e) {
  std::vector<uint64_t> out;
  for (const TextField& f : split_fields(e.value, ',')) {
    uint64_t v = 0;
    if (!parse_u64(f.text, 1, 1ULL << 32, v))
      fail_at_line(doc.file(), e.line, e.value_column + f.column - 1,
                   fmt::format("Bandwidth must be a comma-separated list of integers in [1, {}] (words per cycle, one "
                               "per memory bank), got {}",
                               1ULL << 32, quote_found(f.text)));
    out.push_back(v);
  }
  return out;
}

}  // namespace

json scalesim_cfg_to_json(const std::string& text, const std::string& file) {
  const CfgDoc doc(text, file);
  const std::string run_name = doc.need("general", "run_name").value;

  const Entry& mode = doc.need("run_presets", "InterfaceBandwidth");
  if (mode.value != "CALC" && mode.value != "USER")
    fail_at_line(file, mode.line, mode.value_column,
                 "InterfaceBandwidth must be one of CALC, USER, got " + quote_found(mode.value));
  const bool user = mode.value == "USER";

  const char* ap = "architecture_presets";
  auto integer = [&](const char* key, uint64_t min, uint64_t max) { return doc.integer(doc.need(ap, key), key, min, max); };
  const uint64_t rows = integer("ArrayHeight", 1, kMaxArrayDim);
  const uint64_t cols = integer("ArrayWidth", 1, kMaxArrayDim);
  const uint64_t ifmap_kb = integer("IfmapSramSzkB", 1, kMaxSramKb);
  const uint64_t filter_kb = integer("FilterSramSzkB", 1, kMaxSramKb);
  const uint64_t ofmap_kb = integer("OfmapSramSzkB", 1, kMaxSramKb);
  const uint64_t ifmap_offset = integer("IfmapOffset", 0, UINT64_MAX);
  const uint64_t filter_offset = integer("FilterOffset", 0, UINT64_MAX);
  const uint64_t ofmap_offset = integer("OfmapOffset", 0, UINT64_MAX);
  // SCALE-Sim compares the dataflow exactly; anything else only prints a warning and then runs
  // as output stationary, so it is rejected here.
  const Entry& df = doc.need(ap, "Dataflow");
  if (df.value != "os" && df.value != "ws" && df.value != "is")
    fail_at_line(file, df.line, df.value_column, "Dataflow must be one of os, ws, is, got " + quote_found(df.value));

  uint64_t banks = 1;
  if (const Entry* e = doc.find(ap, "MemoryBanks")) banks = doc.integer(*e, "MemoryBanks", 1, 4096);
  std::vector<uint64_t> bandwidths;
  const Entry* bw = user ? &doc.need(ap, "Bandwidth") : doc.find(ap, "Bandwidth");
  if (bw) bandwidths = read_bandwidths(doc, *bw);
  if (user && bandwidths.size() != banks)  // SCALE-Sim asserts the same in USER mode
    fail_at_line(file, bw->line, bw->value_column,
                 fmt::format("USER mode needs one Bandwidth value per memory bank (MemoryBanks = {}), got {}", banks,
                             bandwidths.size()));

  json j;
  j["name"] = run_name;
  j["source"] = "SCALE-Sim v2 config " + file;
  j["timing"] = "scalesim-v2";
  j["array"] = {{"rows", rows}, {"cols", cols}, {"dataflow", df.value}};
  // SCALE-Sim's word is one byte (single_layer_sim.py: word_size = 1). Accumulators keep the
  // native default width: SCALE-Sim's 1-byte partial sums are not a real design.
  j["datatypes"] = {{"input", "int8"}, {"weight", "int8"}, {"output", "int8"}};
  const uint64_t port_bytes = std::max<uint64_t>({64, rows, cols});
  auto buffer = [&](const char* role, uint64_t kb) {
    return json{{"holds", json::array({role})}, {"capacity_bytes", kb * 1024}, {"bytes_per_cycle_per_port", port_bytes}};
  };
  j["buffers"] = {{"ifmap", buffer("inputs", ifmap_kb)},
                  {"filter", buffer("weights", filter_kb)},
                  {"ofmap", buffer("outputs", ofmap_kb)}};
  if (!bandwidths.empty()) {
    // Words per cycle at the default clock: one word is one byte, so GB/s = words/cycle * MHz / 1000.
    static const ArchConfig defaults;  // the default clock lives in ArchConfig's initializers
    const double clock_mhz = defaults.clock_mhz;
    j["dram"] = {{"part", "scalesim-bandwidth"}, {"bandwidth_gb_per_s", double(bandwidths[0]) * clock_mhz / 1000.0}};
  }
  j["scalesim"] = {{"run_name", run_name},
                   {"ifmap_offset", ifmap_offset},
                   {"filter_offset", filter_offset},
                   {"ofmap_offset", ofmap_offset},
                   {"bandwidth_words_per_cycle", bandwidths},
                   {"memory_banks", banks},
                   {"interface_bandwidth", mode.value}};
  return j;
}

ArchConfig load_arch_cfg(const std::string& path, const std::vector<config::Override>& overrides) {
  return config::parse_arch(scalesim_cfg_to_json(read_file(path), path), path, overrides);
}

}  // namespace tpusim::importers
