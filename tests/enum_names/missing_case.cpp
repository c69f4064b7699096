// Must not build: the enumerator c was added without a spelling.
#include "sim/base/enum_names.h"

namespace probe {
enum class Abc { a, b, c };
TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(Abc v) {
  switch (v) {
    case Abc::a: return "a";
    case Abc::b: return "b";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END
static_assert(tpusim::enum_values<Abc>().size() == 2);
}  // namespace probe
