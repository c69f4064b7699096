#pragma once
/// Activity tracing: units report what they did and when (in cycles); a sink writes it out
/// (e.g. a Chrome trace). Units hold a null sink when tracing is off, which costs one branch.
#include <cstdint>

namespace tpusim::arch {

/// The unit lanes of a trace.
enum class TraceLane { layers, dma_load, dma_store, array, vector };

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  /// One span of activity [start_cycle, end_cycle) on `lane`; `name` is a static string, `id`
  /// the instruction id (the layer index on the layers lane, the blocks skipped for a
  /// fast-forward) and `op` the layer (op) the activity belongs to, by index in the workload (in
  /// graph mode ops overlap, so the lane's order does not tell).
  virtual void span(TraceLane lane, const char* name, uint64_t start_cycle, uint64_t end_cycle, uint64_t id,
                    uint32_t op) = 0;
};

}  // namespace tpusim::arch
