#include "sim/run/runner.h"

#include <fmt/format.h>
#include <systemc>

#include "arch/top.h"
#include "sim/base/error.h"
#include "sim/config/json_reader.h"
#include "sim/mapper/plan.h"
#include "sim/mapper/workload_program.h"
#include "sim/report/timeline.h"
#include "sim/run/scalesim_v2_layer.h"

namespace tpusim {

namespace {

std::map<std::string, std::string> describe_plan(const mapper::GemmPlan& p) {
  return {{"tile_rows", std::to_string(p.tile_rows)},
          {"tile_cols", std::to_string(p.tile_cols)},
          {"tile_stream", std::to_string(p.tile_t)},
          {"folds", fmt::format("{} groups x {} row x {} col x {} stream", p.gemm.count, p.row_folds, p.col_folds,
                                p.t_chunks)},
          {"loop_order", mapper::to_string(p.order)},
          {"inputs_kept", p.keep_a ? "yes" : "no"},
          {"weights_kept", p.keep_b ? "yes" : "no"},
          {"partial_sums", p.spill_partials ? "spilled to DRAM" : "on chip"},
          {"est_dram_bytes", std::to_string(p.est_dram_read_bytes + p.est_dram_write_bytes)}};
}

}  // namespace

void validate_run(const ArchConfig& arch, const Workload& workload) {
  if (arch.timing == TimingMode::scalesim_v2) return;  // SCALE-Sim has no buffer-fit limits
  if (arch.array.model == ArrayModel::cycle)
    config::fail_at(arch.file, "/array/model", "\"cycle\" is not available in this build yet; use \"analytic\"");
  const auto contexts = mapper::plan_residency(arch, workload);
  for (size_t i = 0; i < workload.layers.size(); ++i) {
    const Layer& layer = workload.layers[i];
    if (is_matrix_op(layer.op)) (void)mapper::plan_gemm(arch, layer, contexts[i]);
    else (void)mapper::plan_vector(arch, layer, contexts[i]);
  }
}

namespace {

/// SCALE-Sim v2 compatibility: closed-form per-layer numbers, no SystemC model.
RunResult run_scalesim(const ArchConfig& arch, const Workload& workload) {
  RunResult run;
  for (const auto& layer : workload.layers) run.layers.push_back(sim::scalesim_v2_layer(arch, layer));
  return run;
}

}  // namespace

RunResult run_workload(const ArchConfig& arch, const Workload& workload, const RunOptions& options) {
  validate_run(arch, workload);
  if (arch.timing == TimingMode::scalesim_v2) return run_scalesim(arch, workload);
  const auto contexts = mapper::plan_residency(arch, workload);
  mapper::WorkloadProgram program(arch, workload, contexts);
  std::unique_ptr<report::ChromeTrace> trace;
  if (!options.timeline_path.empty()) {
    std::vector<std::string> names;
    for (const auto& l : workload.layers) names.push_back(l.name);
    trace = std::make_unique<report::ChromeTrace>(options.timeline_path, arch.clock_mhz, std::move(names));
  }
  arch::Top top("top", arch, program, trace.get());
  sc_core::sc_start();
  const auto& ctrl = top.controller();
  if (!ctrl.finished() || ctrl.layers().size() != workload.layers.size())
    throw InternalError(fmt::format("internal error: simulation ended with work outstanding ({} of {} layers done)",
                                    ctrl.layers().size(), workload.layers.size()));
  RunResult run;
  for (size_t i = 0; i < workload.layers.size(); ++i) {
    const Layer& layer = workload.layers[i];
    const arch::LayerTiming& t = ctrl.layers()[i];
    LayerResult r;
    r.name = layer.name;
    r.op = layer.op;
    r.cycles = t.end_cycle - t.start_cycle;
    r.breakdown = t.breakdown;
    const auto& b = t.breakdown;
    r.stall_cycles = b[CycleCategory::weight_stall] + b[CycleCategory::input_stall] + b[CycleCategory::output_stall];
    r.compute_cycles = b[CycleCategory::compute] + b[CycleCategory::fill] + b[CycleCategory::drain] +
                       b[CycleCategory::weight_load] + b[CycleCategory::vector];
    r.macs = t.macs;
    r.folds = t.folds;
    r.dram_read_bytes = t.dram_read_bytes;
    r.dram_write_bytes = t.dram_write_bytes;
    for (size_t k = 0; k < arch.buffers.size(); ++k) {
      r.sram_reads[arch.buffers[k].name] = t.sram_read_bytes[k];
      r.sram_writes[arch.buffers[k].name] = t.sram_write_bytes[k];
    }
    if (is_matrix_op(layer.op)) {
      r.gemm = layer.gemm;
      const auto plan = mapper::plan_gemm(arch, layer, contexts[i]);
      r.mapping_efficiency = plan.mapping_efficiency(arch);
      r.mapping = describe_plan(plan);
      // The array stepped through the executed GEMM (shorter K with N:M skipping or packing);
      // the layer's MACs stay the dense count.
      TPUSIM_ASSERT(t.macs == plan.gemm.macs(), "executed MAC slots differ from the mapped GEMM's");
      r.macs = layer.gemm.macs();
    } else {
      r.vector_ops = layer.vector.ops;
    }
    run.layers.push_back(std::move(r));
  }
  if (trace) trace->close();
  return run;
}

}  // namespace tpusim
