// The native half of the Python package `tpusim` (sim/python/README.md): the pure layers of the
// simulator (loading, mapping, describe, energy, compare, the sweep planner) called in process.
// Simulations do not run here: SystemC elaborates one model per process, so tpusim.run spawns
// the tpusim binary per run, as sweeps do (tpusim/__init__.py). Values cross as JSON text, which
// the Python side decodes, so the figures are the ones the CLI writes.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/data_dir.h"
#include "sim/base/error.h"
#include "sim/cli/describe.h"
#include "sim/compare/compare.h"
#include "sim/compare/table.h"
#include "sim/energy/area.h"
#include "sim/energy/energy_table.h"
#include "sim/importers/formats.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/report/report.h"
#include "sim/sweep/plan.h"
#include "sim/sweep/spec.h"

namespace py = pybind11;
using nlohmann::json;

namespace tpusim::python {

namespace {

std::vector<config::Override> overrides_of(const std::vector<std::string>& sets) {
  std::vector<config::Override> out;
  for (const auto& s : sets) out.push_back(config::parse_override(s));
  return out;
}

std::string load_arch_json(const std::string& path, const std::vector<std::string>& sets) {
  return config::to_json(importers::load_arch(path, overrides_of(sets))).dump();
}

std::string describe_json(const std::string& path, const std::vector<std::string>& sets) {
  return cli::describe_arch(importers::load_arch(path, overrides_of(sets))).dump();
}

json layer_json(const Layer& l, const Workload& w) {
  json inputs = json::array();
  for (size_t p : l.inputs) inputs.push_back(p == Layer::kGraphInput ? w.input_name : w.layers[p].name);
  json j = {{"name", l.name}, {"op", to_string(l.op)}, {"inputs", inputs}};
  if (is_matrix_op(l.op)) {
    j.update({{"m", l.gemm.m}, {"n", l.gemm.n}, {"k", l.gemm.k}, {"count", l.gemm.count}, {"macs", l.gemm.macs()}});
  } else {
    j.update({{"elements_in", l.vector.elements_in}, {"elements_out", l.vector.elements_out},
              {"lane_ops", l.vector.ops}});
  }
  return j;
}

std::string load_workload_json(const std::string& path, bool allow_unsupported) {
  importers::WorkloadOptions options;
  options.allow_unsupported = allow_unsupported;
  const Workload w = importers::load_workload(path, options);
  json layers = json::array();
  for (const auto& l : w.layers) layers.push_back(layer_json(l, w));
  json j = {{"name", w.name}, {"source", w.source}, {"batch", w.batch}, {"input", w.input_name},
            {"macs", w.total_macs()}, {"layers", layers}};
  if (w.import) j["import"] = report::import_json(*w.import);
  return j.dump();
}

/// The mapper's plan of every layer (what report.json's layers[].mapping summarises).
std::string map_json(const std::string& arch_path, const std::vector<std::string>& sets, const std::string& workload_path,
                     bool allow_unsupported) {
  const ArchConfig arch = importers::load_arch(arch_path, overrides_of(sets));
  importers::WorkloadOptions options;
  options.allow_unsupported = allow_unsupported;
  const Workload w = importers::load_workload(workload_path, options);
  const mapper::MappedWorkload mapped(arch, w);
  json out = json::array();
  for (const mapper::MappedLayer& m : mapped.layers()) {
    json j = layer_json(*m.layer, w);
    j["planned"] = mapped.planned();
    if (m.is_matrix() && mapped.planned()) {
      const mapper::GemmPlan& p = m.gemm;
      std::string order;
      for (int pos = 0; pos < 3; ++pos)
        for (Loop l : {Loop::row, Loop::col, Loop::stream})
          if (p.position(l) == pos) order += (order.empty() ? "" : ">") + std::string(to_string(l));
      j.update({{"tile_rows", p.tile_rows}, {"tile_cols", p.tile_cols}, {"tile_stream", p.tile_t},
                {"folds", p.folds()}, {"loop_order", order}, {"inputs_kept", p.keep_a}, {"weights_kept", p.keep_b},
                {"partials_spilled", p.spill_partials}, {"est_dram_read_bytes", p.est_dram_read_bytes},
                {"est_dram_write_bytes", p.est_dram_write_bytes},
                {"mapping_efficiency", p.mapping_efficiency(arch)}});
    }
    out.push_back(j);
  }
  return out.dump();
}

/// The energy model's coefficients for an architecture (sim/energy/README.md), and its area.
std::string energy_json(const std::string& arch_path, const std::vector<std::string>& sets) {
  const ArchConfig arch = importers::load_arch(arch_path, overrides_of(sets));
  const std::string table_path = resolve_energy_table(arch.energy_table, arch.file);
  const EnergyTable t = load_energy_table(table_path);
  t.check_covers(arch);
  json buffers = json::object();
  for (const auto& b : arch.buffers)
    buffers[b.name] = {{"read_pj_per_byte", t.buffer_read_pj_per_byte(b)}, {"write_pj_per_byte", t.buffer_write_pj_per_byte(b)}};
  const DataType mac_type = mac_datatype(arch.datatypes);
  json j = {{"table", t.name},
            {"table_file", table_path},
            {"node_nm", t.node_nm},
            {"mac_datatype", to_string(mac_type)},
            {"mac_pj", t.mac_pj_for(mac_type, arch)},
            {"pe_register_pj_per_byte", t.pe_register_pj_per_byte},
            {"buffers", buffers},
            {"dram_pj_per_bit", t.dram_pj_per_bit_for(arch)},
            {"dma_pj_per_byte", t.dma_pj_per_byte},
            {"vector_op_pj", t.vector_op_pj},
            {"area_mm2", area_mm2(arch, t)},
            {"static_power_mw", static_power_mw(arch, t)}};
  return j.dump();
}

std::string compare_json(const std::string& base, const std::string& current, double rtol, const std::string& tolerances) {
  compare::Options options;
  options.rtol = rtol;
  if (!tolerances.empty()) options.tolerances = compare::load_tolerances(tolerances);
  const compare::Result r = compare::compare_tables(compare::load_table(base), compare::load_table(current), options);
  json changes = json::array();
  for (const auto& c : r.changes) {
    json j = {{"row", c.row}, {"metric", c.metric}, {"within_tolerance", c.within_tolerance}};
    if (c.is_label()) {
      j.update({{"base", c.base_text}, {"current", c.current_text}});
    } else {
      j.update({{"base", c.base.number}, {"current", c.current.number}, {"delta", c.delta()}});
    }
    changes.push_back(j);
  }
  return json{{"passed", r.passed()}, {"verdict", r.verdict()}, {"rows", r.rows}, {"compared", r.compared},
              {"beyond_tolerance", r.beyond_tolerance()}, {"changes", changes}, {"notes", r.notes}}
      .dump();
}

std::string plan_sweep_json(const std::string& spec_path) {
  const sweep::SweepPlan plan = sweep::plan_sweep(sweep::load_sweep_spec(spec_path));
  json points = json::array(), jobs = json::array();
  for (const auto& p : plan.points) {
    json sets = json::array();
    for (const auto& o : p.overrides) sets.push_back(o.pointer + "=" + o.value.dump());
    points.push_back({{"index", p.index}, {"values", p.values}, {"overrides", sets}, {"config_error", p.config_error}});
  }
  for (const auto& j : plan.jobs)
    jobs.push_back({{"row", j.row}, {"point", j.point}, {"workload", plan.spec.workload_labels.at(j.workload)},
                    {"workload_path", plan.spec.workload_paths.at(j.workload)}, {"key", j.key}});
  return json{{"name", plan.spec.name}, {"columns", plan.columns}, {"points", points}, {"jobs", jobs},
              {"excluded_points", plan.excluded_points}, {"sweep_id", plan.sweep_id}}
      .dump();
}

}  // namespace

}  // namespace tpusim::python

PYBIND11_MODULE(_tpusim, m) {
  using namespace tpusim::python;
  m.doc() = "tpusim's pure layers (sim/python/README.md); use the tpusim package, not this module";
  static py::exception<tpusim::InputError> input_error(m, "InputError", PyExc_ValueError);
  static py::exception<tpusim::InternalError> internal_error(m, "InternalError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tpusim::InputError& e) {
      input_error(e.what());
    } catch (const tpusim::InternalError& e) {
      internal_error(e.what());
    }
  });
  m.def("load_arch", &load_arch_json, py::arg("path"), py::arg("overrides"));
  m.def("describe", &describe_json, py::arg("path"), py::arg("overrides"));
  m.def("load_workload", &load_workload_json, py::arg("path"), py::arg("allow_unsupported"));
  m.def("map_workload", &map_json, py::arg("arch"), py::arg("overrides"), py::arg("workload"),
        py::arg("allow_unsupported"));
  m.def("energy", &energy_json, py::arg("arch"), py::arg("overrides"));
  m.def("compare", &compare_json, py::arg("base"), py::arg("current"), py::arg("rtol"), py::arg("tolerances"));
  m.def("plan_sweep", &plan_sweep_json, py::arg("spec"));
  m.def("data_dir", []() { return tpusim::data_dir().string(); });
  m.attr("version") = TPUSIM_VERSION;
}
