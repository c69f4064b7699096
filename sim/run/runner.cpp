#include "sim/run/runner.h"

#include <fmt/format.h>
#include <systemc>

#include "arch/chip/top.h"
#include "arch/simulate.h"
#include "sim/base/error.h"
#include "sim/spec/json_reader.h"
#include "sim/mapper/program.h"
#include "arch/matrix/matrix_unit.h"
#include "arch/matrix/cycle_model/pe_array.h"
#include "sim/mapper/workload_program.h"
#include "sim/run/chip_costs.h"
#include "sim/run/scalesim_v2_layer.h"

namespace tpusim {

namespace {

/// What the register-level model cannot do, as input errors.
void check_cycle_model(const ArchConfig& arch) {
  const arch::timing::PeDataTypes types{arch.datatypes.input, arch.datatypes.weight, arch.datatypes.accumulator, false};
  const std::string why = arch::timing::unsupported_types_reason(types);
  if (!why.empty()) config::fail_at(arch.file, "/datatypes", why + "; use /array/model \"analytic\"");
  if (arch.array.macs_per_pe_per_cycle != 1)
    config::fail_at(arch.file, "/array/macs_per_pe_per_cycle",
                    fmt::format("the cycle model does one MAC per PE per cycle, got {}; use 1 or /array/model "
                                "\"analytic\"", arch.array.macs_per_pe_per_cycle));
  if (arch.array.cols > 0xFFFF)
    config::fail_at(arch.file, "/array/cols", fmt::format("the cycle model steps at most 65535 columns, got {}",
                                                          arch.array.cols));
}

/// Estimates the PE-cycles the cycle model would step (every matrix layer's folds back to back
/// with operands ready, by the closed form it equals) and refuses runs above the limit.
void check_cycle_budget(const mapper::MappedWorkload& mapped) {
  const ArchConfig& arch = mapped.arch();
  const uint64_t limit = arch.array.max_pe_cycles, pes = uint64_t{arch.array.rows} * arch.array.cols;
  double pe_cycles = 0;
  for (size_t i = 0; i < mapped.size() && pe_cycles <= static_cast<double>(limit); ++i) {
    if (!mapped.layer(i).is_matrix() && !mapped.layer(i).is_attention()) continue;  // (its matmuls count)
    mapper::LayerProgram program(arch, mapped.layer(i));
    arch::timing::FoldSequencer seq(arch.array);
    arch::Instr instr;
    // Stops as soon as the limit is passed: a huge layer has millions of folds.
    while (program.next(instr) &&
           pe_cycles + static_cast<double>(seq.mark()) * static_cast<double>(pes) <= static_cast<double>(limit))
      if (instr.kind == arch::InstrKind::matmul) seq.schedule(instr.fold, 0);
    pe_cycles += static_cast<double>(seq.finish(0).array_free_cycle) * static_cast<double>(pes);
  }
  if (pe_cycles > static_cast<double>(limit))
    config::fail_at(arch.file, "/array/max_pe_cycles",
                    fmt::format("the cycle model would step at least {:.3g} PE-cycles ({} PEs), above the limit "
                                "{}; use /array/model \"analytic\" (equal cycle counts) or raise "
                                "/array/max_pe_cycles (0 = no limit)",
                                pe_cycles, pes, limit));
}

bool cycle_model(const ArchConfig& arch) {
  return arch.timing == TimingMode::native && arch.array.model == ArrayModel::cycle;
}

/// What can be judged before mapping: the options this timing mode supports.
void check_options(const ArchConfig& arch, const RunOptions& options) {
  const bool cycle = cycle_model(arch);
  if (!options.vcd_path.empty() && !cycle)
    throw InputError("--vcd: the waveform comes from the cycle model; add --set /array/model=cycle");
  if (!options.vcd_path.empty() && (arch.array.rows > 16 || arch.array.cols > 16))
    throw InputError(fmt::format("--vcd: the waveform is for arrays up to 16x16, got {}x{}", arch.array.rows,
                                 arch.array.cols));
  if (cycle) check_cycle_model(arch);
}

/// MAC counts under sparsity, in the units of the layer's counted MACs: the counters are the
/// layer's, the shares those of its mapped GEMM (sim/mapper/sparsity.h).
void set_mac_counts(LayerResult& r, const mapper::MappedLayer& m) {
  r.executed_macs = r.effective_macs = static_cast<double>(r.macs);
  if (m.is_matrix() && r.macs > 0) {
    const double dense = static_cast<double>(m.effective.dense.macs());
    r.executed_macs = static_cast<double>(r.macs) * static_cast<double>(m.effective.executed_macs) / dense;
    r.effective_macs = static_cast<double>(r.macs) * m.effective.effective_macs / dense;
  }
}

}  // namespace

mapper::MappedWorkload prepare_run(const ArchConfig& arch, const Workload& workload, const RunOptions& options) {
  check_options(arch, options);
  mapper::MappedWorkload mapped(arch, workload);
  if (cycle_model(arch) && arch.array.max_pe_cycles > 0) check_cycle_budget(mapped);
  return mapped;
}

namespace {

/// SCALE-Sim v2 compatibility: closed-form per-layer numbers, no SystemC model.
RunResult run_scalesim(const mapper::MappedWorkload& mapped) {
  RunResult run;
  uint64_t at = 0;  // layers run one after another
  for (const auto& m : mapped.layers()) {
    LayerResult r = sim::scalesim_v2_layer(mapped.arch(), *m.layer);
    set_mac_counts(r, m);
    r.start_cycle = at;
    r.end_cycle = at += r.cycles;
    run.layers.push_back(std::move(r));
  }
  return run;
}

/// Indices of the registry's counters a layer's result is made of, picked once.
struct CounterIndex {
  size_t folds = 0, macs = 0, dram_read = 0, dram_write = 0;
  std::vector<size_t> sram_read, sram_write;  ///< by buffer index
  CounterIndex(const stats::Registry& reg, const ArchConfig& arch)
      : folds(reg.index("top.array.folds")), macs(reg.index("top.array.macs")),
        dram_read(reg.index("top.dram.read_bytes")), dram_write(reg.index("top.dram.write_bytes")) {
    for (const auto& b : arch.buffers) {
      sram_read.push_back(reg.index("top." + b.name + ".read_bytes"));
      sram_write.push_back(reg.index("top." + b.name + ".write_bytes"));
    }
  }
};

LayerResult native_layer_result(const mapper::MappedLayer& m, const arch::LayerTiming& t, const stats::Registry& reg,
                                const CounterIndex& ix, const ArchConfig& arch) {
  const Layer& layer = *m.layer;
  const std::vector<uint64_t>& c = t.counters.values;
  LayerResult r;
  r.name = layer.name;
  r.op = layer.op;
  r.cycles = t.end_cycle - t.start_cycle;
  r.start_cycle = t.start_cycle;
  r.end_cycle = t.end_cycle;
  r.breakdown = t.breakdown;
  const auto& b = t.breakdown;
  r.stall_cycles = b.stalls();
  r.compute_cycles = b[CycleClass::useful_mac] + b[CycleClass::unused_mac] + b[CycleClass::weight_shift] +
                     b[CycleClass::non_matrix];
  r.macs = c[ix.macs];
  r.folds = c[ix.folds];
  r.dram_read_bytes = c[ix.dram_read];
  r.dram_write_bytes = c[ix.dram_write];
  for (size_t k = 0; k < arch.buffers.size(); ++k) {
    r.sram_reads[arch.buffers[k].name] = c[ix.sram_read[k]];
    r.sram_writes[arch.buffers[k].name] = c[ix.sram_write[k]];
  }
  for (size_t k = 0; k < reg.size(); ++k) r.counters.emplace_back(reg.infos()[k].name, c[k]);
  if (m.is_matrix()) {
    r.gemm = layer.gemm;
    r.mapping_efficiency = m.gemm.mapping_efficiency(arch);
    // The array stepped through the executed GEMM (shorter K with N:M skipping or packing);
    // the layer's MACs stay the dense count.
    TPUSIM_ASSERT(c[ix.macs] == m.gemm.gemm.macs(), "executed MAC slots differ from the mapped GEMM's");
    r.macs = layer.gemm.macs();
  } else {
    r.vector_ops = layer.vector.ops;
  }
  set_mac_counts(r, m);
  return r;
}

}  // namespace

RunResult run_workload(const mapper::MappedWorkload& mapped, const RunOptions& options) {
  const ArchConfig& arch = mapped.arch();
  if (!mapped.planned()) return run_scalesim(mapped);
  mapper::WorkloadProgram program(mapped);
  arch::Top top("top", arch, program, options.trace, options.fast_forward);
  auto* matrix = dynamic_cast<arch::MatrixUnit*>(sc_core::sc_find_object("top.array"));
  TPUSIM_ASSERT(matrix != nullptr, "no matrix unit at top.array");
  if (!options.vcd_path.empty()) matrix->enable_vcd(options.vcd_path);
  arch::simulate();
  const auto& ctrl = top.controller();
  if (!ctrl.finished() || ctrl.layers().size() != mapped.size())
    throw InternalError(fmt::format("internal error: simulation ended with work outstanding ({} of {} layers done)",
                                    ctrl.layers().size(), mapped.size()));
  if (!options.vcd_path.empty()) matrix->write_vcd();
  const stats::Registry& reg = top.stats();
  const CounterIndex ix(reg, arch);
  RunResult run;
  run.skipped_blocks = ctrl.skipped_blocks();
  run.counters = reg.infos();
  run.total_counters = reg.snapshot().values;
  for (size_t i = 0; i < mapped.size(); ++i)
    run.layers.push_back(native_layer_result(mapped.layer(i), ctrl.layers()[i], reg, ix, arch));
  if (mapped.graph()) {
    run.makespan_cycles = ctrl.makespan_cycles();
    CycleAccount total;  // the matrix unit's cumulative class counters
    for (size_t k = 0; k < kCycleClassCount; ++k)
      total.cycles[k] = reg.snapshot().values[reg.index("top.array." + std::string(to_string(static_cast<CycleClass>(k))) +
                                                        "_cycles")];
    TPUSIM_ASSERT(total.total() == *run.makespan_cycles, "the matrix unit's classes do not sum to the run");
    run.total_breakdown = total;
  }
  apply_chip_costs(mapped, run);
  return run;
}

RunResult run_workload(const ArchConfig& arch, const Workload& workload, const RunOptions& options) {
  return run_workload(prepare_run(arch, workload, options), options);
}

}  // namespace tpusim
