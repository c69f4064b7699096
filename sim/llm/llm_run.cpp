#include "sim/llm/llm_run.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <deque>
#include <optional>
#include <memory>

#include <fmt/format.h>

#include "arch/interconnect/collective.h"
#include "sim/base/error.h"
#include "sim/spec/system_spec.h"
#include "sim/energy/energy_table.h"
#include "sim/importers/formats.h"
#include "sim/report/report.h"
#include "sim/run/runner.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/workload.h"

namespace tpusim::llm {

namespace {

/// A distinct block, loaded and mapped in the parent (every input error surfaces before any
/// simulation) and simulated in a child.
struct Prepared {
  ArchConfig arch;
  Workload workload;
  std::unique_ptr<mapper::MappedWorkload> mapped;
  const EnergyTable* energy = nullptr;
};

config::Override set(const std::string& pointer, DataType t) {
  return {pointer, name_of(t), fmt::format("{}={}", pointer, name_of(t))};
}

/// The chip a block runs on: the user's config and --set, with the block's datatypes.
ArchConfig block_arch(const LlmOptions& o, const models::Block& b) {
  return importers::load_arch(o.arch_path, block_overrides(o.overrides, b));
}

/// Writes all of `text` to `fd` (a child's result pipe).
void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

/// In the child: one SystemC run of the block, its report's totals as JSON on `fd`.
[[noreturn]] void child_main(const Prepared& p, int fd) {
  const int devnull = ::open("/dev/null", O_WRONLY);
  if (devnull >= 0) ::dup2(devnull, STDOUT_FILENO);  // SystemC's notes must not reach the report
  int code = 0;
  std::string out;
  try {
    const RunResult run = run_workload(*p.mapped);
    const report::Report rep = report::make_report(*p.mapped, *p.energy, run);
    out = report::report_json(rep)["totals"].dump();
  } catch (const InputError& e) {
    out = nlohmann::json{{"error", e.what()}}.dump();
    code = 2;
  } catch (const std::exception& e) {
    out = nlohmann::json{{"error", e.what()}}.dump();
    code = 3;
  }
  write_all(fd, out);
  ::close(fd);
  ::_exit(code);
}

struct Child {
  pid_t pid = 0;
  int fd = -1;
  size_t task = 0;
};

Child start_child(const Prepared& p, size_t task) {
  int fds[2];
  if (::pipe(fds) != 0) throw InternalError(fmt::format("pipe failed: {}", std::strerror(errno)));
  const pid_t pid = ::fork();
  if (pid < 0) throw InternalError(fmt::format("fork failed: {}", std::strerror(errno)));
  if (pid == 0) {
    ::close(fds[0]);
    child_main(p, fds[1]);
  }
  ::close(fds[1]);
  return {pid, fds[0], task};
}

nlohmann::json finish_child(const Child& c, const std::string& block) {
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(c.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(c.fd);
  int status = 0;
  while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  const nlohmann::json j = text.empty() ? nlohmann::json() : nlohmann::json::parse(text, nullptr, false);
  if (j.is_object() && j.contains("error")) {
    const std::string msg = fmt::format("block {}: {}", block, j["error"].get<std::string>());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) throw InputError(msg);
    throw InternalError(msg);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !j.is_object())
    throw InternalError(fmt::format("internal error: the simulation of block {} ended abnormally (status {})", block,
                                    status));
  return j;
}

/// Runs the tasks (indices into `prepared`), `jobs` children at a time; results in task order.
std::vector<nlohmann::json> simulate(const std::vector<std::unique_ptr<Prepared>>& prepared,
                                     const std::vector<size_t>& tasks, const std::vector<std::string>& names,
                                     unsigned jobs) {
  std::vector<nlohmann::json> results(tasks.size());
  std::deque<Child> running;
  size_t next = 0;
  while (next < tasks.size() || !running.empty()) {
    while (next < tasks.size() && running.size() < std::max(1u, jobs)) {
      running.push_back(start_child(*prepared[tasks[next]], next));
      ++next;
    }
    const Child c = running.front();
    running.pop_front();
    try {
      results[c.task] = finish_child(c, names[c.task]);
    } catch (...) {
      for (const Child& r : running) {
        int status = 0;
        ::close(r.fd);
        ::waitpid(r.pid, &status, 0);
      }
      throw;
    }
  }
  return results;
}

void check_fit(const LlmResult& r, const models::Scenario& s, const std::string& arch_file) {
  const models::Footprint& f = r.generated.memory;
  if (!s.require_fit || f.total() <= r.hbm_capacity_bytes) return;
  config::fail_at(arch_file, "/dram/capacity_bytes",
                  fmt::format("the scenario needs {} bytes per chip (weights {}, KV cache {}, activations {}, "
                              "gradients {}, optimizer state {}) but the chip's HBM holds {}; use a larger memory, "
                              "more chips, smaller datatypes, or \"require_fit\": false in {}",
                              f.total(), f.weights, f.kv_cache, f.activations, f.gradients, f.optimizer,
                              r.hbm_capacity_bytes, s.file));
}

/// Parallelism groups on a system: tp takes the fastest axes (the last ones) whose sizes multiply
/// to its degree, sp the axes before them, then ep, then dp, and pp the rest (the slowest);
/// InputError when the degrees do not fit the axes.
struct Groups {
  std::vector<std::string> tp, sp, ep, dp, pp;
};

Groups assign_axes(const arch::interconnect::Topology& topo, const models::Scenario& s) {
  const auto& axes = topo.axes();
  Groups g;
  size_t i = axes.size();
  const auto take = [&](uint64_t degree, std::vector<std::string>& out) {
    uint64_t product = 1;
    while (product < degree && i > 0) {
      product *= axes[--i].size;
      out.insert(out.begin(), axes[i].name);
    }
    return product;
  };
  const models::Parallelism& p = s.parallelism;
  const uint64_t tp = take(p.tp, g.tp), sp = take(p.sp, g.sp), ep = take(p.ep, g.ep);
  const uint64_t dp = p.pp > 1 ? take(p.dp, g.dp) : 1;
  uint64_t rest = 1;
  for (size_t j = 0; j < i; ++j) {
    rest *= axes[j].size;
    (p.pp > 1 ? g.pp : g.dp).push_back(axes[j].name);
  }
  if (sp != p.sp || (p.pp == 1 ? (tp != p.tp || ep != p.ep || rest != p.dp)
                               : (tp != p.tp || ep != p.ep || dp != p.dp || rest != p.pp))) {
    if (p.ep == 1 && p.pp == 1 && p.sp == 1)
      config::fail_at(s.file, "/parallelism",
                      fmt::format("tp {} x dp {} must fill the system's axes, tp the fastest (last) ones: {} chips in all, "
                                  "tp's axes give {}, the rest {}",
                                  p.tp, p.dp, topo.chips(), tp, rest));
    config::fail_at(s.file, "/parallelism",
                    fmt::format("tp {} x sp {} x ep {} x dp {} x pp {} must fill the system's axes in that order from "
                                "the fastest (last) ones: {} chips in all, tp's axes give {}, sp's {}, ep's {}, dp's {}, "
                                "the rest {}",
                                p.tp, p.sp, p.ep, p.dp, p.pp, topo.chips(), tp, sp, ep, p.pp > 1 ? dp : rest,
                                p.pp > 1 ? rest : 1));
  }
  return g;
}

/// A block's collective as a request on the system: the torus algorithm over several axes, else a
/// bidirectional ring where the axis wraps around, else a ring (arch/interconnect/README.md).
/// Nothing when the group has no axes or the collective no bytes.
std::optional<arch::interconnect::CollectiveRequest> comm_request(const arch::interconnect::Topology& topo,
                                                                  const Groups& groups, const models::Comm& c) {
  namespace ic = arch::interconnect;
  ic::CollectiveRequest req;
  req.op = c.collective == "all_gather"       ? ic::Collective::all_gather
           : c.collective == "reduce_scatter" ? ic::Collective::reduce_scatter
           : c.collective == "all_to_all"     ? ic::Collective::all_to_all
           : c.collective == "send_recv"      ? ic::Collective::send_recv
                                              : ic::Collective::all_reduce;
  req.bytes = c.bytes;
  // A group is one parallelism's axes, or several joined by '+' ("dp+ep": every chip with the
  // same tensor shard), slowest first.
  for (const char* name : {"pp", "dp", "ep", "sp", "tp"}) {
    const std::string g = c.group;
    bool named = false;
    for (size_t at = 0; at <= g.size();) {
      const size_t end = std::min(g.find('+', at), g.size());
      named = named || g.compare(at, end - at, name) == 0;
      at = end + 1;
    }
    if (!named) continue;
    const std::string n = name;
    const auto& axes = n == "pp" ? groups.pp : n == "dp" ? groups.dp : n == "ep" ? groups.ep : n == "sp" ? groups.sp : groups.tp;
    req.axes.insert(req.axes.end(), axes.begin(), axes.end());
  }
  if (req.axes.empty() || req.bytes == 0) return std::nullopt;
  const auto& allowed = ic::algorithms_for(req.op);
  auto has = [&](ic::Algorithm a) { return std::find(allowed.begin(), allowed.end(), a) != allowed.end(); };
  const bool wraps = topo.axes()[topo.axis_index(req.axes.front())].wraparound;
  req.algorithm = req.axes.size() > 1 && has(ic::Algorithm::torus)           ? ic::Algorithm::torus
                  : wraps && has(ic::Algorithm::bidirectional_ring) ? ic::Algorithm::bidirectional_ring
                                                                    : allowed.front();
  return req;
}

/// The energy the links spend on one collective, every group of the system at once. A ring, a
/// bidirectional ring, a line and each pass of the torus algorithm move every transfer one hop
/// (arch/interconnect/README.md "Closed forms"), so on axis i each chip puts
/// bus_bandwidth_factor(op, p_i) x D_i bytes on its links, D_i the buffer that pass works on (the
/// torus passes shrink it by p_i; one axis: D = bytes), each bit costing the axis' link energy
/// (/link/energy_pj_per_bit, /slices/energy_pj_per_bit).
double comm_link_pj(const arch::interconnect::Topology& topo, const arch::interconnect::CollectiveRequest& req) {
  namespace ic = arch::interconnect;
  const ic::ResolvedCollective r = ic::resolve(topo, req);
  if (req.op == ic::Collective::send_recv) {  // every chip sends the message one hop, to the next stage
    if (r.active.empty()) return 0;
    return ic::link_energy_pj(static_cast<double>(req.bytes) * static_cast<double>(topo.chips()),
                              topo.axes()[r.active.front()].link);
  }
  TPUSIM_ASSERT(r.active.size() <= 1 || req.algorithm == ic::Algorithm::torus,
                "model collectives over several axes use the torus algorithm");
  double buffer_bytes = static_cast<double>(req.bytes), pj = 0;
  for (size_t a : r.active) {
    const ic::Axis& axis = topo.axes()[a];
    const double per_chip = ic::bus_bandwidth_factor(req.op, axis.size) * buffer_bytes;
    pj += ic::link_energy_pj(per_chip * static_cast<double>(topo.chips()), axis.link);
    buffer_bytes /= static_cast<double>(axis.size);
  }
  return pj;
}

/// A block copy's exposed communication: its collectives after the compute in full, and what
/// the overlapped ones (run beside the compute on the interconnect, one after another) take
/// beyond the compute's `compute_s`; `hidden_s` gets the overlapped time the compute covers and
/// `link_pj` the links' energy for all of them.
double exposed_comm_seconds(const std::optional<arch::interconnect::Topology>& topo, const Groups& groups,
                            const models::Block& b, double compute_s, double& hidden_s, double& link_pj) {
  double serial = 0, beside = 0;
  link_pj = 0;
  for (const models::Comm& c : b.comms) {
    const auto req = comm_request(*topo, groups, c);
    if (!req) continue;
    (c.overlapped ? beside : serial) += arch::interconnect::to_seconds(arch::interconnect::closed_form(*topo, *req).time_ps);
    link_pj += comm_link_pj(*topo, *req);
  }
  hidden_s = std::min(beside, compute_s);
  return serial + std::max(0.0, beside - compute_s);
}

/// One copy's energy over the whole system: every chip's (the same shard each), the static power
/// of every chip while it waits for the copy's exposed communication (it leaks and computes
/// nothing; sim/system does the same), and the links'.
metrics::EnergySplit system_energy(const BlockResult& b, uint64_t chips) {
  metrics::EnergySplit e = metrics::split_energy(b.energy_breakdown_pj);
  const auto st = b.energy_breakdown_pj.find("static");
  const double static_w = st != b.energy_breakdown_pj.end() && b.seconds > 0 ? st->second * 1e-12 / b.seconds : 0;
  e.static_pj += static_w * b.communication_s * 1e12;
  e = e.scaled(static_cast<double>(chips));
  e.interconnect_pj = b.interconnect_pj;
  return e;
}

void accumulate(PhaseTotals& t, const BlockResult& b, uint64_t copies, double clock_hz, uint64_t chips) {
  t.cycles += copies * b.cycles;
  t.macs += copies * b.macs;
  t.compute_cycles += copies * b.compute_cycles;
  t.stall_cycles += copies * b.stall_cycles;
  t.dram_read_bytes += copies * b.dram_read_bytes;
  t.dram_write_bytes += copies * b.dram_write_bytes;
  t.communication_s += static_cast<double>(copies) * b.communication_s;
  t.hidden_communication_s += static_cast<double>(copies) * b.hidden_communication_s;
  t.seconds = static_cast<double>(t.cycles) / clock_hz + t.communication_s;
  t.energy_pj += static_cast<double>(copies) * b.energy_pj;
  for (const auto& [k, v] : b.energy_breakdown_pj) t.energy_breakdown_pj[k] += static_cast<double>(copies) * v;
  t.system_energy += system_energy(b, chips).scaled(static_cast<double>(copies));
}

BlockResult block_result(const models::Block& b, const nlohmann::json& t) {
  BlockResult r;
  r.name = b.name;
  r.phase = b.phase;
  r.repeat = b.repeat;
  r.cycles = t.at("cycles").get<uint64_t>();
  r.macs = t.at("macs").get<uint64_t>();
  r.dram_read_bytes = t.at("dram_read_bytes").get<uint64_t>();
  r.dram_write_bytes = t.at("dram_write_bytes").get<uint64_t>();
  r.compute_cycles = t.at("compute_cycles").get<uint64_t>();
  r.stall_cycles = t.at("stall_cycles").get<uint64_t>();
  r.seconds = t.at("seconds").get<double>();
  r.energy_pj = t.at("energy_pj").get<double>();
  r.energy_breakdown_pj = t.at("energy_breakdown_pj").get<std::map<std::string, double>>();
  return r;
}

}  // namespace

std::vector<config::Override> block_overrides(const std::vector<config::Override>& user, const models::Block& b) {
  std::vector<config::Override> ov = user;
  ov.push_back(set("/datatypes/weight", b.weight_type));
  ov.push_back(set("/datatypes/input", b.act_type));
  ov.push_back(set("/datatypes/output", b.act_type));
  return ov;
}

LlmResult run_llm(const models::ModelConfig& model, const models::Scenario& scenario, const LlmOptions& opts) {
  LlmResult result;
  LlmOptions options = opts;
  // A system (configs/systems/): its chip preset runs the blocks, its interconnect the collectives.
  std::optional<config::SystemSpec> system;
  if (config::is_system_document(config::load_json_file(opts.arch_path))) {
    system = config::load_system_json(opts.arch_path);
    config::require_chip_file(*system);
    options.arch_path = system->chip_path;
    if (scenario.parallelism.chips() != system->chips)
      config::fail_at(scenario.file, "/parallelism",
                      fmt::format("the degrees multiply to {} chips, the system {} has {}",
                                  scenario.parallelism.chips(), system->file, system->chips));
  } else if (scenario.parallelism.chips() != 1) {
    config::fail_at(scenario.file, "/parallelism",
                    fmt::format("{} chips need a system as --arch (configs/systems/), got the chip {}",
                                scenario.parallelism.chips(), opts.arch_path));
  }
  result.generated = models::generate(model, scenario);
  std::optional<arch::interconnect::Topology> topo;
  Groups groups;
  if (system) {
    topo.emplace(*system);
    groups = assign_axes(*topo, scenario);
    result.system_name = system->name;
    result.tp_axes = groups.tp;
    result.ep_axes = groups.ep;
    result.pp_axes = groups.pp;
    result.sp_axes = groups.sp;
    result.dp_axes = groups.dp;
  }
  const ArchConfig base = importers::load_arch(options.arch_path, options.overrides);
  result.arch_name = base.name;
  result.clock_mhz = base.clock_mhz;
  result.peak_macs_per_s = static_cast<double>(base.peak_macs_per_cycle()) * base.clock_mhz * 1e6;
  result.hbm_capacity_bytes = base.dram.capacity_bytes;
  result.chips = scenario.parallelism.chips();
  check_fit(result, scenario, base.file);
  const EnergyTable energy = load_energy_table(resolve_energy_table(base.energy_table, base.file));

  // Distinct blocks by what decides their simulation: the graph (without its name) and datatypes.
  // Every block starts on a chip in the same state (weights, KV cache and its input in HBM,
  // nothing on chip), so that is the whole key.
  std::map<std::string, size_t> by_key;
  std::vector<std::unique_ptr<Prepared>> prepared;
  std::vector<size_t> block_prepared, tasks;
  std::vector<std::string> task_names;
  std::vector<std::string> first_block;  // per prepared: the block simulated for it
  for (const models::Block& b : result.generated.blocks) {
    nlohmann::json g = b.graph;
    g.erase("name");
    const std::string key = fmt::format("{}|{}|{}", name_of(b.weight_type), name_of(b.act_type), g.dump());
    auto it = by_key.find(key);
    if (it == by_key.end() || !options.memoize) {
      auto p = std::make_unique<Prepared>();
      p->arch = block_arch(options, b);
      energy.check_covers(p->arch);
      try {
        p->workload = parse_workload(b.graph, "generated block " + b.name);
      } catch (const InputError& e) {
        // A block the format cannot hold that the model's limits (sim/models/limits.h) let
        // through: the model and scenario are the user's files, the block's pointer says where.
        throw InputError(fmt::format("{} with {}: {}", model.file, scenario.file, e.what()));
      }
      // As `tpusim run` judges a workload: the options, the mapping, the cycle model's budget,
      // then the limit of work, all before any block is simulated.
      p->mapped = std::make_unique<mapper::MappedWorkload>(prepare_run(p->arch, p->workload));
      check_work_bound(*p->mapped, options.max_folds, p->workload.file);
      p->energy = &energy;
      prepared.push_back(std::move(p));
      first_block.push_back(b.name);
      it = by_key.insert_or_assign(key, prepared.size() - 1).first;
      const uint64_t copies = options.memoize ? 1 : b.repeat;
      for (uint64_t c = 0; c < copies; ++c) {
        tasks.push_back(prepared.size() - 1);
        task_names.push_back(b.name);
      }
    }
    block_prepared.push_back(it->second);
  }
  const std::vector<nlohmann::json> runs = simulate(prepared, tasks, task_names, options.jobs);
  result.simulations = runs.size();

  // Per prepared block: its runs (one when memoized, one per copy otherwise).
  std::vector<std::vector<const nlohmann::json*>> runs_of(prepared.size());
  for (size_t t = 0; t < tasks.size(); ++t) runs_of[tasks[t]].push_back(&runs[t]);
  const double clock_hz = base.clock_mhz * 1e6;
  for (size_t i = 0; i < result.generated.blocks.size(); ++i) {
    const models::Block& b = result.generated.blocks[i];
    const auto& rs = runs_of[block_prepared[i]];
    BlockResult r = block_result(b, *rs.front());
    if (topo) r.communication_s = exposed_comm_seconds(topo, groups, b, r.seconds, r.hidden_communication_s, r.interconnect_pj);
    if (first_block[block_prepared[i]] != b.name) r.reused_from = first_block[block_prepared[i]];
    if (options.memoize) {
      accumulate(result.phases[b.phase], r, b.repeat, clock_hz, result.chips);
      accumulate(result.total, r, b.repeat, clock_hz, result.chips);
    } else {
      for (const nlohmann::json* run : rs) {
        BlockResult copy = block_result(b, *run);
        copy.communication_s = r.communication_s;
        copy.hidden_communication_s = r.hidden_communication_s;
        copy.interconnect_pj = r.interconnect_pj;
        accumulate(result.phases[b.phase], copy, 1, clock_hz, result.chips);
        accumulate(result.total, copy, 1, clock_hz, result.chips);
      }
    }
    result.blocks.push_back(std::move(r));
  }
  return result;
}

}  // namespace tpusim::llm
