// A model config and a scenario together, past their loaders: what `tpusim run --model` does
// before anything is simulated. The input is one JSON document {"model": {...}, "scenario":
// {...}} (seeds: every shipped model with every shipped scenario). parse_model_config and
// parse_scenario, then generate() (the scenario checked against the model, the run's limits, one
// chip's blocks), then for each distinct block as the model runner takes it: the chip preset
// configs/tpu_v4.json with the block's datatypes (block_overrides, as the runner sets them),
// parse_workload of the generated graph, prepare_run and check_work_bound. Every step either succeeds or throws a one-line InputError.
#include <map>
#include <set>
#include <utility>

#include "fuzz_support.h"
#include "sim/llm/llm_run.h"
#include "sim/models/generate.h"
#include "sim/models/model_config.h"
#include "sim/models/scenario.h"
#include "sim/run/runner.h"
#include "sim/run/work_bound.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/workload.h"

namespace {

/// configs/tpu_v4.json as the model runner sets it up for the block (block_overrides: its
/// datatypes), loaded once per datatype pair.
const tpusim::ArchConfig& chip(const tpusim::models::Block& b) {
  static std::map<std::pair<tpusim::DataType, tpusim::DataType>, tpusim::ArchConfig> cache;
  auto it = cache.find({b.weight_type, b.act_type});
  if (it == cache.end())
    it = cache
             .emplace(std::make_pair(b.weight_type, b.act_type),
                      tpusim::config::load_arch_json(std::string(TPUSIM_SOURCE_DIR) + "/configs/tpu_v4.json",
                                                     tpusim::llm::block_overrides({}, b)))
             .first;
  return it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::fuzz::expect_ok_or_input_error([&] {
    const auto doc = tpusim::config::parse_json_text(tpusim::fuzz::text_of(data, size), "fuzz.json");
    if (!doc.is_object() || !doc.contains("model") || !doc.contains("scenario")) return;
    const auto model = tpusim::models::parse_model_config(doc["model"], "model.json");
    const auto scenario = tpusim::models::parse_scenario(doc["scenario"], "scenario.json");
    const tpusim::models::Generated g = tpusim::models::generate(model, scenario);
    std::set<std::string> seen;  // distinct graphs, as the model runner simulates them
    for (const tpusim::models::Block& b : g.blocks) {
      nlohmann::json graph = b.graph;
      graph.erase("name");
      if (!seen.insert(graph.dump()).second) continue;
      const tpusim::ArchConfig& arch = chip(b);
      const tpusim::Workload w = tpusim::parse_workload(b.graph, "generated block " + b.name);
      const tpusim::mapper::MappedWorkload mapped = tpusim::prepare_run(arch, w);
      tpusim::check_work_bound(mapped, tpusim::kDefaultMaxFolds, w.file);
    }
  });
  return 0;
}
