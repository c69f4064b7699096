#pragma once
/// The partition pass: a parallelism spec (data, tensor, pipeline, expert and sequence degrees,
/// each on named axes of the system) turns one model graph (a Workload whose ops carry
/// PartitionHint) into one chip's graph with the collectives inserted (sim/partition/README.md).
/// Pure C++ over sim/spec, so model generators (sim/models) can link it.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"
#include "sim/spec/system_spec.h"
#include "sim/spec/system_workload.h"
#include "sim/spec/workload.h"

namespace tpusim::partition {

/// A degree and the system axes it runs along (the product of their sizes is the degree).
struct Degree {
  uint32_t degree = 1;
  std::vector<std::string> axes;
};

enum class Schedule { gpipe, one_f_one_b };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(Schedule v) {
  switch (v) {
    case Schedule::gpipe: return "gpipe";
    case Schedule::one_f_one_b: return "1f1b";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

struct Parallelism {
  Degree dp, tp, pp, ep, sp;
  uint32_t microbatches = 1;               ///< pipeline microbatches per step
  Schedule schedule = Schedule::one_f_one_b;
  bool zero = false;                       ///< gradients reduce-scattered (ZeRO/FSDP) instead of all-reduced
  uint64_t element_bytes = 2;              ///< bytes per activation and gradient element (bf16)
  std::string algorithm = "torus";         ///< collective algorithm for the inserted collectives
  /// Optimizer state per parameter of a training graph (bytes): 12 = mixed-precision Adam's fp32
  /// master weights, momentum and variance (Rajbhandari et al., ZeRO, SC 2020: K = 12).
  uint64_t optimizer_bytes_per_parameter = 12;
  std::string file;                        ///< where it was read from, for messages
  uint64_t product() const { return uint64_t(dp.degree) * tp.degree * pp.degree * ep.degree * sp.degree; }
};

/// Parses a parallelism document (strict; keys in sim/partition/README.md).
Parallelism parse_parallelism(const nlohmann::json& doc, const std::string& file);
Parallelism load_parallelism_json(const std::string& path);

/// InputError (naming the parallelism file and pointer) unless every degree's axes exist on the
/// system, no axis serves two degrees, each degree equals the product of its axes' sizes, and
/// dp x tp x pp x ep x sp equals the system's chips.
void check_parallelism(const Parallelism& p, const config::SystemSpec& system);

/// One chip's share of `model` (one pipeline stage's ops: pipeline parallelism cuts between
/// blocks, see pipeline_step_ps) with the tensor-, expert-, sequence- and data-parallel
/// collectives inserted. InputError naming the op when a degree does not divide what it splits.
ChipGraph partition_block(const Workload& model, const Parallelism& p, const config::SystemSpec& system);

/// Pipeline timing (sim/partition/README.md, "Pipeline"): one step of `microbatches` microbatches
/// over `stages` stages whose forward and backward times per microbatch are the slowest stage's
/// `forward_ps` and `backward_ps`, with `p2p_ps` to send one microbatch's activations (or their
/// gradients) to the neighbouring stage. GPipe and 1F1B take the same time:
/// (m + p - 1) (t_f + t_b) + 2 (p - 1) t_p2p; they differ in activations kept (m vs p microbatches).
struct PipelineStep {
  uint64_t step_ps = 0;
  double bubble_fraction = 0;   ///< (p - 1) / (m + p - 1)
  uint32_t microbatches_in_flight = 0;  ///< activations a stage keeps: GPipe m, 1F1B min(m, p)
};
PipelineStep pipeline_step(uint64_t forward_ps, uint64_t backward_ps, uint64_t p2p_ps, uint32_t stages,
                           uint32_t microbatches, Schedule schedule);

}  // namespace tpusim::partition
