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
  /// One span of activity [start_cycle, end_cycle) on `lane`; `name` is a static string and
  /// `id` the instruction id (or layer index on the layers lane).
  virtual void span(TraceLane lane, const char* name, uint64_t start_cycle, uint64_t end_cycle, uint64_t id) = 0;
};

}  // namespace tpusim::arch
