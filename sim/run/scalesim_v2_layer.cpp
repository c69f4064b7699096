#include "sim/run/scalesim_v2_layer.h"

#include <fmt/format.h>

#include "sim/compat/scalesim/scalesim_v2.h"
#include "sim/base/error.h"

namespace tpusim::sim {

namespace {

using arch::timing::ScalesimGemm;

uint64_t mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    throw InternalError(fmt::format("scalesim-v2: 64-bit overflow in {} * {} (the loaders bound layer sizes)", a, b));
  return r;
}

/// The GEMM SCALE-Sim would run for one group/copy of a matrix layer, and how many copies.
struct ScalesimView {
  ScalesimGemm gemm;
  uint64_t copies = 1;
};

ScalesimView view_of(const Layer& layer, std::map<std::string, std::string>& notes) {
  ScalesimView v;
  if (layer.op != OpKind::conv2d) {  // gemm, linear: the lowered GEMM is SCALE-Sim's GEMM form
    v.gemm = arch::timing::scalesim_gemm_of_mnk(layer.gemm.m, layer.gemm.n, layer.gemm.k);
    v.copies = layer.gemm.count;
    notes["scalesim_view"] = fmt::format("GEMM form: M x K ifmap {} x {}, 1 x K filter, N = {} filters", layer.gemm.m,
                                         layer.gemm.k, layer.gemm.n);
    if (v.copies > 1)
      notes["scalesim_copies"] = fmt::format("{} independent GEMMs, run one after another and summed", v.copies);
    return v;
  }
  const ConvParams& c = layer.conv;
  const uint64_t h = c.in_h + 2 * c.pad_h, w = c.in_w + 2 * c.pad_w;
  const uint64_t ext_h = c.dilation_h * (c.kernel_h - 1) + 1, ext_w = c.dilation_w * (c.kernel_w - 1) + 1;
  const uint64_t e = arch::timing::scalesim_output_size(h, ext_h, c.stride_h);
  const uint64_t f = arch::timing::scalesim_output_size(w, ext_w, c.stride_w);
  v.copies = c.groups;
  v.gemm.p = mul(c.batch, mul(e, f));
  v.gemm.k = mul(c.kernel_h * c.kernel_w, c.in_c / c.groups);
  v.gemm.n = c.out_c / c.groups;
  notes["scalesim_view"] = fmt::format("conv: ifmap {}x{}, filter {}x{}, {} channels, {} filters, stride {}x{} -> ofmap {}x{}",
                                       h, w, c.kernel_h, c.kernel_w, c.in_c / c.groups, v.gemm.n, c.stride_h, c.stride_w, e, f);
  if (e != c.out_h() || f != c.out_w())
    notes["scalesim_output_rule"] = fmt::format(
        "SCALE-Sim's ceil((H - R + s) / s) gives {}x{}; the native model computes {}x{} (no windows past the edge)", e, f,
        c.out_h(), c.out_w());
  if (c.pad_h || c.pad_w)
    notes["scalesim_padding"] = fmt::format("padding {}x{} applied by pre-padding the ifmap (SCALE-Sim has no padding)",
                                            c.pad_h, c.pad_w);
  if (c.dilation_h > 1 || c.dilation_w > 1)
    notes["scalesim_dilation"] = "SCALE-Sim has no dilation: the window's extent sets the output size, its taps set K";
  if (c.batch > 1)
    notes["scalesim_batch"] = fmt::format("batch {} folded into P (SCALE-Sim runs batch 1)", c.batch);
  if (v.copies > 1)
    notes["scalesim_copies"] = fmt::format("{} groups run as independent layers and summed, as SCALE-Sim runs DP layers",
                                           v.copies);
  return v;
}

const std::string& buffer_name(const ArchConfig& arch, BufferRole role) {
  const BufferConfig* b = arch.buffer_for(role);
  TPUSIM_ASSERT(b != nullptr, "validated configs have a buffer for inputs, weights and outputs");
  return b->name;
}

}  // namespace

LayerResult scalesim_v2_layer(const ArchConfig& arch, const Layer& layer) {
  LayerResult r;
  r.name = layer.name;
  r.op = layer.op;
  r.gemm = layer.gemm;
  r.notes["timing"] = "scalesim-v2";
  const std::string& ifmap = buffer_name(arch, BufferRole::inputs);
  const std::string& filter = buffer_name(arch, BufferRole::weights);
  const std::string& ofmap = buffer_name(arch, BufferRole::outputs);
  r.sram_reads[ifmap] = 0;
  r.sram_reads[filter] = 0;
  r.sram_writes[ofmap] = 0;
  if (!is_matrix_op(layer.op)) {
    r.notes["not_modelled"] = "scalesim-v2 has no vector unit: this layer costs 0 cycles here";
    r.utilization_override = 0.0;
    r.compute_utilization = 0.0;
    return r;
  }

  const ScalesimView v = view_of(layer, r.notes);
  // SCALE-Sim v2 runs every layer dense on one-MAC PEs: these settings change nothing here.
  if (layer.sparsity.weight_density < 1 || layer.sparsity.activation_density < 1 || layer.sparsity.structured())
    r.notes["scalesim_sparsity"] = "ignored: SCALE-Sim v2 has no sparsity; the layer runs dense";
  if (arch.array.macs_per_pe_per_cycle != 1)
    r.notes["scalesim_macs_per_pe"] = fmt::format(
        "ignored: SCALE-Sim v2 PEs do one MAC per cycle (macs_per_pe_per_cycle is {})", arch.array.macs_per_pe_per_cycle);
  const auto s = arch::timing::scalesim_v2_calc(arch.array.rows, arch.array.cols, arch.array.dataflow, v.gemm);
  // Copies are identical layers run back to back: counts add up (each copy keeps its own -1)
  // and the utilisations, means over identical folds, stay those of one copy.
  r.cycles = mul(s.total_cycles, v.copies);
  r.stall_cycles = 0;
  r.compute_cycles = r.cycles;  // CALC mode: every cycle is array activity (load, fill, stream, drain)
  r.macs = mul(s.macs, v.copies);
  r.folds = mul(s.folds(), v.copies);
  // SCALE-Sim's phases as classes: the weight load is weight_shift; fill, streaming and drain are
  // array activity, useful for the whole-array cycles its MACs amount to, unused otherwise.
  const auto& sb = s.breakdown;
  r.breakdown[CycleClass::weight_shift] = mul(sb[CycleCategory::weight_load], v.copies);
  const uint64_t active = mul(sb[CycleCategory::fill] + sb[CycleCategory::compute] + sb[CycleCategory::drain], v.copies);
  const uint64_t useful = std::min(active, r.macs / (uint64_t{arch.array.rows} * arch.array.cols));
  r.breakdown[CycleClass::useful_mac] = useful;
  r.breakdown[CycleClass::unused_mac] = active - useful;
  r.utilization_override = arch::timing::ratio_from_pct(s.overall_util_pct);
  r.mapping_efficiency = arch::timing::ratio_from_pct(s.mapping_efficiency_pct);
  r.compute_utilization = arch::timing::ratio_from_pct(s.compute_util_pct);
  // SCALE-Sim's percentages themselves are kept: not every percentage is ratio * 100 of some
  // double ratio, and COMPUTE_REPORT.csv must print SCALE-Sim's digits.
  r.scalesim = ScalesimMapping{v.gemm, s, v.copies};
  r.sram_reads[ifmap] = mul(s.sram_ifmap_reads, v.copies);
  r.sram_reads[filter] = mul(s.sram_filter_reads, v.copies);
  r.sram_writes[ofmap] = mul(s.sram_ofmap_writes, v.copies);
  r.notes["dram"] = "not modelled: SCALE-Sim's CALC-mode DRAM counts are not reproduced";
  TPUSIM_ASSERT(r.breakdown.total() == r.cycles, "scalesim-v2 breakdown must sum to the layer's cycles");
  return r;
}

}  // namespace tpusim::sim
