// Builds: every enumerator has its own spelling.
#include "sim/base/enum_names.h"

namespace probe {
enum class Abc { a, b, c };
TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(Abc v) {
  switch (v) {
    case Abc::a: return "a";
    case Abc::b: return "b";
    case Abc::c: return "c";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END
static_assert(tpusim::enum_values<Abc>().size() == 3);
static_assert(*tpusim::enum_from_name<Abc>("c") == Abc::c);
}  // namespace probe
