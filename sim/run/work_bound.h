#pragma once
/// The limit of work a run may ask for before anything is simulated (configs/README.md, "Limits"):
/// the folds and vector chunks the SystemC units would step one at a time. Pure arithmetic over
/// the mapped plans (no SystemC), shared by `tpusim run --workload` and each block of a model run.
#include <cstdint>
#include <string>

#include "sim/mapper/mapped_workload.h"

namespace tpusim {

/// Folds a run may step unless the user raises the limit (run --max-folds N): the native model
/// steps each fold through the SystemC units at 3e4 to 1e5 folds per second on this project's
/// 2-core machine (a 512^3 GEMM on a 4x4 array: 262144 folds in 8.3 s under load), so 10^7 folds
/// is minutes of work; the largest run of the reference matrix (gemm_suite on a 16x16 array) has
/// 511056. A 4096^3 GEMM on a 4x4 array (16.8 million folds) gave no answer for minutes.
constexpr uint64_t kDefaultMaxFolds = 10'000'000;

/// The steps a mapped workload's plans add up to: each matrix layer's GEMM instances x row folds
/// x column folds x stream chunks, each fused attention op's blocks' scores folds, softmax chunks
/// and context folds, each vector layer's chunks (fused epilogues run inside their matrix layer's
/// folds). Counted in doubles: a plan's product of fold counts can pass 2^64.
/// `largest` and `largest_name` get the largest layer's steps and name. 0 when not planned
/// (scalesim-v2 timing steps nothing).
double work_steps(const mapper::MappedWorkload& mapped, double& largest, std::string& largest_name);

/// Refuses (InputError) a run whose plans add up to more than `max_folds` steps (0: no limit),
/// naming `what` (the workload file, or the generated block) and the largest layer, before
/// anything is simulated:
/// "--max-folds N: WHAT: the run would step T folds and vector chunks (the largest layer, "L", S), ...".
void check_work_bound(const mapper::MappedWorkload& mapped, uint64_t max_folds, const std::string& what);

}  // namespace tpusim
