#include "sim/sweep/constraints.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "sim/spec/json_reader.h"

namespace tpusim::sweep {

namespace {

using config::fail_at;
using nlohmann::json;

const char* const kOps[] = {"<=", ">=", "==", "!=", "<", ">"};

bool is_comparison(const std::string& t) {
  for (const char* op : kOps)
    if (t == op) return true;
  return false;
}

/// One atom: a JSON pointer, a number or a JSON string literal.
json parse_atom(const std::string& t, const std::string& file, const std::string& pointer, const std::string& text) {
  if (t[0] == '/') {
    try {
      (void)json::json_pointer(t);
    } catch (const json::exception&) {
      fail_at(file, pointer, fmt::format("invalid JSON pointer \"{}\" in \"{}\"", t, text));
    }
    return json{{"ptr", t}};
  }
  if (t[0] == '"') {
    try {
      json s = json::parse(t);
      if (s.is_string()) return s;
    } catch (const json::exception&) {
    }
    fail_at(file, pointer, fmt::format("bad string literal {} in \"{}\" (no spaces inside strings)", t, text));
  }
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (end == t.c_str() + t.size() && std::isfinite(d)) return json(d);
  fail_at(file, pointer,
          fmt::format("unexpected \"{}\" in \"{}\"; expected a JSON pointer, a number or a \"string\"", t, text));
}

Expr parse_expr(const std::vector<std::string>& tokens, const std::string& file, const std::string& pointer,
                const std::string& text) {
  Expr e;
  if (tokens.empty()) fail_at(file, pointer, fmt::format("\"{}\": a side of the comparison is empty", text));
  ExprTerm term;
  bool want_atom = true;
  for (const auto& t : tokens) {
    if (want_atom) {
      term.atoms.push_back(parse_atom(t, file, pointer, text));
      want_atom = false;
    } else if (t == "*") {
      want_atom = true;
    } else if (t == "+" || t == "-") {
      e.push_back(term);
      term = ExprTerm{};
      term.factor = t == "-" ? -1 : 1;
      want_atom = true;
    } else {
      fail_at(file, pointer, fmt::format("unexpected \"{}\" in \"{}\"; expected + - * or a comparison", t, text));
    }
  }
  if (want_atom) fail_at(file, pointer, fmt::format("\"{}\" ends with an operator", text));
  e.push_back(term);
  return e;
}

/// The value of an expression: a string (a lone string atom) or a number.
json evaluate(const Expr& e, const json& cfg, const std::string& file, const Comparison& c) {
  double sum = 0;
  for (const auto& term : e) {
    double product = term.factor;
    for (const auto& atom : term.atoms) {
      json v = atom;
      if (atom.is_object()) {
        const std::string ptr = atom["ptr"].get<std::string>();
        const json::json_pointer jp(ptr);
        if (!cfg.contains(jp))
          fail_at(file, c.pointer, fmt::format("\"{}\" is not a key of the effective config", ptr));
        v = cfg[jp];
      }
      if (v.is_string() || v.is_boolean()) {
        if (e.size() == 1 && term.atoms.size() == 1) return v;
        fail_at(file, c.pointer, fmt::format("\"{}\": arithmetic on a non-number ({})", c.text, config::describe(v)));
      }
      if (!v.is_number()) fail_at(file, c.pointer, fmt::format("\"{}\": {} is not a number", c.text, config::describe(v)));
      product *= v.get<double>();
    }
    sum += product;
  }
  return json(sum);
}

}  // namespace

Comparison parse_comparison(const std::string& text, const std::string& file, const std::string& pointer) {
  std::istringstream in(text);
  std::vector<std::string> left, right;
  Comparison c;
  c.text = text;
  c.pointer = pointer;
  std::string t;
  while (in >> t) {
    if (is_comparison(t)) {
      if (!c.op.empty()) fail_at(file, pointer, fmt::format("\"{}\" has more than one comparison", text));
      c.op = t;
    } else {
      (c.op.empty() ? left : right).push_back(t);
    }
  }
  if (c.op.empty())
    fail_at(file, pointer, fmt::format("\"{}\" has no comparison; expected one of < <= == != >= > between spaces", text));
  c.left = parse_expr(left, file, pointer, text);
  c.right = parse_expr(right, file, pointer, text);
  return c;
}

uint64_t total_sram_bytes(const json& effective) {
  uint64_t sum = 0;
  for (const auto& b : effective.at("buffers")) sum += b.at("capacity_bytes").get<uint64_t>();
  return sum;
}

std::string check_constraints(const Constraints& c, const json& effective, const std::string& spec_file) {
  if (c.max_total_sram_bytes) {
    const uint64_t total = total_sram_bytes(effective);
    if (total > *c.max_total_sram_bytes)
      return fmt::format("max_total_sram_bytes: {} > {}", total, *c.max_total_sram_bytes);
  }
  if (c.max_pes) {
    const uint64_t pes = effective.at("array").at("rows").get<uint64_t>() * effective.at("array").at("cols").get<uint64_t>();
    if (pes > *c.max_pes) return fmt::format("max_pes: {} > {}", pes, *c.max_pes);
  }
  for (const auto& cmp : c.require) {
    const json l = evaluate(cmp.left, effective, spec_file, cmp);
    const json r = evaluate(cmp.right, effective, spec_file, cmp);
    bool holds = false;
    if (l.is_number() && r.is_number()) {
      const double a = l.get<double>(), b = r.get<double>();
      holds = cmp.op == "<" ? a < b : cmp.op == "<=" ? a <= b : cmp.op == "==" ? a == b
            : cmp.op == "!=" ? a != b : cmp.op == ">=" ? a >= b : a > b;
    } else if (l.type() == r.type() && (cmp.op == "==" || cmp.op == "!=")) {
      holds = (l == r) == (cmp.op == "==");
    } else {
      fail_at(spec_file, cmp.pointer,
              fmt::format("\"{}\": cannot compare {} with {} using {}", cmp.text, config::describe(l),
                          config::describe(r), cmp.op));
    }
    if (!holds) return fmt::format("require \"{}\"", cmp.text);
  }
  return "";
}

}  // namespace tpusim::sweep
