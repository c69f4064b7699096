#include "sim/report/compute_report_csv.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "sim/base/error.h"

namespace tpusim::report {

std::string python_float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  if (x == 0) return std::signbit(x) ? "-0.0" : "0.0";
  // Shortest round-trip digits (what Python's repr uses), read off C++17's scientific to_chars.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  TPUSIM_ASSERT(res.ec == std::errc(), "to_chars of a double fits 64 characters");
  const std::string sci(buf, res.ptr);
  const size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  const int exp10 = std::atoi(sci.c_str() + e_pos + 1);
  std::string sign;
  if (mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  // Python (float_repr_style 'short', format code 'r'): with the number written 0.DIGITS x 10^decpt,
  // it uses positional notation when -4 < decpt <= 16, scientific otherwise.
  const int decpt = exp10 + 1;
  if (decpt > -4 && decpt <= 16) {
    std::string out;
    if (decpt <= 0) {
      out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    }
    return sign + out;
  }
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  return fmt::format("{}{}e{}{:02d}", sign, out, exp10 < 0 ? '-' : '+', std::abs(exp10));
}

std::string compute_report_csv(const RunResult& run) {
  std::string out = "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
  for (size_t i = 0; i < run.layers.size(); ++i) {
    const LayerResult& l = run.layers[i];
    if (is_matrix_op(l.op) && !l.scalesim)
      throw InternalError(fmt::format("COMPUTE_REPORT.csv needs scalesim-v2 results, but layer \"{}\" has none", l.name));
    // SCALE-Sim's own percentages; vector layers, which it has no counterpart for, give 0.
    const auto* s = l.scalesim ? &l.scalesim->stats : nullptr;
    const double util = s ? s->overall_util_pct : 0.0;
    const double map_eff = s ? s->mapping_efficiency_pct : 0.0;
    const double comp = s ? s->compute_util_pct : 0.0;
    out += fmt::format("{}, {}, {}, {}, {}, {},\n", i, l.cycles, l.stall_cycles, python_float_repr(util),
                       python_float_repr(map_eff), python_float_repr(comp));
  }
  return out;
}

void write_compute_report_csv(const std::string& path, const RunResult& run) {
  const std::string text = compute_report_csv(run);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw InputError(fmt::format("{}: cannot write file (does the output directory exist and is it writable?)", path));
  f << text;
  f.close();
  if (!f) throw InputError(fmt::format("{}: write failed (disk full?)", path));
}

}  // namespace tpusim::report
