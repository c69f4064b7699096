// Layering probe: a file of a folder that links sim/spec includes sim/spec and sim/base (along
// the arrows). tests/layering/CMakeLists.txt requires this to build.
#include "sim/base/error.h"
#include "sim/spec/arch_config.h"

int layering_probe_along() { return static_cast<int>(tpusim::ArchConfig{}.array.rows); }
