#include "sim/spec/params.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

namespace tpusim::params {

std::vector<std::string> TableInfo::sorted_keys() const {
  std::set<std::string> keys;
  for (const auto& p : params_) keys.insert(p.key);
  return {keys.begin(), keys.end()};
}

namespace {

void collect(const TableInfo& t, const std::string& prefix, std::vector<Section>& out) {
  for (const auto& s : out) {
    if (s.table == &t) return;  // a table used twice is documented where it first appears
    TPUSIM_ASSERT(s.table->id() != t.id(), "two parameter tables named " + t.id());
  }
  out.push_back({&t, prefix});
  for (const auto& p : t.params())
    if (p.child) collect(*p.child, prefix + "/" + p.key + p.child_segment, out);
}

/// 2^k for powers of two from 2^20 on (easier to read than 1125899906842624), else decimal.
std::string integer_text(uint64_t v) {
  if (v == UINT64_MAX) return "2^64-1";
  if (v >= (1ULL << 20) && (v & (v - 1)) == 0) {
    int k = 0;
    while ((1ULL << k) != v) ++k;
    return fmt::format("2^{}", k);
  }
  return std::to_string(v);
}

/// 1e6 for a power of ten from 1e5 on, else the shortest decimal.
std::string number_text(double v) {
  if (v >= 1e5 && v == std::floor(v)) {
    const double e = std::log10(v);
    if (e == std::floor(e)) return fmt::format("1e{}", static_cast<int>(e));
  }
  return fmt::format("{}", v);
}

}  // namespace

std::vector<Section> sections(const TableInfo& root) {
  std::vector<Section> out;
  collect(root, "", out);
  return out;
}

std::string integer_range_text(uint64_t min, uint64_t max) {
  return fmt::format("[{}, {}]", integer_text(min), integer_text(max));
}

std::string number_range_text(double min, bool min_inclusive, double max) {
  return fmt::format("{}{}, {}]", min_inclusive ? "[" : "(", number_text(min), number_text(max));
}

std::string or_list(const std::vector<uint64_t>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i)
    out += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + std::to_string(values[i]);
  return out;
}

}  // namespace tpusim::params
