#pragma once
/// Derived figures of an architecture: peak compute, bandwidth, ridge point, capacities.
#include <ostream>

#include <nlohmann/json.hpp>

#include "sim/spec/arch_config.h"

namespace tpusim::cli {

nlohmann::json describe_arch(const ArchConfig& arch);
void print_description(std::ostream& out, const ArchConfig& arch, const nlohmann::json& d);

}  // namespace tpusim::cli
