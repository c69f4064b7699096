#include "sim/compare/table.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/one_line.h"
#include "sim/spec/json_parse.h"

namespace tpusim::compare {

using nlohmann::json;

namespace {

/// nlohmann's parse message without its "[json.exception.parse_error.101] " prefix.
std::string parse_reason(const json::parse_error& e) {
  std::string what = e.what();
  const auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

json parse_json(const std::string& text, const std::string& where) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(fmt::format("{}: empty file, expected a JSON document", where));
  try {
    return config::parse_json_strict(text, where);  // bounded depth, numbers in range, no duplicate keys
  } catch (const json::parse_error& e) {
    throw InputError(fmt::format("{}: not a complete JSON document (truncated?): {}", where, parse_reason(e)));
  }
}

/// Adds every number under `j` as a metric named by its dotted path from `prefix`.
void flatten_numbers(const json& j, const std::string& prefix, std::map<std::string, Value>& out) {
  for (const auto& [key, v] : j.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (v.is_number_integer() || v.is_number_unsigned())
      out[name] = Value{v.get<double>(), true};
    else if (v.is_number_float())
      out[name] = Value{v.get<double>(), false};
    else if (v.is_object())
      flatten_numbers(v, name, out);
  }
}

const json& require(const json& j, const char* key, bool (json::*is_kind)() const noexcept, const char* expected,
                    const std::string& path, const std::string& pointer) {
  if (!j.is_object() || !j.contains(key))
    throw InputError(fmt::format("{}: {}/{}: missing; not a tpusim report?", path, pointer, key));
  const json& v = j.at(key);
  if (!(v.*is_kind)())
    throw InputError(fmt::format("{}: {}/{}: expected {}, got {}", path, pointer, key, expected, v.type_name()));
  return v;
}

/// A text field parsed as a number: integral when it is only digits (with a sign).
bool parse_number(const std::string& text, Value& out) {
  if (text.empty()) return false;
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(begin, &end);
  if (end != begin + text.size() || errno == ERANGE) return false;
  out.number = d;
  out.integral = text.find_first_not_of("+-0123456789") == std::string::npos;
  return true;
}

/// Splits CSV text into records of fields (RFC 4180: quoted fields may hold commas, quotes
/// doubled, line breaks). `lines[i]` is the 1-based line where record i starts.
std::vector<std::vector<std::string>> split_csv(const std::string& text, const std::string& path,
                                                std::vector<size_t>& lines) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  size_t line = 1, record_line = 1;
  auto end_record = [&] {
    record.push_back(field);
    field.clear();
    if (!(record.size() == 1 && record[0].empty() && !any)) {
      records.push_back(std::move(record));
      lines.push_back(record_line);
    }
    record.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c, line += c == '\n';
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      record_line = ++line;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) throw InputError(fmt::format("{}:{}: unterminated quoted field (truncated?)", path, record_line));
  if (any || !field.empty()) end_record();
  return records;
}

bool is_key_column(const std::string& name) { return (!name.empty() && name[0] == '/') || name == "workload"; }

/// Labels of a point that must match; other text columns (report paths, hashes) are ignored.
bool is_label_column(const std::string& name) { return name == "status"; }

void add_row(Table& table, Row row, const std::string& where) {
  const std::string key = row.key;
  if (!table.add(std::move(row)))
    throw InputError(fmt::format("{}: duplicate {} \"{}\"", where, table.row_noun, key));
}

Table points_table(const std::string& path) {
  Table t;
  t.path = path;
  t.kind = TableKind::points;
  t.row_noun = "point";
  return t;
}

}  // namespace

const char* to_string(TableKind kind) { return kind == TableKind::report ? "report" : "sweep table"; }

bool Table::add(Row row) {
  if (!index_.emplace(row.key, rows.size()).second) return false;
  rows.push_back(std::move(row));
  return true;
}

size_t Table::find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? std::string::npos : it->second;
}

static Table load_report_quoting(const std::string& path) {
  const json j = parse_json(read_file(path), path);
  if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object (a tpusim report.json), got {}", path, j.type_name()));
  const json& version = require(j, "schema_version", &json::is_number_integer, "an integer", path, "");
  if (version.get<int64_t>() != 1)
    throw InputError(fmt::format("{}: /schema_version: expected 1, got {}", path, version.dump()));
  const json& workload = require(j, "workload", &json::is_object, "an object", path, "");
  const json& totals = require(j, "totals", &json::is_object, "an object", path, "");
  const json& layers = require(j, "layers", &json::is_array, "an array", path, "");

  Table t;
  t.path = path;
  t.kind = TableKind::report;
  t.row_noun = "layer";
  t.identity = require(workload, "name", &json::is_string, "a string", path, "/workload").get<std::string>();
  if (j.contains("arch")) t.arch_json = j["arch"].dump();
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string pointer = fmt::format("/layers/{}", i);
    Row row;
    row.key = require(layers[i], "name", &json::is_string, "a string", path, pointer).get<std::string>();
    require(layers[i], "cycles", &json::is_number_unsigned, "a non-negative integer", path, pointer);
    flatten_numbers(layers[i], "", row.metrics);
    add_row(t, std::move(row), path);
  }
  Row total;
  total.key = kTotalsKey;
  require(totals, "cycles", &json::is_number_unsigned, "a non-negative integer", path, "/totals");
  flatten_numbers(totals, "", total.metrics);
  add_row(t, std::move(total), path);
  return t;
}

static Table load_points_csv_quoting(const std::string& path) {
  std::vector<size_t> lines;
  const std::string text = read_file(path);
  check_utf8(text, path);  // its keys reach compare's JSON rendering
  const auto records = split_csv(text, path, lines);
  if (records.empty()) throw InputError(fmt::format("{}: empty file, expected a header row", path));
  const auto& header = records[0];
  Table t = points_table(path);
  bool has_key = false;
  for (const auto& name : header) has_key |= is_key_column(name);
  if (!has_key)
    throw InputError(fmt::format("{}:1: no key column: expected axis columns named by JSON pointer (\"/array/rows\") "
                                 "or \"workload\"", path));
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (rec.size() != header.size())
      throw InputError(fmt::format("{}:{}: expected {} fields as in the header, found {} (truncated?)", path, lines[r],
                                   header.size(), rec.size()));
    Row row;
    for (size_t c = 0; c < header.size(); ++c) {
      Value v;
      if (is_key_column(header[c])) row.key += (row.key.empty() ? "" : ", ") + header[c] + "=" + rec[c];
      else if (is_label_column(header[c])) row.labels[header[c]] = rec[c];
      else if (parse_number(rec[c], v)) row.metrics[header[c]] = v;
    }
    add_row(t, std::move(row), fmt::format("{}:{}", path, lines[r]));
  }
  return t;
}

static Table load_points_jsonl_quoting(const std::string& path) {
  const std::string text = read_file(path);
  Table t = points_table(path);
  std::istringstream in(text);
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", path, number);
    const json j = parse_json(line, where);
    if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object per line, got {}", where, j.type_name()));
    Row row;
    for (const auto& [name, v] : j.items()) {
      if (is_key_column(name)) row.key += (row.key.empty() ? "" : ", ") + name + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
      else if (is_label_column(name)) row.labels[name] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    if (row.key.empty())
      throw InputError(fmt::format("{}: no key field: expected axis fields named by JSON pointer (\"/array/rows\") "
                                   "or \"workload\"", where));
    json numbers = j;
    for (auto it = numbers.begin(); it != numbers.end();)
      it = is_key_column(it.key()) ? numbers.erase(it) : std::next(it);
    flatten_numbers(numbers, "", row.metrics);
    add_row(t, std::move(row), where);
  }
  return t;
}

static Table load_table_quoting(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const char* name : {"report.json", "points.jsonl", "points.csv"})
      if (fs::exists(fs::path(path) / name, ec)) return load_table((fs::path(path) / name).string());
    throw InputError(fmt::format("{}: directory holds no report.json, points.jsonl or points.csv", path));
  }
  if (!fs::exists(path, ec)) throw InputError(fmt::format("{}: no such file", path));
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".csv") return load_points_csv(path);
  if (ext == ".jsonl") return load_points_jsonl(path);
  if (ext == ".json") return load_report(path);
  throw InputError(fmt::format("{}: unknown kind of file \"{}\"; expected report.json, points.csv or points.jsonl", path, ext));
}

// The messages quote the files' keys and values, which may hold anything: each entry point's
// errors leave on one line, in valid UTF-8 (fuzz_compare found a row key with a newline in it).
Table load_report(const std::string& path) { return with_one_line_errors([&] { return load_report_quoting(path); }); }
Table load_points_csv(const std::string& path) {
  return with_one_line_errors([&] { return load_points_csv_quoting(path); });
}
Table load_points_jsonl(const std::string& path) {
  return with_one_line_errors([&] { return load_points_jsonl_quoting(path); });
}
Table load_table(const std::string& path) { return with_one_line_errors([&] { return load_table_quoting(path); }); }

}  // namespace tpusim::compare
