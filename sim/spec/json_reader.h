#pragma once
/// Strict reading of JSON objects into structs: every error names the file and the JSON pointer,
/// says what was expected and what was found; keys that were never read are errors (typos).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"

namespace tpusim::config {

using json = nlohmann::json;

/// Reads and parses a JSON file; InputError on a missing file or malformed/truncated JSON.
json load_json_file(const std::string& path);
/// Parses JSON text read from `file` (named in messages), rejecting duplicate keys.
json parse_json_text(const std::string& text, const std::string& file);

/// Short rendering of a JSON value for messages ("0", "\"wx\"", "an object").
std::string describe(const json& v);

/// Escapes a key for use in a JSON pointer (RFC 6901).
std::string pointer_escape(const std::string& key);

/// A JSON object being read. Call finish() after reading to reject unknown keys.
class ObjectReader {
 public:
  /// Throws InputError unless `value` is an object.
  ObjectReader(const json& value, std::string file, std::string pointer);

  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  std::string pointer_of(const std::string& key) const { return pointer_ + "/" + pointer_escape(key); }
  /// Whether `key` is present. Asking makes the key a known one: it is listed among the
  /// allowed keys when another key is unknown.
  bool has(const std::string& key) const;
  /// The raw value (marks the key as read); InputError if missing.
  const json& raw(const std::string& key);

  /// Integer in [min, max]. Without a default the key is required.
  uint64_t u64(const std::string& key, uint64_t min, uint64_t max);
  uint64_t u64(const std::string& key, uint64_t min, uint64_t max, uint64_t fallback);
  /// Finite number in (min_exclusive, max].
  double number(const std::string& key, double min_exclusive, double max);
  double number(const std::string& key, double min_exclusive, double max, double fallback);
  /// Finite number in [0, max] (zero allowed, e.g. an ideal memory's latency).
  double non_negative(const std::string& key, double max);
  double non_negative(const std::string& key, double max, double fallback);
  bool boolean(const std::string& key, bool fallback);
  std::string string(const std::string& key);
  std::string string(const std::string& key, const std::string& fallback);
  /// One of `allowed` (returns its index); the message lists the allowed spellings.
  size_t choice(const std::string& key, const std::vector<std::string>& allowed);
  size_t choice(const std::string& key, const std::vector<std::string>& allowed, size_t fallback);
  /// One of enum E's spellings (sim/base/enum_names.h), returned as the enum; the message lists
  /// the spellings. Without a default the key is required.
  template <class E>
  E enumeration(const std::string& key);
  template <class E>
  E enumeration(const std::string& key, E fallback) {
    return has(key) ? enumeration<E>(key) : fallback;
  }

  /// Rejects keys that were not read, naming the first in key order.
  void finish() const;

  /// An error about this object's `key`: "file: /ptr/key: message".
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const json& value_;
  std::string file_;
  std::string pointer_;
  mutable std::set<std::string> read_;
};

/// "file: pointer: message" as an InputError.
[[noreturn]] void fail_at(const std::string& file, const std::string& pointer, const std::string& message);

/// Reads an integer, a number etc. from a value at a pointer (for array elements).
uint64_t as_u64(const json& v, const std::string& file, const std::string& pointer, uint64_t min, uint64_t max);
size_t as_choice(const json& v, const std::string& file, const std::string& pointer,
                 const std::vector<std::string>& allowed);
/// One of enum E's spellings at a pointer (for array elements), as the enum.
template <class E>
E as_enum(const json& v, const std::string& file, const std::string& pointer) {
  // The index is into E's own table, whose names enum_names<E>() lists in the same order.
  return enum_values<E>()[as_choice(v, file, pointer, enum_names<E>())];
}

/// Joins spellings for messages: "os, ws, is".
std::string join(const std::vector<std::string>& items, const char* sep = ", ");

template <class E>
E ObjectReader::enumeration(const std::string& key) {
  return as_enum<E>(raw(key), file_, pointer_of(key));
}

}  // namespace tpusim::config
