#include "sim/base/error.h"

namespace tpusim {

void panic(const char* condition, const char* file, int line, const std::string& detail) {
  throw InternalError(std::string("internal error: invariant '") + condition + "' failed at " + file +
                      ":" + std::to_string(line) + (detail.empty() ? "" : ": " + detail));
}

}  // namespace tpusim
