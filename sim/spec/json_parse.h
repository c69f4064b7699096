#pragma once
/// Bounded JSON parsing: the one place JSON text becomes a document (parse_json_text in
/// json_reader.h words malformed text on top of it).
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace tpusim::config {

/// Deepest nesting of objects and arrays a JSON input may have. tpusim's own formats nest fewer
/// than 10 levels; the readers, the echo and compare walk documents recursively, and a document
/// nested a million deep overflowed the stack in compare and sweep (issue 16).
inline constexpr size_t kMaxJsonDepth = 100;

/// Parses JSON text read from `file` (named in messages). A duplicate key, nesting deeper than
/// kMaxJsonDepth and a number beyond a double's range (1e400) are InputErrors naming the file and
/// the JSON pointer; malformed text throws nlohmann's json::parse_error, for the caller to word
/// (parse_json_text: "malformed JSON"; sim/compare: "truncated?").
nlohmann::json parse_json_strict(const std::string& text, const std::string& file);

}  // namespace tpusim::config
