#pragma once
/// The one place that turns a path into an architecture or a workload, whatever its format.
/// `run`, `describe`, `sweep` and the tests all load through here, so a format accepted by one
/// is accepted by all. The format follows the file's extension, compared case-insensitively
/// (SCALE-Sim files written on other systems say .CFG):
///
///   architecture  .json  tpusim architecture (sim/spec/arch_loader.h, configs/README.md)
///                 .cfg   SCALE-Sim v2 config (sim/importers/scalesim_cfg.h)
///   workload      .json  tpusim workload (sim/spec/workload.h, workloads/README.md)
///                 .csv   SCALE-Sim topology (sim/importers/scalesim_topology.h)
///                 .onnx  ONNX model (sim/importers/onnx/onnx_import.h, sim/importers/onnx/README.md)
///
/// Any other extension is an error naming the allowed ones; a directory or an unreadable path
/// says so (sim/base/file_io.h). A new format is one more row in the table in formats.cpp.
/// (This lives in sim/importers rather than sim/spec because it calls the importers, which
/// depend on the spec.)
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_config.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/workload.h"

namespace tpusim::importers {

/// The architecture file as the JSON document an architecture file holds (a .cfg imported),
/// before `--set` overrides: what sweeps apply their axes to.
nlohmann::json load_arch_document(const std::string& path);

/// Loads an architecture: its document, the overrides applied, parsed strictly.
ArchConfig load_arch(const std::string& path, const std::vector<config::Override>& overrides = {});

/// How workload importers treat what they cannot cost.
struct WorkloadOptions {
  /// ONNX: skip unsupported ops (each listed in the report's /import/nodes) instead of refusing the model.
  bool allow_unsupported = false;
};

/// Loads a workload from any workload format.
Workload load_workload(const std::string& path, const WorkloadOptions& options = {});

/// An ONNX model's workload as the tpusim workload document it lowers to (`tpusim import`).
nlohmann::json load_onnx_document(const std::string& path, const WorkloadOptions& options = {});

}  // namespace tpusim::importers
