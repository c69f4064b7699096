#pragma once
/// A system program as MLCommons Chakra execution traces (README.md): what ASTRA-sim replays,
/// with tpusim's per-op compute times and its collectives.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/system/system_report.h"

namespace tpusim::system::chakra {

struct Exported {
  std::vector<std::string> files;  ///< written, in order (traces, then the manifest)
  uint64_t nodes = 0;              ///< nodes in the one chip program's trace
};

/// Writes `dir`/`prefix`.0.et (every chip runs the same program, so one trace stands for all: the
/// global metadata, then each node of the program `run` timed, `run.repeat` times, as a varint
/// length and the message) and `dir`/`prefix`.manifest.json (which chips each trace is for).
/// InputError for an op Chakra cannot say for every chip alike (send_recv names a peer).
/// InputError (naming the op's file and pointer) for the first op a trace cannot say: before
/// anything runs or is written.
void check_exportable(const ChipGraph& graph);

Exported write_chakra(const SystemRun& run, const ChipGraph& graph, const std::string& dir, const std::string& prefix);

}  // namespace tpusim::system::chakra
