#pragma once
/// ONNX models as tpusim workloads (`--workload model.onnx`): the graph's nodes lowered onto
/// tpusim's ops with their real edges, after ONNX shape inference; every node's treatment and
/// every tensor's element type recorded in Workload::import. The public interface of
/// sim/importers/onnx: it pulls no ONNX or protobuf header. What each op becomes: README.md here.
#include <string>

#include <nlohmann/json.hpp>

#include "sim/spec/workload.h"

namespace tpusim::importers {

/// Imports the bytes of a .onnx file (`path` names it in messages). An op tpusim cannot cost is
/// an InputError naming it and its node, unless `allow_unsupported`: then the node is skipped and
/// recorded (NodeTreatment::skipped), and its readers read its first activation input instead.
Workload parse_onnx(const std::string& bytes, const std::string& path, bool allow_unsupported);

/// The tpusim workload document (workloads/README.md) the model lowers to, which parse_onnx
/// parses: what `tpusim import` writes, to read or edit as JSON.
nlohmann::json onnx_workload_document(const std::string& bytes, const std::string& path, bool allow_unsupported);

}  // namespace tpusim::importers
