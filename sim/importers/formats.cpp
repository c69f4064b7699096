#include "sim/importers/formats.h"

#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/importers/onnx/onnx_import.h"
#include "sim/importers/scalesim_cfg.h"
#include "sim/importers/scalesim_topology.h"
#include "sim/spec/json_reader.h"

namespace tpusim::importers {

namespace {

using nlohmann::json;

/// One format: its extension (lower case), what it is, and how to read a file's text.
template <class Result, class Options>
struct Format {
  const char* extension;
  const char* what;
  Result (*parse)(const std::string& text, const std::string& path, const Options& options);
};

struct NoOptions {};

json parse_arch_json_text(const std::string& text, const std::string& path, const NoOptions&) {
  return config::parse_json_text(text, path);
}
json parse_arch_cfg(const std::string& text, const std::string& path, const NoOptions&) {
  return scalesim_cfg_to_json(text, path);
}

const Format<json, NoOptions> kArchFormats[] = {
    {".json", "tpusim architecture", &parse_arch_json_text},
    {".cfg", "SCALE-Sim config", &parse_arch_cfg},
};

Workload parse_workload_json_text(const std::string& text, const std::string& path, const WorkloadOptions&) {
  return parse_workload(config::parse_json_text(text, path), path);
}
Workload parse_workload_csv_text(const std::string& text, const std::string& path, const WorkloadOptions&) {
  return parse_workload_csv(text, path);
}
Workload parse_workload_onnx(const std::string& bytes, const std::string& path, const WorkloadOptions& options) {
  return parse_onnx(bytes, path, options.allow_unsupported);
}

const Format<Workload, WorkloadOptions> kWorkloadFormats[] = {
    {".json", "tpusim workload", &parse_workload_json_text},
    {".csv", "SCALE-Sim topology", &parse_workload_csv_text},
    {".onnx", "ONNX model", &parse_workload_onnx},
};

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

/// The format of `path` among `formats`, or InputError listing them. The file's readability is
/// checked first: "is a directory" says more than "unknown format" about a directory.
template <class Result, class Options, size_t N>
Result load(const Format<Result, Options> (&formats)[N], const char* kind, const std::string& path,
            const Options& options) {
  const std::string ext = lower_extension(path);
  const std::string text = read_file(path, ext == ".onnx" ? kDefaultMaxModelBytes : kDefaultMaxInputBytes);
  std::string allowed;
  for (const auto& f : formats) {
    if (ext == f.extension) return f.parse(text, path, options);
    allowed += fmt::format("{}{} ({})", allowed.empty() ? "" : ", ", f.extension, f.what);
  }
  throw InputError(fmt::format("{}: unknown {} format {}; allowed: {}", path, kind,
                               ext.empty() ? "(no extension)" : "\"" + ext + "\"", allowed));
}

}  // namespace

json load_arch_document(const std::string& path) { return load(kArchFormats, "architecture", path, NoOptions{}); }

ArchConfig load_arch(const std::string& path, const std::vector<config::Override>& overrides) {
  return config::parse_arch(load_arch_document(path), path, overrides);
}

Workload load_workload(const std::string& path, const WorkloadOptions& options) {
  return load(kWorkloadFormats, "workload", path, options);
}

json load_onnx_document(const std::string& path, const WorkloadOptions& options) {
  const std::string bytes = read_file(path, kDefaultMaxModelBytes);
  if (lower_extension(path) != ".onnx")
    throw InputError(fmt::format("{}: tpusim import reads ONNX models (.onnx), got \"{}\"", path, lower_extension(path)));
  return onnx_workload_document(bytes, path, options.allow_unsupported);
}

}  // namespace tpusim::importers
