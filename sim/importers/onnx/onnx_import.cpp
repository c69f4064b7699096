#include "sim/importers/onnx/onnx_import.h"

#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/one_line.h"
#include "sim/importers/onnx/onnx_lowering.h"
#include "sim/importers/onnx/onnx_model.h"

namespace tpusim::importers {

namespace {

nlohmann::json document_of(const onnx_import::OnnxModel& model, const onnx_import::Lowering& lowering,
                           const std::string& path) {
  nlohmann::json doc = lowering.document();
  doc["name"] = std::filesystem::path(path).stem().string();
  doc["source"] = fmt::format("ONNX model {} (graph \"{}\", opset {}{}), imported by tpusim", path, model.graph().name(),
                              model.opset(), model.producer().empty() ? "" : ", written by " + model.producer());
  return doc;
}

nlohmann::json onnx_workload_document_raw(const std::string& bytes, const std::string& path, bool allow_unsupported) {
  const onnx_import::OnnxModel model(bytes, path);
  const onnx_import::Lowering lowering(model, path, allow_unsupported);
  return document_of(model, lowering, path);
}

Workload parse_onnx_raw(const std::string& bytes, const std::string& path, bool allow_unsupported) {
  const onnx_import::OnnxModel model(bytes, path);
  const onnx_import::Lowering lowering(model, path, allow_unsupported);
  const nlohmann::json doc = document_of(model, lowering, path);
  Workload w;
  try {
    w = parse_workload(doc, path);
  } catch (const InputError& e) {
    // The document is ours: name the node a layer came from rather than a pointer into JSON the
    // user never saw.
    const std::string msg = e.what();
    std::smatch mt;
    const std::regex layer_ptr(": /layers/([0-9]+)(/[^:]*)?: ");
    if (std::regex_search(msg, mt, layer_ptr)) {
      const size_t layer = std::stoul(mt[1].str());
      const size_t node = layer < lowering.layer_nodes().size() ? lowering.layer_nodes()[layer] : 0;
      throw InputError(fmt::format("{}: node {} \"{}\" ({}): cannot be costed as tpusim layer {}: {}", path, node,
                                   model.node(node).name(), model.op_type(node), doc["layers"][layer]["op"].get<std::string>(),
                                   msg.substr(static_cast<size_t>(mt.position(0) + mt.length(0)))));
    }
    throw;
  }
  w.import = lowering.record();
  return w;
}

/// The model's names (nodes, tensors, inputs) are quoted in messages: a control character in one
/// made a message two lines (fuzz_onnx, 2026-12-02: a graph input named "\n\b"). Every error of
/// the import leaves on one line.
template <class F>
auto with_one_line_errors(F&& import) {
  try {
    return import();
  } catch (const InputError& e) {
    throw InputError(one_line(e.what()));
  }
}

}  // namespace

nlohmann::json onnx_workload_document(const std::string& bytes, const std::string& path, bool allow_unsupported) {
  return with_one_line_errors([&] { return onnx_workload_document_raw(bytes, path, allow_unsupported); });
}

Workload parse_onnx(const std::string& bytes, const std::string& path, bool allow_unsupported) {
  return with_one_line_errors([&] { return parse_onnx_raw(bytes, path, allow_unsupported); });
}

}  // namespace tpusim::importers
