#pragma once
/// The checks of a whole architecture config beyond each key's own range (arch_validate.cpp).
#include "sim/spec/arch_config.h"
#include "sim/spec/json_reader.h"

namespace tpusim::config {

/// Refuses an architecture whose keys are each valid but do not fit together: InputError naming
/// the file and the pointer of the key to change.
void validate_arch(const ObjectReader& r, ArchConfig& a);

}  // namespace tpusim::config
