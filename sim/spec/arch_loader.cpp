#include "sim/spec/arch_loader.h"

#include <cerrno>
#include <cstdlib>

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

std::string pointer_growth_problem(const json& doc, const std::string& pointer) {
  // Walks the pointer as nlohmann's operator[] would (a missing key creates an object, or an
  // array when the token is a number); an array may grow by one element at its end, no more:
  // "/holds/17777777777" resized the array to that many elements (an allocation of 2^60 bytes,
  // AddressSanitizer's allocation-size-too-big in fuzz_set_value, std::bad_alloc in the CLI).
  const json* node = &doc;  // null once the path leaves what exists
  std::string at;
  size_t start = 1;
  while (start <= pointer.size()) {
    const size_t slash = pointer.find('/', start);
    std::string token = pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    for (size_t p; (p = token.find("~1")) != std::string::npos;) token.replace(p, 2, "/");
    for (size_t p; (p = token.find("~0")) != std::string::npos;) token.replace(p, 2, "~");
    const bool digits = !token.empty() && token.find_first_not_of("0123456789") == std::string::npos;
    const bool array = node ? node->is_array() : digits;
    if (array && digits) {
      const size_t size = node ? node->size() : 0;
      errno = 0;
      const unsigned long long index = std::strtoull(token.c_str(), nullptr, 10);
      if (errno == ERANGE || index > size)
        return fmt::format("index {} is past the end of the array at {} (size {}: an index names an element, or {} "
                           "appends one)", token, at.empty() ? "/" : at, size, size);
      node = index < size ? &(*node)[index] : nullptr;
    } else if (node && node->is_object()) {
      const auto it = node->find(token);
      node = it == node->end() ? nullptr : &*it;
    } else {
      node = nullptr;  // a type mismatch: nlohmann's own error below names it
    }
    at += "/" + pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return "";
}

void apply_overrides(json& doc, const std::vector<Override>& overrides) {
  for (const auto& o : overrides) {
    const std::string growth = pointer_growth_problem(doc, o.pointer);
    if (!growth.empty()) throw InputError(one_line(fmt::format("--set {}: {}", o.text, growth)));
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
