#include "sim/spec/arch_loader.h"

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/one_line.h"
#include "sim/spec/arch_params.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/json_parse.h"

namespace tpusim::config {

Override parse_override(const std::string& text) {
  const auto eq = text.find('=');
  if (text.empty() || text[0] != '/' || eq == std::string::npos || eq == 1)
    throw InputError(one_line(fmt::format("--set {}: expected /json/pointer=value, got \"{}\"", text, text)));
  // The text ends up in the config, in messages and in the echo (all JSON): bytes that are not
  // UTF-8 made nlohmann's dump throw, exit 3 (fuzz_set_value, 2026-12-02). Shown with U+FFFD.
  try {
    (void)json(text).dump();
  } catch (const json::type_error&) {
    throw InputError(one_line(fmt::format("--set {}: not valid UTF-8 text",
                                          json(text).dump(-1, ' ', false, json::error_handler_t::replace))));
  }
  Override o;
  o.text = text;
  o.pointer = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  try {
    // Bounded like every JSON input (nesting, number range): errors name the option.
    o.value = parse_json_strict(value, "--set " + text);
  } catch (const json::parse_error&) {
    o.value = value;  // not JSON: a plain string such as ws or ddr4-3200
  }
  try {
    (void)json::json_pointer(o.pointer);
  } catch (const json::exception& e) {
    throw InputError(one_line(fmt::format("--set {}: invalid JSON pointer \"{}\"", text, o.pointer)));
  }
  return o;
}

void apply_overrides(json& doc, const std::vector<Override>& overrides) {
  for (const auto& o : overrides) {
    try {
      doc[json::json_pointer(o.pointer)] = o.value;
    } catch (const json::exception&) {
      throw InputError(one_line(fmt::format("--set {}: {} does not lead through objects in the config", o.text, o.pointer)));
    }
  }
}

void rethrow_with_override_context(const std::exception& e, const std::vector<Override>& overrides) {
  const std::string what = e.what();
  for (const auto& o : overrides) {
    if (what.find(": " + o.pointer + ":") != std::string::npos ||
        what.find(": " + o.pointer + "/") != std::string::npos)
      throw InputError(one_line(fmt::format("--set {}: {}", o.text, what)));
  }
  throw InputError(what);
}

ArchConfig parse_arch(const json& doc, const std::string& file) {
  ArchConfig a;
  arch_params().read(doc, file, "", a);
  a.file = file;
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

json to_json(const ArchConfig& a) { return arch_params().to_json(a); }

}  // namespace tpusim::config
