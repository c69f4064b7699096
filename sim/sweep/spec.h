#pragma once
/// Sweep specifications: which architecture, which workloads, which config values to vary and
/// how to combine them. Parsed strictly (unknown keys and bad values are InputErrors naming the
/// spec file and the JSON pointer); relative paths resolve against the spec file's directory.
/// The format is documented in sim/sweep/README.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"

namespace tpusim::sweep {

/// How the axes are combined into points.
enum class Combine {
  product,  ///< every combination; the first axis varies slowest
  zip,      ///< the i-th value of every axis together; all axes have the same length
};

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(Combine v) {
  switch (v) {
    case Combine::product: return "product";
    case Combine::zip: return "zip";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// One swept dimension. A plain axis has one path; a linked axis sets several paths together
/// (e.g. /array/rows and /array/cols), each step giving one value per path.
struct Axis {
  std::vector<std::string> paths;            ///< JSON pointers into the architecture config
  std::vector<std::vector<nlohmann::json>> steps;  ///< steps[i][p]: value of paths[p] at step i
  std::string pointer;                       ///< where the axis is in the spec ("/axes/0")
};

/// One side of a constraint comparison after parsing: a sum of products of terms.
struct ExprTerm {
  double factor = 1;                  ///< +1 or -1 from the sign in front of the product
  std::vector<nlohmann::json> atoms;  ///< numbers, strings or {"ptr": "/json/pointer"}
};
using Expr = std::vector<ExprTerm>;

/// A comparison such as "/array/rows * /array/cols <= 16384" (see sim/sweep/README.md, "Constraints").
struct Comparison {
  Expr left, right;
  std::string op;       ///< one of < <= == != >= >
  std::string text;     ///< as written, for messages
  std::string pointer;  ///< where it is in the spec ("/constraints/require/0")
};

/// Points whose effective configuration breaks a constraint are left out of the sweep.
struct Constraints {
  std::optional<uint64_t> max_total_sram_bytes;  ///< sum of every /buffers/*/capacity_bytes
  std::optional<uint64_t> max_pes;               ///< /array/rows * /array/cols
  std::vector<Comparison> require;               ///< each must hold
};

struct SweepSpec {
  std::string file;                          ///< the spec file (for messages)
  std::string name;                          ///< sweep name (free text, no spaces needed)
  std::string description;                   ///< free text
  std::string arch_path;                     ///< resolved architecture file
  /// A model sweep (`model` + `scenario`): the model config; workload_paths then holds the one
  /// scenario file and workload_labels its stem.
  std::string model_path;
  std::vector<std::string> workload_paths;   ///< resolved workload files
  std::vector<std::string> workload_labels;  ///< file stems, unique: the `workload` column
  std::vector<Axis> axes;
  Combine combine = Combine::product;
  Constraints constraints;
  double timeout_s = 0;                      ///< per-point timeout from the spec (0: not given)

  bool is_model() const { return !model_path.empty(); }
  /// The axis columns in order: every path of every axis.
  std::vector<std::string> columns() const;
};

/// Axis paths under this prefix set the scenario of a model sweep (/scenario/batch sets /batch
/// of the scenario file, as `tpusim run --scenario-set /batch=...`); other paths set the chip.
constexpr const char* kScenarioPrefix = "/scenario/";
bool is_scenario_path(const std::string& path);

/// Reads and validates a spec file.
SweepSpec load_sweep_spec(const std::string& path);

/// Validates a spec document; `file` names it in messages and anchors relative paths.
SweepSpec parse_sweep_spec(const nlohmann::json& doc, const std::string& file);

/// Parses one constraint expression; InputError "file: pointer: ..." on bad syntax.
Comparison parse_comparison(const std::string& text, const std::string& file, const std::string& pointer);

}  // namespace tpusim::sweep
