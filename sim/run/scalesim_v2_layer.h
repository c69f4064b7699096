#pragma once
/// The scalesim-v2 timing mode: fills a LayerResult with SCALE-Sim v2's CALC-mode numbers
/// (sim/compat/scalesim/scalesim_v2.h) instead of running the SystemC model. It lives here, beside the
/// runner, because LayerResult belongs to sim/ and arch/ must not depend on sim/.
#include "sim/spec/arch_config.h"
#include "sim/spec/workload.h"
#include "sim/run/layer_result.h"

namespace tpusim::sim {

/// SCALE-Sim v2's per-layer result for `layer` on `arch`'s array (rows, cols, dataflow).
///
/// Fills cycles (SCALE-Sim's total, with its -1), stall_cycles (0), compute_cycles (= cycles),
/// utilization_override (Overall Util), mapping_efficiency, compute_utilization (ratios 0..1;
/// the exact percentages are kept in `scalesim`, with SCALE-Sim's GEMM and folds), macs (P*K*N
/// as SCALE-Sim counts them, null-padded edge outputs included), folds, sram_reads of the
/// buffers holding inputs and weights and sram_writes of the buffer holding outputs (words), a
/// breakdown that sums to cycles, and `notes` saying how the layer was mapped.
///
/// Layers SCALE-Sim cannot express are mapped the way it would run them, and say so in
/// `notes`:
///  - conv2d padding: the ifmap is taken as pre-padded (H + 2*pad); dilation: the window's
///    extent sets the output size, its R*S taps the reduction (SCALE-Sim has no dilation);
///  - batch > 1: the batch is folded into the ofmap-pixel dimension P (one GEMM of batch*E*F
///    rows, as a SCALE-Sim GEMM-form row M = batch*E*F would run);
///  - groups > 1 (and gemm `count` > 1): that many independent layers, summed, each with its
///    own -1, as SCALE-Sim runs the per-channel layers of a `DP` row;
///  - gemm / linear: SCALE-Sim's GEMM form (M x K ifmap, 1 x K filter, N filters);
///  - vector ops (pooling, activations, softmax, ...): SCALE-Sim has no vector unit; 0 cycles,
///    marked notes["not_modelled"], never dropped.
/// Layer sparsity and /array/macs_per_pe_per_cycle do not exist in SCALE-Sim v2: the layer runs
/// dense on one-MAC PEs, and `notes` say the setting was ignored.
/// DRAM traffic is not reproduced (dram_*_bytes stay 0; notes["dram"] says so).
LayerResult scalesim_v2_layer(const ArchConfig& arch, const Layer& layer);

/// Keys of the report's `mapping` holding SCALE-Sim's percentages exactly, as COMPUTE_REPORT.csv
/// prints them; the ratio fields are the same values divided by 100.
inline constexpr const char* kScalesimOverallUtilPct = "scalesim_overall_util_pct";
inline constexpr const char* kScalesimMappingEfficiencyPct = "scalesim_mapping_efficiency_pct";
inline constexpr const char* kScalesimComputeUtilPct = "scalesim_compute_util_pct";

}  // namespace tpusim::sim
