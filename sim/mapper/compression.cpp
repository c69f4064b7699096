#include "sim/mapper/compression.h"

#include <cmath>

namespace tpusim::mapper {

namespace {
constexpr uint32_t kWordBits = 64, kRunBits = 5, kMaxRun = (1u << kRunBits) - 1;
}  // namespace

double rlc_ratio(DataType type, double density) {
  const uint32_t bits = bits_of(type);
  const uint32_t pairs = (kWordBits - 1) / (kRunBits + bits);
  if (pairs == 0) return 1.0;
  const double z = 1.0 - density;
  double zeros = 0, zk = 1;  // E[min(R, 31)] = sum_{k=1..31} z^k
  for (uint32_t k = 1; k <= kMaxRun; ++k) zeros += (zk *= z);
  const double per_word = pairs * (1.0 + zeros);
  const double ratio = kWordBits / (per_word * bits);
  return ratio < 1.0 ? ratio : 1.0;
}

uint64_t activation_dram_bytes(const ArchConfig& arch, uint64_t raw_bytes, DataType type, double density) {
  if (arch.dram.activation_compression != ActivationCompression::rlc || raw_bytes == 0) return raw_bytes;
  const double ratio = rlc_ratio(type, density);
  if (ratio >= 1.0) return raw_bytes;
  return static_cast<uint64_t>(std::ceil(static_cast<double>(raw_bytes) * ratio));
}

}  // namespace tpusim::mapper
