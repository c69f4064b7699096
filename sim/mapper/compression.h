#pragma once
/// Run-length coding of activations on the DRAM link (`/dram/activation_compression` `rlc`), as
/// Eyeriss does (Chen et al., JSSC 52(1), 2017, section V.C): the codec between the chip and its
/// off-chip link packs an activation stream into 64-bit words of `pairs` (run, level) pairs, a
/// 5-bit count of zeros followed by one value, plus a termination bit (16-bit values: 3 pairs of
/// 5 + 16 bits, + 1 = 64). Pure C++.
///
/// Bytes. With each value zero independently with probability z = 1 - density, a pair covers the
/// zeros before the next value, at most 31 (then the 32nd element is stored as the level, zero or
/// not), and that value:
///   elements per pair = 1 + E[min(R, 31)] = 1 + sum_{k=1..31} z^k = 1 + z (1 - z^31) / (1 - z)
///   elements per word = pairs x that,   pairs = floor((64 - 1) / (5 + bits of the value))
///   coded bytes = ceil(raw bytes x 64 / (elements per word x bits)).
/// A transfer is sent raw when coding would not make it smaller (dense data: 3 values in 8 bytes
/// instead of 6): assumed, the paper does not say how the first layer's image is sent. Only the
/// activations a matrix layer loads (density: the layer's `activation_density`) and the outputs
/// it stores (its `output_density`) are coded; weights and partial sums are sent raw.
#include <cstdint>

#include "sim/spec/arch_config.h"

namespace tpusim::mapper {

/// Coded bytes over raw bytes of values of `type` at `density` nonzeros (0, 1]; 1 when coding
/// would not save anything. Bytes of types wider than 58 bits cannot be coded (ratio 1).
double rlc_ratio(DataType type, double density);

/// DRAM bytes of a transfer of `raw_bytes` of activations of `type` at `density` under the
/// architecture's `/dram/activation_compression`: raw_bytes unchanged without it.
uint64_t activation_dram_bytes(const ArchConfig& arch, uint64_t raw_bytes, DataType type, double density);

}  // namespace tpusim::mapper
