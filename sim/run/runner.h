#pragma once
/// Runs a workload on an architecture: validates the mapping of every layer, elaborates the
/// SystemC model (native timing) or evaluates a compatibility model, and returns per-layer
/// counters. One native run per process (SystemC elaborates once).
#include <string>

#include "arch/trace.h"

#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/run/layer_result.h"

namespace tpusim {

/// Optional outputs of a run.
struct RunOptions {
  /// Receives every unit's activity (null = no trace). The caller owns and closes it.
  arch::TraceSink* trace = nullptr;
  /// Cycle model, arrays up to 16x16: VCD waveform of the array's corner PEs ("" = none).
  std::string vcd_path;
};

/// Checks everything that can be judged before simulating (tiles fit the buffers, supported
/// options); InputError otherwise, so no report is ever half-written.
void validate_run(const ArchConfig& arch, const Workload& workload, const RunOptions& options = {});

/// Runs the workload. InternalError if the model ends with work outstanding.
RunResult run_workload(const ArchConfig& arch, const Workload& workload, const RunOptions& options = {});

}  // namespace tpusim
