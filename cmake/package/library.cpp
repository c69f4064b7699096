// The one source of libtpusim.so (cmake/package.cmake): the pure layers' archives are linked in
// whole; a shared library needs at least one source of its own, and this one says its version.
#include "tpusim.h"

namespace tpusim {
const char* library_version() { return TPUSIM_VERSION; }
}  // namespace tpusim
