#pragma once
/// Evaluating a sweep's constraints on a point's effective configuration.
#include <string>

#include <nlohmann/json.hpp>

#include "sim/sweep/spec.h"

namespace tpusim::sweep {

/// Why a point is left out ("max_pes: 65536 > 16384"), or "" when every constraint holds.
/// `effective` is the point's effective configuration (config::to_json). InputError (naming
/// `spec_file` and the constraint's pointer) when an expression reads a missing key or mixes
/// strings and numbers.
std::string check_constraints(const Constraints& c, const nlohmann::json& effective, const std::string& spec_file);

/// Sum of /buffers/*/capacity_bytes of an effective configuration.
uint64_t total_sram_bytes(const nlohmann::json& effective);

}  // namespace tpusim::sweep
