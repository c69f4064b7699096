#include "sim/importers/text_source.h"

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/base/one_line.h"

namespace tpusim::importers {

std::vector<TextLine> split_lines(const std::string& text, const std::string& file) {
  check_utf8(text, file);
  std::vector<TextLine> lines;
  size_t pos = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;  // editors on Windows add a BOM
  uint32_t number = 1;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (end < text.size() || !line.empty()) lines.push_back({number, std::move(line)});
    pos = end + 1;
    ++number;
  }
  return lines;
}

std::vector<TextField> split_fields(const std::string& line, char sep) {
  std::vector<TextField> fields;
  size_t start = 0;
  while (true) {
    size_t end = line.find(sep, start);
    if (end == std::string::npos) end = line.size();
    size_t first = start;
    while (first < end && (line[first] == ' ' || line[first] == '\t')) ++first;
    fields.push_back({trim(std::string_view(line).substr(start, end - start)), static_cast<uint32_t>(first + 1)});
    if (end == line.size()) break;
    start = end + 1;
  }
  return fields;
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::string normalize_name(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : trim(s)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

bool parse_u64(std::string_view s, uint64_t min, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v < min || v > max) return false;
  out = v;
  return true;
}

void fail_at_line(const std::string& file, uint32_t line, uint32_t column, const std::string& message) {
  throw InputError(one_line(fmt::format("{}:{}:{}: {}", file, line, column, message)));
}

std::string quote_found(std::string_view s) {
  if (s.empty()) return "nothing";
  if (s.size() > 40) return fmt::format("\"{}...\"", s.substr(0, 37));
  return fmt::format("\"{}\"", s);
}

}  // namespace tpusim::importers
