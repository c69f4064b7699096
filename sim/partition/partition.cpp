#include "sim/partition/partition.h"

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::partition {

using config::ObjectReader;
using config::json;

namespace {

Degree read_degree(ObjectReader& parent, const std::string& key) {
  Degree d;
  if (!parent.has(key)) return d;
  ObjectReader r(parent.raw(key), parent.file(), parent.pointer_of(key));
  d.degree = static_cast<uint32_t>(r.u64("degree", 1, 1u << 20));
  if (r.has("axes")) {
    const json& a = r.raw("axes");
    if (!a.is_array()) r.fail("axes", "must be an array of system axis names, got " + config::describe(a));
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string() || a[i].get<std::string>().empty())
        config::fail_at(r.file(), r.pointer_of("axes") + "/" + std::to_string(i),
                        "must be the name of a system axis, got " + config::describe(a[i]));
      d.axes.push_back(a[i].get<std::string>());
    }
  }
  if (d.degree > 1 && d.axes.empty()) r.fail("axes", fmt::format("degree {} needs the system axes it runs along", d.degree));
  r.finish();
  return d;
}

const char* const kDegreeKeys[] = {"dp", "tp", "pp", "ep", "sp"};

}  // namespace

Parallelism parse_parallelism(const json& doc, const std::string& file) {
  ObjectReader r(doc, file, "");
  Parallelism p;
  p.file = file;
  (void)r.string("notes", "");
  p.dp = read_degree(r, "dp");
  p.tp = read_degree(r, "tp");
  p.pp = read_degree(r, "pp");
  p.ep = read_degree(r, "ep");
  p.sp = read_degree(r, "sp");
  p.microbatches = static_cast<uint32_t>(r.u64("microbatches", 1, 1u << 20, 1));
  p.schedule = r.enumeration<Schedule>("schedule", Schedule::one_f_one_b);
  p.zero = r.boolean("zero", false);
  p.element_bytes = r.u64("element_bytes", 1, 16, 2);
  p.algorithm = r.string("algorithm", "torus");
  p.optimizer_bytes_per_parameter = r.u64("optimizer_bytes_per_parameter", 0, 64, p.optimizer_bytes_per_parameter);
  r.finish();
  return p;
}

Parallelism load_parallelism_json(const std::string& path) { return parse_parallelism(config::load_json_file(path), path); }

void check_parallelism(const Parallelism& p, const config::SystemSpec& sys) {
  const Degree* degrees[] = {&p.dp, &p.tp, &p.pp, &p.ep, &p.sp};
  // The system's axes: the slice axis (if any) and the topology's.
  std::vector<std::pair<std::string, uint32_t>> axes;
  if (sys.slices) axes.emplace_back(sys.slices->axis, sys.slices->count);
  for (const config::AxisSpec& a : sys.axes) axes.emplace_back(a.name, a.size);
  std::vector<std::string> used_by(axes.size());
  std::vector<std::string> names;
  for (const auto& a : axes) names.push_back(a.first);
  for (size_t d = 0; d < 5; ++d) {
    const std::string ptr = std::string("/") + kDegreeKeys[d];
    uint64_t product = 1;
    for (size_t i = 0; i < degrees[d]->axes.size(); ++i) {
      const std::string& name = degrees[d]->axes[i];
      size_t k = 0;
      while (k < axes.size() && axes[k].first != name) ++k;
      const std::string aptr = ptr + "/axes/" + std::to_string(i);
      if (k == axes.size())
        config::fail_at(p.file, aptr, fmt::format("system {} has no axis \"{}\" (axes: {})", sys.name, name, config::join(names)));
      if (!used_by[k].empty())
        config::fail_at(p.file, aptr, fmt::format("axis \"{}\" already serves {}", name, used_by[k]));
      used_by[k] = kDegreeKeys[d];
      product *= axes[k].second;
    }
    if (product != degrees[d]->degree)
      config::fail_at(p.file, ptr + "/degree", fmt::format("must equal the product of its axes' sizes ({}), got {}",
                                                          product, degrees[d]->degree));
  }
  if (p.product() != sys.chips)
    config::fail_at(p.file, "", fmt::format("dp x tp x pp x ep x sp = {} x {} x {} x {} x {} = {} must equal the system's "
                                            "{} chips ({})", p.dp.degree, p.tp.degree, p.pp.degree, p.ep.degree,
                                            p.sp.degree, p.product(), sys.chips, sys.name));
}

PipelineStep pipeline_step(uint64_t forward_ps, uint64_t backward_ps, uint64_t p2p_ps, uint32_t stages,
                           uint32_t microbatches, Schedule schedule) {
  TPUSIM_ASSERT(stages >= 1 && microbatches >= 1, "a pipeline has stages and microbatches");
  PipelineStep s;
  const uint64_t m = microbatches, p = stages;
  s.step_ps = (m + p - 1) * (forward_ps + backward_ps) + 2 * (p - 1) * p2p_ps;
  s.bubble_fraction = static_cast<double>(p - 1) / static_cast<double>(m + p - 1);
  s.microbatches_in_flight = schedule == Schedule::gpipe ? microbatches : std::min(microbatches, stages);
  return s;
}

}  // namespace tpusim::partition
