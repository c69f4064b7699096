#pragma once
/// Runs a workload on an architecture: maps it once and validates the mapping, elaborates the
/// SystemC model (native timing) or evaluates a compatibility model, and returns per-layer
/// counters with the mapper's facts. One native run per process (SystemC elaborates once).
#include <string>

#include "arch/trace.h"

#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/run/layer_result.h"

namespace tpusim {

/// Optional outputs of a run.
struct RunOptions {
  /// Receives every unit's activity (null = no trace). The caller owns and closes it.
  arch::TraceSink* trace = nullptr;
  /// Cycle model, arrays up to 16x16: VCD waveform of the array's corner PEs ("" = none).
  std::string vcd_path;
  /// Skip periodic runs of identical folds exactly (arch/control/fast_forward.h); the reports are
  /// the same either way, only the wall time differs.
  bool fast_forward = true;
};

/// Judges everything that can be judged before simulating, and maps the workload once: the
/// options the timing mode supports, each layer's tiles in the buffers (the mapper), the cycle
/// model's PE-cycle budget. InputError otherwise, so no report is ever half-written. `arch` and
/// `workload` must outlive the mapping.
mapper::MappedWorkload prepare_run(const ArchConfig& arch, const Workload& workload, const RunOptions& options = {});

/// Runs a workload mapped by prepare_run (with the same options). InternalError if the model ends
/// with work outstanding.
RunResult run_workload(const mapper::MappedWorkload& mapped, const RunOptions& options = {});

/// prepare_run, then run_workload.
RunResult run_workload(const ArchConfig& arch, const Workload& workload, const RunOptions& options = {});

}  // namespace tpusim
