// Layering probe: a file of a folder that links only sim/base includes the runner (sim/run),
// which lies above it. tests/layering/CMakeLists.txt requires this to fail to compile.
#include "sim/base/error.h"
#include "sim/run/runner.h"

int layering_probe_against() { return 0; }
