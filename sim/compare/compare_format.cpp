#include "sim/compare/compare_format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.h"

namespace tpusim::compare {

namespace {

constexpr size_t kColumns = 8;
using Cells = std::array<std::string, kColumns>;

std::string number_text(const Value& v) {
  if (v.integral && std::fabs(v.number) < 9.007e15) return fmt::format("{}", static_cast<long long>(v.number));
  return fmt::format("{:.6g}", v.number);
}

std::string delta_text(const Change& c) {
  if (c.is_label()) return "-";
  if (c.base.integral && c.current.integral && std::fabs(c.delta()) < 9.007e15)
    return fmt::format("{:+d}", static_cast<long long>(c.delta()));
  return fmt::format("{:+.6g}", c.delta());
}

std::string delta_percent_text(const Change& c) {
  if (c.is_label()) return "-";
  const double r = c.delta_rel();
  if (std::isinf(r)) return "new (base 0)";
  return fmt::format("{:+.4g}%", 100.0 * r);
}

std::string row_noun(const Result& r) { return r.kind == TableKind::report ? "layer" : "point"; }

/// The cells of each listed change: row, metric, base, current, delta, delta %, tolerance, status.
std::vector<Cells> change_cells(const Result& r, size_t max_rows) {
  std::vector<Cells> rows;
  const size_t n = max_rows == 0 ? r.changes.size() : std::min(max_rows, r.changes.size());
  for (size_t i = 0; i < n; ++i) {
    const Change& c = r.changes[i];
    rows.push_back({c.row, c.metric, c.is_label() ? c.base_text : number_text(c.base),
                    c.is_label() ? c.current_text : number_text(c.current), delta_text(c), delta_percent_text(c),
                    c.is_label() ? "must match" : tolerance_text(c.tolerance), c.within_tolerance ? "ok" : "FAIL"});
  }
  return rows;
}

/// Display width of UTF-8 text (counts code points, enough for "±").
size_t width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; });
}

std::string pad(const std::string& s, size_t w, bool right) {
  const std::string fill(w > width(s) ? w - width(s) : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string more_text(const Result& r, size_t listed) {
  return fmt::format("... {} more changes not listed (--max-rows 0 lists all)", r.changes.size() - listed);
}

void write_text(std::ostream& out, const Result& r, size_t max_rows) {
  out << fmt::format("base:     {}\ncurrent:  {}\n", r.base_path, r.current_path);
  if (r.kind == TableKind::report) out << fmt::format("workload: {} ({} layers + totals)\n", r.identity, r.rows - 1);
  for (const auto& note : r.notes) out << "note: " << note << "\n";
  const auto rows = change_cells(r, max_rows);
  if (!rows.empty()) {
    const Cells header = {row_noun(r), "metric", "base", "current", "delta", "delta %", "tolerance", ""};
    std::array<size_t, kColumns> w{};
    for (size_t c = 0; c < kColumns; ++c) {
      w[c] = width(header[c]);
      for (const auto& row : rows) w[c] = std::max(w[c], width(row[c]));
    }
    auto line = [&](const Cells& cells) {
      std::string s;
      for (size_t c = 0; c < kColumns; ++c) s += (c ? "  " : "") + pad(cells[c], w[c], c >= 2 && c <= 5);
      while (!s.empty() && s.back() == ' ') s.pop_back();
      out << s << "\n";
    };
    out << "\n";
    line(header);
    for (const auto& row : rows) line(row);
    if (rows.size() < r.changes.size()) out << more_text(r, rows.size()) << "\n";
  }
  out << "\n" << r.verdict() << "\n";
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    // GitHub does not emphasise intraword underscores, so metric names stay readable unescaped.
    if (c == '|' || c == '`' || c == '*' || c == '\\' || c == '<') out += '\\';
    out += c;
  }
  return out;
}

void write_markdown(std::ostream& out, const Result& r, size_t max_rows) {
  out << fmt::format("### tpusim compare: {}\n\n", r.passed() ? "PASS" : "FAIL");
  out << fmt::format("Base `{}`, current `{}`", r.base_path, r.current_path);
  if (r.kind == TableKind::report) out << fmt::format(", workload **{}** ({} layers)", md_escape(r.identity), r.rows - 1);
  out << ".\n\n";
  for (const auto& note : r.notes) out << "- note: " << md_escape(note) << "\n";
  if (!r.notes.empty()) out << "\n";
  const auto rows = change_cells(r, max_rows);
  if (!rows.empty()) {
    out << fmt::format("| {} | metric | base | current | delta | delta % | tolerance | |\n", row_noun(r));
    out << "|---|---|--:|--:|--:|--:|---|---|\n";
    for (const auto& row : rows) {
      out << "|";
      for (size_t c = 0; c < kColumns; ++c)
        out << " " << (c == 7 && row[c] == "FAIL" ? "**FAIL**" : md_escape(row[c])) << " |";
      out << "\n";
    }
    if (rows.size() < r.changes.size()) out << "\n" << md_escape(more_text(r, rows.size())) << "\n";
    out << "\n";
  }
  out << "**" << md_escape(r.verdict()) << "**\n";
}

void write_json(std::ostream& out, const Result& r) {
  nlohmann::json j;
  j["verdict"] = r.passed() ? "pass" : "fail";
  j["summary"] = r.verdict();
  j["base"] = r.base_path;
  j["current"] = r.current_path;
  j["kind"] = to_string(r.kind);
  if (r.kind == TableKind::report) j["workload"] = r.identity;
  j["rows"] = r.rows;
  j["compared"] = r.compared;
  j["changed"] = r.changes.size();
  j["beyond_tolerance"] = r.beyond_tolerance();
  j["notes"] = r.notes;
  j["changes"] = nlohmann::json::array();
  for (const auto& c : r.changes) {
    nlohmann::json e = {{"row", c.row}, {"metric", c.metric}, {"within_tolerance", c.within_tolerance}};
    if (c.is_label()) {
      e["base"] = c.base_text;
      e["current"] = c.current_text;
    } else {
      e["base"] = c.base.number;
      e["current"] = c.current.number;
      e["delta"] = c.delta();
      // JSON has no infinity: a change from 0 has no relative size.
      e["delta_rel"] = std::isinf(c.delta_rel()) ? nlohmann::json(nullptr) : nlohmann::json(c.delta_rel());
      e["tolerance"] = {{"abs", c.tolerance.abs}, {"rel", c.tolerance.rel}};
    }
    j["changes"].push_back(e);
  }
  out << j.dump(2) << "\n";
}

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "text") return Format::text;
  if (name == "markdown" || name == "md") return Format::markdown;
  if (name == "json") return Format::json;
  throw InputError(fmt::format("--format: unknown \"{}\"; allowed: text, markdown, json", name));
}

std::string tolerance_text(const Tolerance& t) {
  const std::string abs = fmt::format("±{:g}", t.abs), rel = fmt::format("±{:g}%", 100.0 * t.rel);
  if (t.abs == 0 && t.rel == 0) return "exact";
  if (t.rel == 0) return abs;
  if (t.abs == 0) return rel;
  return abs + " or " + rel;
}

void write_result(std::ostream& out, const Result& result, Format format, size_t max_rows) {
  switch (format) {
    case Format::text: write_text(out, result, max_rows); break;
    case Format::markdown: write_markdown(out, result, max_rows); break;
    case Format::json: write_json(out, result); break;
  }
}

}  // namespace tpusim::compare
