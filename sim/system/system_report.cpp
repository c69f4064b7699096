#include "sim/system/system_report.h"

#include <fmt/format.h>

#include "sim/spec/arch_loader.h"

namespace tpusim::system {

namespace ic = arch::interconnect;

std::unique_ptr<ChipRun> run_chip(const config::SystemSpec& spec, const Workload& workload, const RunOptions& options) {
  config::require_chip_file(spec);
  auto c = std::make_unique<ChipRun>();
  c->arch = config::load_arch_json(spec.chip_path);
  c->workload = workload;
  c->energy = load_energy_table(resolve_energy_table(c->arch.energy_table, c->arch.file));
  c->energy.check_covers(c->arch);
  c->mapped = std::make_unique<mapper::MappedWorkload>(prepare_run(c->arch, c->workload, options));
  c->run = run_workload(*c->mapped, options);
  c->report = report::make_report(*c->mapped, c->energy, c->run);
  return c;
}

SystemRun run_system(const config::SystemSpec& spec, const ChipGraph& graph, const RunOptions& options,
                     uint32_t repeat, const SystemOptions& sys) {
  SystemRun r;
  r.repeat = repeat;
  r.model_macs = sys.model_macs;
  r.spec = spec;
  r.workload_name = graph.compute.name;
  const ic::Topology topo(spec);
  // Every collective is checked against the system before anything is simulated.
  for (const SystemNode& n : graph.nodes)
    if (n.collective) (void)to_request(topo, n);
  std::vector<ComputeSpan> spans;
  if (!graph.compute.layers.empty()) {
    config::require_chip_file(spec);
    r.memory = chip_footprint(graph, config::load_arch_json(spec.chip_path), repeat, sys.parallelism);
    if (!sys.allow_memory_overflow) check_fits(*r.memory, spec.chip_path);
    r.chip = run_chip(spec, graph.compute, options);
    spans = compute_spans(r.chip->run, r.chip->arch.clock_mhz);
  }
  ic::LinkState links(topo);
  if (repeat == 1) {
    r.timeline = schedule_chip(topo, links, graph, spans);
  } else {
    const Program prog = repeat_program(graph, spans, repeat);
    r.timeline = schedule_chip(topo, links, prog.graph, prog.spans);
  }
  finish_axes(topo, spec, r.timeline);
  return r;
}

TimePs send_recv_ps(const config::SystemSpec& spec, uint64_t bytes, const std::vector<std::string>& axes) {
  const ic::Topology topo(spec);
  ic::CollectiveRequest req;
  req.op = ic::Collective::send_recv;
  req.algorithm = ic::Algorithm::direct;
  req.bytes = bytes;
  req.axes = axes;
  return ic::closed_form(topo, req).time_ps;
}

StageTiming pipeline_timing(const config::SystemSpec& spec, const SystemRun& run, const ChipGraph& graph,
                            const partition::Parallelism& par) {
  StageTiming t;
  t.stage_ps = run.timeline.step_ps;
  t.stages = par.pp.degree;
  t.microbatches = par.microbatches;
  t.schedule = par.schedule;
  // The tensor handed to the next stage: the output node's compute op's output.
  size_t n = graph.output_node();
  while (n != Layer::kGraphInput && graph.nodes[n].collective) n = graph.nodes[n].inputs[0];
  if (n != Layer::kGraphInput) {
    const Layer& l = graph.compute.layers[*graph.nodes[n].compute];
    t.send_bytes = (is_matrix_op(l.op) ? l.gemm.m * l.gemm.n * l.gemm.count : l.vector.elements_out) * par.element_bytes;
  }
  t.p2p_ps = t.send_bytes > 0 && t.stages > 1 ? send_recv_ps(spec, t.send_bytes, par.pp.axes) : 0;
  t.step = partition::pipeline_step(t.stage_ps, 0, t.p2p_ps, t.stages, t.microbatches, t.schedule);
  return t;
}

nlohmann::json pipeline_json(const StageTiming& t) {
  return {{"stages", t.stages}, {"microbatches", t.microbatches}, {"schedule", tpusim::to_string(t.schedule)},
          {"stage_ps", t.stage_ps}, {"send_bytes", t.send_bytes}, {"p2p_ps", t.p2p_ps}, {"step_ps", t.step.step_ps},
          {"bubble_fraction", t.step.bubble_fraction}, {"microbatches_in_flight", t.step.microbatches_in_flight}};
}

namespace {
double us(TimePs t) { return static_cast<double>(t) * 1e-6; }
}  // namespace

SystemEnergy system_energy(const SystemRun& run) {
  SystemEnergy e;
  const ChipTimeline& t = run.timeline;
  const double chips = static_cast<double>(run.spec.chips);
  e.step_s = static_cast<double>(t.step_ps) * 1e-12;
  double links_pj = 0;
  for (const AxisUse& a : t.axes) links_pj += a.energy_pj;
  if (run.chip) {
    const report::TotalFigures& tot = run.chip->report.totals;
    e.per_chip = metrics::split_energy(tot.energy_breakdown_pj).scaled(static_cast<double>(run.repeat));
    const auto st = tot.energy_breakdown_pj.find("static");
    e.chip_static_power_w = st != tot.energy_breakdown_pj.end() && tot.seconds > 0 ? st->second * 1e-12 / tot.seconds : 0;
    // While communication is exposed the chip waits: it leaks, and computes nothing.
    e.per_chip.static_pj += e.chip_static_power_w * static_cast<double>(t.exposed_ps);  // W x ps = pJ
  }
  e.per_chip.interconnect_pj = links_pj / chips;
  e.system = e.per_chip.scaled(chips);
  e.system.interconnect_pj = links_pj;
  e.average_power_w = e.step_s > 0 ? e.system.total_pj() * 1e-12 / e.step_s : 0;
  return e;
}

std::optional<SystemUtilization> system_utilization(const SystemRun& run) {
  if (!run.chip || run.timeline.step_ps == 0) return std::nullopt;
  SystemUtilization u;
  const double chips = static_cast<double>(run.spec.chips), copies = static_cast<double>(run.repeat);
  u.executed_macs = static_cast<double>(run.chip->report.totals.macs) * copies * chips;
  u.model_macs = run.model_macs > 0 ? static_cast<double>(run.model_macs) * copies : u.executed_macs;
  u.peak_macs_per_s = run.chip->report.totals.peak.macs_per_s * chips;
  const double capacity = u.peak_macs_per_s * static_cast<double>(run.timeline.step_ps) * 1e-12;
  u.hfu = u.executed_macs / capacity;
  u.mfu = u.model_macs / capacity;
  return u;
}

namespace {
nlohmann::json split_json(const metrics::EnergySplit& s) {
  return {{"compute", s.compute_pj}, {"memory", s.memory_pj}, {"interconnect", s.interconnect_pj}, {"static", s.static_pj}};
}
}  // namespace

nlohmann::json energy_json(const SystemEnergy& e) {
  return {{"total_pj", e.system.total_pj()},
          {"energy_split_pj", split_json(e.system)},
          {"per_chip_pj", e.per_chip.total_pj()},
          {"per_chip_energy_split_pj", split_json(e.per_chip)},
          {"chip_static_power_w", e.chip_static_power_w},
          {"average_power_w", e.average_power_w},
          {"per_chip_average_power_w", e.step_s > 0 ? e.per_chip.total_pj() * 1e-12 / e.step_s : 0.0}};
}

nlohmann::json system_report_json(const SystemRun& run) {
  const ChipTimeline& t = run.timeline;
  nlohmann::json j;
  j["system"] = run.spec.name;
  j["system_file"] = run.spec.file;
  j["chips"] = run.spec.chips;
  j["workload"] = run.workload_name;
  j["repeat"] = run.repeat;
  j["step_ps"] = t.step_ps;
  j["compute_ps"] = t.compute_ps;
  j["communication_ps"] = t.communication_ps;
  j["exposed_communication_ps"] = t.exposed_ps;
  j["hidden_communication_ps"] = t.hidden_ps;
  nlohmann::json axes = nlohmann::json::array();
  for (const AxisUse& a : t.axes) {
    if (a.links == 0) continue;
    axes.push_back({{"name", a.name}, {"links", a.links}, {"busy_ps", a.busy_ps}, {"bytes", a.bytes},
                    {"utilization", a.utilization}, {"energy_pj", a.energy_pj}});
  }
  j["axes"] = axes;
  nlohmann::json ops = nlohmann::json::array();
  for (const NodeSpan& s : t.nodes) {
    nlohmann::json o = {{"name", s.name}, {"kind", s.collective ? "collective" : "compute"}, {"start_ps", s.start_ps},
                        {"end_ps", s.end_ps}};
    if (s.collective) o["ready_ps"] = s.ready_ps;
    ops.push_back(o);
  }
  j["ops"] = ops;
  j["energy"] = energy_json(system_energy(run));
  if (run.memory) j["memory"] = footprint_json(*run.memory);
  if (const auto u = system_utilization(run))
    j["utilization"] = {{"executed_macs", u->executed_macs}, {"model_macs", u->model_macs},
                        {"peak_macs_per_s", u->peak_macs_per_s}, {"hfu", u->hfu}, {"mfu", u->mfu}};
  if (run.chip) j["chip"] = report::report_json(run.chip->report);
  return j;
}

void print_pipeline(std::ostream& out, const StageTiming& t) {
  out << fmt::format("pipeline {} stages x {} microbatches ({}): stage {:.3f} us, send {} B in {:.3f} us, step {:.3f} us, "
                     "bubble {:.1f} %, {} microbatches in flight\n", t.stages, t.microbatches, tpusim::to_string(t.schedule),
                     us(t.stage_ps), t.send_bytes, us(t.p2p_ps), us(t.step.step_ps), 100 * t.step.bubble_fraction,
                     t.step.microbatches_in_flight);
}

void print_system_summary(std::ostream& out, const SystemRun& run) {
  const ChipTimeline& t = run.timeline;
  out << fmt::format("system {} ({} chips), workload {}\n", run.spec.name, run.spec.chips, run.workload_name);
  out << fmt::format("{:<28} {:>10} {:>14} {:>14}\n", "op", "kind", "start_us", "end_us");
  for (const NodeSpan& s : t.nodes)
    out << fmt::format("{:<28} {:>10} {:>14.3f} {:>14.3f}\n", s.name, s.collective ? "collective" : "compute",
                       us(s.start_ps), us(s.end_ps));
  out << fmt::format("step {:.3f} us | compute {:.3f} us | communication {:.3f} us: exposed {:.3f} us, hidden {:.3f} us\n",
                     us(t.step_ps), us(t.compute_ps), us(t.communication_ps), us(t.exposed_ps), us(t.hidden_ps));
  for (const AxisUse& a : t.axes)
    if (a.links > 0 && a.busy_ps > 0)
      out << fmt::format("axis {}: {} links, {:.4g} bytes, utilization {:.2f} %, {:.4g} J\n", a.name, a.links, a.bytes,
                         100 * a.utilization, a.energy_pj * 1e-12);
  if (const auto u = system_utilization(run))
    out << fmt::format("MFU {:.2f} % (model {:.4g} MACs), HFU {:.2f} % (executed {:.4g} MACs), peak {:.4g} MAC/s\n",
                       100 * u->mfu, u->model_macs, 100 * u->hfu, u->executed_macs, u->peak_macs_per_s);
  if (run.memory) {
    const Footprint& m = *run.memory;
    out << fmt::format("memory per chip {:.4g} GB of {:.4g} GB{}: weights {:.4g}, activations {:.4g}, gradients {:.4g}, "
                       "optimizer {:.4g} GB\n", m.total_bytes() / 1e9, m.capacity_bytes / 1e9,
                       m.fits() ? "" : " (DOES NOT FIT: run with --allow-memory-overflow)", m.weights_bytes / 1e9,
                       m.activations_bytes / 1e9, m.gradients_bytes / 1e9, m.optimizer_bytes / 1e9);
  }
  const SystemEnergy e = system_energy(run);
  out << fmt::format("energy {:.4g} J: compute {:.4g} J, memory {:.4g} J, interconnect {:.4g} J, static {:.4g} J; "
                     "average power {:.4g} kW ({:.4g} W per chip)\n",
                     e.system.total_pj() * 1e-12, e.system.compute_pj * 1e-12, e.system.memory_pj * 1e-12,
                     e.system.interconnect_pj * 1e-12, e.system.static_pj * 1e-12, e.average_power_w * 1e-3,
                     e.average_power_w / static_cast<double>(run.spec.chips));
}

}  // namespace tpusim::system
