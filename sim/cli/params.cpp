#include "sim/cli/params.h"

#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/cli/options.h"
#include "sim/spec/arch_params.h"

namespace po = boost::program_options;

namespace tpusim::cli {

namespace {

using nlohmann::json;
using params::ParamInfo;
using params::Section;

/// The files whose keys are documented: the architecture, and the DRAM part presets it names.
struct Root {
  const char* id;
  const char* title;
  const params::TableInfo* table;
};

std::vector<Root> roots() {
  return {{"arch", "Architecture files (--arch FILE.json; configs/README.md)", &config::arch_params()},
          {"dram_preset", "DRAM part presets (configs/dram/<preset>.json)", &config::dram_preset_params()},
          {"fpga_device", "FPGA device tables (configs/fpga/<device>.json)", &config::fpga_device_params()}};
}

/// A default as a user writes it: 1000 rather than the 1000.0 nlohmann prints for a double.
std::string value_text(const json& v) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<int64_t>(d));
  }
  return v.dump();
}

/// "**required**", "`32`", "all defaults", "`1` (a preset's)"; `code` wraps values in backticks.
std::string default_text(const ParamInfo& p, bool code) {
  std::string out;
  if (p.required) out = code ? "**required**" : "required";
  else if (!p.default_text.empty()) out = p.default_text;
  else out = code ? "`" + value_text(p.default_value) + "`" : value_text(p.default_value);
  if (!p.default_note.empty()) out += " " + p.default_note;
  return out;
}

std::string cell(std::string s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string markdown_table(const Section& s) {
  std::string out = "| pointer | type | unit | default | allowed | meaning |\n|---|---|---|---|---|---|\n";
  for (const auto& p : s.table->params()) {
    const std::string cells[] = {"`" + s.prefix + "/" + p.key + "`", p.type, p.unit, default_text(p, true), p.allowed,
                                 p.description};
    for (const auto& c : cells) out += c.empty() ? "| " : "| " + cell(c) + " ";
    out += "|\n";
  }
  return out;
}

/// Words of `text` in lines of at most `width` columns after `indent`.
std::string wrap(const std::string& text, const std::string& indent, size_t width) {
  std::istringstream words(text);
  std::string word, line, out;
  while (words >> word) {
    if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += indent + line + "\n";
  return out;
}

void print_text(std::ostream& out) {
  for (const auto& root : roots()) {
    out << root.title << "\n";
    for (const auto& s : params::sections(*root.table)) {
      out << "\n  " << (s.prefix.empty() ? "/" : s.prefix) << ": " << s.table->title() << "\n";
      for (const auto& p : s.table->params()) {
        std::string what = p.type + (p.unit.empty() ? "" : ", " + p.unit) + "; ";
        what += p.required ? "required" : "default " + default_text(p, false);
        if (!p.allowed.empty() && p.allowed != "any" && p.allowed != "see below") what += "; allowed " + p.allowed;
        out << "  " << s.prefix << "/" << p.key << "\n" << wrap(what, "      ", 100) << wrap(p.description, "      ", 100);
      }
    }
    out << "\n";
  }
}

json row_json(const Section& s, const ParamInfo& p) {
  json j = {{"pointer", s.prefix + "/" + p.key}, {"type", p.type},       {"unit", p.unit},
            {"required", p.required},            {"allowed", p.allowed}, {"limits", p.limits},
            {"description", p.description}};
  j["default"] = p.required || !p.default_text.empty() ? json() : p.default_value;
  if (!p.default_text.empty()) j["default_text"] = p.default_text;
  if (!p.default_note.empty()) j["default_note"] = p.default_note;
  return j;
}

json params_json() {
  json out = json::object();
  for (const auto& root : roots()) {
    json rows = json::array();
    for (const auto& s : params::sections(*root.table))
      for (const auto& p : s.table->params()) rows.push_back(row_json(s, p));
    out[root.id] = rows;
  }
  return out;
}

/// Every documented table by id.
std::map<std::string, Section> all_sections() {
  std::map<std::string, Section> out;
  for (const auto& root : roots())
    for (const auto& s : params::sections(*root.table)) out.emplace(s.table->id(), s);
  return out;
}

void print_markdown(std::ostream& out) {
  for (const auto& root : roots())
    for (const auto& s : params::sections(*root.table))
      out << "<!-- params: " << s.table->id() << " -->\n" << markdown_table(s) << "<!-- end params -->\n\n";
}

}  // namespace

std::string splice_param_tables(const std::string& readme, const std::string& file) {
  const std::string begin = "<!-- params: ", end = "<!-- end params -->";
  const auto sections = all_sections();
  std::set<std::string> placed;
  std::istringstream in(readme);
  std::string line, out;
  uint32_t number = 0;
  bool inside = false;
  uint32_t opened = 0;
  while (std::getline(in, line)) {
    ++number;
    if (inside) {
      if (line != end) continue;  // the old table
      inside = false;
    } else if (line.rfind(begin, 0) == 0) {
      const std::string id = line.substr(begin.size(), line.find_first_of(" -", begin.size()) - begin.size());
      const auto it = sections.find(id);
      if (it == sections.end())
        throw InputError(fmt::format("{}:{}: unknown parameter table \"{}\" (tpusim describe --params --markdown lists them)",
                                     file, number, id));
      if (!placed.insert(id).second)
        throw InputError(fmt::format("{}:{}: parameter table \"{}\" appears twice", file, number, id));
      out += line + "\n" + markdown_table(it->second);
      inside = true;
      opened = number;
      continue;
    }
    out += line + "\n";
  }
  if (inside) throw InputError(fmt::format("{}:{}: this parameter table has no \"{}\" line after it", file, opened, end));
  for (const auto& [id, s] : sections)
    if (!placed.count(id))
      throw InputError(fmt::format("{}: parameter table \"{}\" ({}) has no \"{}{} -->\" block", file, id,
                                   s.prefix.empty() ? "/" : s.prefix, begin, id));
  if (!readme.empty() && readme.back() != '\n') out.pop_back();
  return out;
}

int command_describe_params(const std::vector<std::string>& args) {
  po::options_description desc("describe --params options");
  desc.add_options()("help,h", "show this help")
      ("params", "print every config key: type, unit, default, allowed values, meaning")
      ("json", "print JSON instead of text")
      ("markdown", "print the markdown key tables of configs/README.md, each between its markers")
      ("markdown-into", po::value<std::string>(),
       "print FILE with the key tables between its <!-- params: ID --> and <!-- end params --> markers "
       "regenerated (scripts/update_config_docs.sh)");
  po::variables_map vm;
  store_checked(po::command_line_parser(args).options(desc).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: tpusim describe --params [--json | --markdown | --markdown-into FILE]\n" << desc;
    return 0;
  }
  po::notify(vm);
  if (vm.count("json") + vm.count("markdown") + vm.count("markdown-into") > 1)
    throw InputError("describe --params: give at most one of --json, --markdown, --markdown-into");
  if (vm.count("json")) std::cout << params_json().dump(2) << "\n";
  else if (vm.count("markdown")) print_markdown(std::cout);
  else if (vm.count("markdown-into")) {
    const std::string file = vm["markdown-into"].as<std::string>();
    std::cout << splice_param_tables(read_file(file), file);
  } else print_text(std::cout);
  return 0;
}

}  // namespace tpusim::cli
