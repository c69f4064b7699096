#include "sim/base/error.h"
#include "sim/base/one_line.h"

namespace tpusim {

std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) out += ch;
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void panic(const char* condition, const char* file, int line, const std::string& detail) {
  throw InternalError(std::string("internal error: invariant '") + condition + "' failed at " + file +
                      ":" + std::to_string(line) + (detail.empty() ? "" : ": " + detail));
}

}  // namespace tpusim
