#pragma once
/// Loading architecture configs from JSON (strict) and echoing the effective config.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_config.h"

namespace tpusim::config {

/// One `--set /json/pointer=value` override; the value is parsed as JSON, else taken as a string.
struct Override {
  std::string pointer;
  nlohmann::json value;
  std::string text;  ///< as the user wrote it, for messages
};

/// Parses "--set" text; InputError naming the option on bad syntax.
Override parse_override(const std::string& text);

/// Applies overrides to a JSON document (creating missing object keys, which the strict parse
/// then judges); InputError naming the option if the pointer cannot be set.
/// "" when assigning at `pointer` in `doc` grows no array by more than one element, else why not
/// (an index past an array's end: nlohmann would resize the array to it). apply_overrides checks it.
std::string pointer_growth_problem(const nlohmann::json& doc, const std::string& pointer);

void apply_overrides(nlohmann::json& doc, const std::vector<Override>& overrides);

/// Parses and validates an architecture JSON document. `file` is used in messages and to
/// resolve the energy table path.
ArchConfig parse_arch(const nlohmann::json& doc, const std::string& file);

/// Applies `--set` overrides to an architecture document, then parses it; an error the overrides
/// caused names the option.
ArchConfig parse_arch(nlohmann::json doc, const std::string& file, const std::vector<Override>& overrides);

/// Loads an architecture from a `.json` file. Loaders of every format: sim/importers/formats.h.
ArchConfig load_arch_json(const std::string& path, const std::vector<Override>& overrides = {});

/// The effective configuration with defaults filled in (what the report echoes). Parsing it
/// again gives the same config.
nlohmann::json to_json(const ArchConfig& arch);

/// Re-throws an InputError raised while parsing a document that overrides touched, naming the
/// --set option when the failing pointer is at or below an override.
[[noreturn]] void rethrow_with_override_context(const std::exception& e, const std::vector<Override>& overrides);

}  // namespace tpusim::config
