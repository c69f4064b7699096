#pragma once
/// What the array really executes for a matrix layer once structured N:M weight sparsity and
/// narrow-type packing (several MACs per PE per cycle) are taken into account. Pure C++: the
/// mapper tiles `executed` instead of the layer's dense GEMM, and sizes weight tiles with
/// `weight_bytes_for`. The runner turns it into the executed and effective MAC counts that energy
/// and the reports read (sim/run/runner.cpp).
///
/// Structured N:M sparsity (sim/energy/README.md, "Sparsity"): in every group of m consecutive weights along K,
/// n are nonzero; the weights are stored compressed (n values per group plus ceil(log2 m) bits
/// of index metadata per value, as in NVIDIA Ampere's 2:4 sparse tensor cores). Skipping the
/// zeros saves cycles only where each PE can pick its activation from the group of m by the
/// weight's index while the activations flow past it:
///   - ws: the compressed weights are the stationary operand; a PE row holds ceil(K/m)*n
///         reduction rows instead of K, each PE selects its activation from the m of its group
///         with a 1-of-m mux driven by the stationary index (the group's activations flow along
///         its rows). Fewer row folds.
///   - os: K is streamed in time; weights arrive compressed with their indices, each PE selects
///         the matching activation of the group passing along its row. A shorter stream.
///   - is: the activations are the stationary operand and the streamed weight's index changes
///         every cycle and per column; a PE would have to hold all m activations of its group
///         (m/n times the stationary registers). Not modelled: zeros are gated (energy only).
/// Unstructured density (weight_density, activation_density) never changes `executed`.
#include <cstdint>
#include <string>

#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"

namespace tpusim::mapper {

struct EffectiveGemm {
  GemmShape dense;       ///< the layer's GEMM (M x N x K, count)
  GemmShape executed;    ///< the GEMM the array steps through: K' = ceil(K_kept / p)
  bool skips = false;    ///< N:M zeros are skipped under this dataflow (saves cycles)
  uint32_t k_pack = 1;   ///< K elements per PE per cycle (/array/macs_per_pe_per_cycle)
  uint64_t kept_k = 0;   ///< weight rows stored and executed along K: ceil(K/m)*n when skipping, else K
  /// Weight bytes of all GEMM instances: kept values plus N:M metadata (compressed storage
  /// is used whenever the layer is N:M sparse, whether or not the dataflow skips).
  uint64_t weight_bytes = 0;
  uint64_t metadata_bytes = 0;  ///< the index part of weight_bytes
  /// MAC slots the PEs execute: M * N * kept_k * count (the dense MACs when not skipping).
  uint64_t executed_macs = 0;
  /// MACs with both operands nonzero: dense MACs x weight density x activation density
  /// (operands independent). The rest of executed_macs are gated.
  double effective_macs = 0;
  std::string reason;    ///< one line: why skipping does or does not apply
};

/// The GEMM the array executes for a matrix layer (see the file comment). Layers without
/// sparsity and with macs_per_pe_per_cycle 1 give executed == dense.
EffectiveGemm effective_gemm(const ArchConfig& arch, const Layer& layer);

/// Bytes of a weight tile of `k_steps` executed reduction steps by `cols` columns: the values
/// (k_steps * k_pack kept rows, clipped to kept_k) plus their N:M metadata.
uint64_t weight_bytes_for(const ArchConfig& arch, const Layer& layer, const EffectiveGemm& e, uint64_t k_steps,
                          uint64_t cols);

/// Dense K rows of activations a tile of `k_steps` executed reduction steps needs: the PEs
/// select from whole groups of m, so activations are fetched dense (k_steps * k_pack kept rows
/// span k_steps * k_pack * m / n dense rows, clipped to K).
uint64_t activation_k_for(const EffectiveGemm& e, const Layer& layer, uint64_t k_steps);

/// Index bits per kept weight: ceil(log2 m) (0 when m <= 1).
uint32_t nm_index_bits(uint32_t m);

}  // namespace tpusim::mapper
