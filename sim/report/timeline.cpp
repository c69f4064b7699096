#include "sim/report/timeline.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/base/error.h"
#include "sim/base/file_io.h"

namespace tpusim::report {

namespace {

struct LaneInfo {
  int tid;
  const char* name;
};

LaneInfo lane_info(arch::TraceLane lane) {
  switch (lane) {
    case arch::TraceLane::layers: return {0, "layers"};
    case arch::TraceLane::dma_load: return {1, "dma loads"};
    case arch::TraceLane::dma_store: return {2, "dma stores"};
    case arch::TraceLane::array: return {3, "matrix unit"};
    case arch::TraceLane::vector: return {4, "vector unit"};
  }
  return {9, "?"};
}

}  // namespace

ChromeTrace::ChromeTrace(const std::string& write_path, const std::string& shown_path, double clock_mhz,
                         std::vector<std::string> layer_names)
    : path_(shown_path), out_(write_path, std::ios::binary | std::ios::trunc), clock_mhz_(clock_mhz),
      layer_names_(std::move(layer_names)) {
  if (!out_) throw InputError(output_error("--timeline", path_, std::strerror(errno)));
  out_ << "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n";
  out_ << R"({"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "tpusim"}})";
  for (auto lane : {arch::TraceLane::layers, arch::TraceLane::dma_load, arch::TraceLane::dma_store,
                    arch::TraceLane::array, arch::TraceLane::vector}) {
    const LaneInfo l = lane_info(lane);
    out_ << fmt::format(",\n{{\"ph\": \"M\", \"pid\": 1, \"tid\": {}, \"name\": \"thread_name\", \"args\": "
                        "{{\"name\": \"{}\"}}}}",
                        l.tid, l.name);
  }
}

ChromeTrace::~ChromeTrace() = default;  // an aborted run: the OutputFiles set removes the file

void ChromeTrace::span(arch::TraceLane lane, const char* name, uint64_t start_cycle, uint64_t end_cycle, uint64_t id,
                       uint32_t op) {
  const LaneInfo l = lane_info(lane);
  // Trace time is in microseconds: cycles / MHz.
  const double ts = static_cast<double>(start_cycle) / clock_mhz_;
  const double dur = static_cast<double>(end_cycle - start_cycle) / clock_mhz_;
  std::string label = name;
  std::string args;
  if (lane == arch::TraceLane::layers) {
    label = id < layer_names_.size() ? layer_names_[id] : "layer";
    args = fmt::format("\"index\": {}", id);
  } else {
    const std::string layer = op < layer_names_.size() ? layer_names_[op] : "";
    args = fmt::format("\"layer\": {}, \"instr\": {}", nlohmann::json(layer).dump(), id);
  }
  // DMA transfers, pipelined folds and (under graph execution) layers overlap on their lane,
  // which complete ("X") events on one thread may not do (the Trace Event Format draws a
  // thread's slices as a stack; tests/timeline/validate_trace.py): they are written as async
  // begin/end pairs, one row per span.
  const bool overlapping = lane == arch::TraceLane::dma_load || lane == arch::TraceLane::dma_store ||
                           lane == arch::TraceLane::array || lane == arch::TraceLane::layers;
  const std::string name_json = nlohmann::json(label).dump();
  const std::string args_json =
      fmt::format("{{\"start_cycle\": {}, \"end_cycle\": {}, {}}}", start_cycle, end_cycle, args);
  if (overlapping) {
    // A string id: numbers above 2^53 would lose precision in the JavaScript viewers.
    const std::string async_id = lane == arch::TraceLane::layers ? fmt::format("\"{}.{}\"", l.tid, id)
                                                                  : fmt::format("\"{}.{}.{}\"", l.tid, op, id);
    out_ << fmt::format(",\n{{\"ph\": \"b\", \"cat\": \"{}\", \"id\": {}, \"pid\": 1, \"tid\": {}, \"name\": {}, "
                        "\"ts\": {:.6f}, \"args\": {}}}",
                        l.name, async_id, l.tid, name_json, ts, args_json);
    out_ << fmt::format(",\n{{\"ph\": \"e\", \"cat\": \"{}\", \"id\": {}, \"pid\": 1, \"tid\": {}, \"name\": {}, "
                        "\"ts\": {:.6f}}}",
                        l.name, async_id, l.tid, name_json, ts + dur);
  } else {
    out_ << fmt::format(",\n{{\"ph\": \"X\", \"pid\": 1, \"tid\": {}, \"name\": {}, \"ts\": {:.6f}, \"dur\": {:.6f}, "
                        "\"args\": {}}}",
                        l.tid, name_json, ts, dur, args_json);
  }
}

void ChromeTrace::close() {
  out_ << "\n]}\n";
  out_.flush();
  const int err = errno;
  const bool failed = !out_;
  out_.close();
  if (failed || !out_) throw InputError(output_error("--timeline", path_, std::strerror(err ? err : EIO)));
  closed_ = true;
}

}  // namespace tpusim::report
