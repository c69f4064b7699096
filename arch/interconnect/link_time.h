#pragma once
/// Exact time on links: picoseconds as 64-bit integers, byte shares as fractions of a buffer.
/// Both the closed forms and the congestion-aware timeline use chunk_ps(), so they round the same
/// way and can be compared for equality (README.md "Time and rounding").
#include <cstdint>
#include <numeric>

namespace tpusim::arch::interconnect {

/// Time in picoseconds. Converted to seconds or core-clock cycles only by callers.
using TimePs = uint64_t;
constexpr TimePs kPsPerSecond = 1'000'000'000'000ULL;

constexpr double to_seconds(TimePs t) { return static_cast<double>(t) * 1e-12; }

/// A share of a buffer: bytes * mul / den bytes, kept as a fraction (S/p, S/(2p), S(p-k)/p, S/2^k)
/// so that no byte is rounded before the time is.
struct Bytes {
  uint64_t bytes = 0;  ///< the buffer (at most 2^50)
  uint64_t mul = 1;    ///< at most 2^20
  uint64_t den = 1;    ///< at most 2^21
  double value() const { return static_cast<double>(bytes) * static_cast<double>(mul) / static_cast<double>(den); }
  bool empty() const { return bytes == 0 || mul == 0; }
};

/// d * mul / den, the fraction reduced.
inline Bytes share(const Bytes& d, uint64_t mul, uint64_t den) {
  Bytes b{d.bytes, d.mul * mul, d.den * den};
  const uint64_t g = std::gcd(b.mul, b.den);
  if (g > 1) {
    b.mul /= g;
    b.den /= g;
  }
  return b;
}

/// Time to serialize one of `chunks` equal chunks of `b` onto a link of `bandwidth_bytes_per_s`,
/// rounded up to a whole picosecond: ceil(b * 1e12 / (chunks * bandwidth)).
inline TimePs chunk_ps(const Bytes& b, uint64_t bandwidth_bytes_per_s, uint32_t chunks) {
  using u128 = unsigned __int128;
  const u128 num = static_cast<u128>(b.bytes) * b.mul * kPsPerSecond;
  const u128 den = static_cast<u128>(b.den) * chunks * bandwidth_bytes_per_s;
  return static_cast<TimePs>((num + den - 1) / den);
}

/// Time for the whole of `b` in `chunks` back-to-back chunks: chunks * chunk_ps.
inline TimePs serialization_ps(const Bytes& b, uint64_t bandwidth_bytes_per_s, uint32_t chunks) {
  return static_cast<TimePs>(chunks) * chunk_ps(b, bandwidth_bytes_per_s, chunks);
}

}  // namespace tpusim::arch::interconnect
