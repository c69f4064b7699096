#pragma once
/// What a finished `tpusim run` child left behind, read the same way by sweeps and `choose`.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace tpusim::sweep {

/// The child's last non-empty stderr line without the "tpusim: " prefix ("" when none).
std::string last_error_line(const std::string& stderr_path);

/// The JSON file at p, or nullopt when it is missing or not valid JSON (a child killed mid-write
/// leaves none: reports are written atomically).
std::optional<nlohmann::json> read_json_if_valid(const std::filesystem::path& p);

}  // namespace tpusim::sweep
