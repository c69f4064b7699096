#pragma once
#include <cstdint>

namespace tpusim {

/// ceil(a / b) for b > 0.
constexpr uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

}  // namespace tpusim
