#include "sim/importers/formats.h"

#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/base/file_io.h"
#include "sim/importers/scalesim_cfg.h"
#include "sim/importers/scalesim_topology.h"
#include "sim/spec/json_reader.h"

namespace tpusim::importers {

namespace {

using nlohmann::json;

/// One format: its extension (lower case), what it is, and how to read a file's text.
template <class Result>
struct Format {
  const char* extension;
  const char* what;
  Result (*parse)(const std::string& text, const std::string& path);
};

const Format<json> kArchFormats[] = {
    {".json", "tpusim architecture", &config::parse_json_text},
    {".cfg", "SCALE-Sim config", &scalesim_cfg_to_json},
};

Workload parse_workload_json_text(const std::string& text, const std::string& path) {
  return parse_workload(config::parse_json_text(text, path), path);
}

const Format<Workload> kWorkloadFormats[] = {
    {".json", "tpusim workload", &parse_workload_json_text},
    {".csv", "SCALE-Sim topology", &parse_workload_csv},
};

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

/// The format of `path` among `formats`, or InputError listing them. The file's readability is
/// checked first: "is a directory" says more than "unknown format" about a directory.
template <class Result, size_t N>
Result load(const Format<Result> (&formats)[N], const char* kind, const std::string& path) {
  const std::string text = read_file(path);
  const std::string ext = lower_extension(path);
  std::string allowed;
  for (const auto& f : formats) {
    if (ext == f.extension) return f.parse(text, path);
    allowed += fmt::format("{}{} ({})", allowed.empty() ? "" : ", ", f.extension, f.what);
  }
  throw InputError(fmt::format("{}: unknown {} format {}; allowed: {}", path, kind,
                               ext.empty() ? "(no extension)" : "\"" + ext + "\"", allowed));
}

}  // namespace

json load_arch_document(const std::string& path) { return load(kArchFormats, "architecture", path); }

ArchConfig load_arch(const std::string& path, const std::vector<config::Override>& overrides) {
  return config::parse_arch(load_arch_document(path), path, overrides);
}

Workload load_workload(const std::string& path) { return load(kWorkloadFormats, "workload", path); }

}  // namespace tpusim::importers
