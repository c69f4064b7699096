// tpusim.h: the entry points of the installed library libtpusim (find_package(tpusim), target
// tpusim::tpusim; README "Installing"). It holds the pure layers: loading architectures and
// workloads (JSON, SCALE-Sim, ONNX), the mapper, the closed-form fold timing and the PE-level
// cycle model, DRAM timelines, the interconnect model, compare. Simulations of the SystemC model
// run the tpusim binary (one elaboration per process); the Python package wraps both.
#pragma once

#include "sim/base/error.h"
#include "sim/compare/compare.h"
#include "sim/importers/formats.h"
#include "sim/mapper/mapped_workload.h"

namespace tpusim {
/// The version of the installed library (the project's, CMakeLists.txt).
const char* library_version();
}  // namespace tpusim
