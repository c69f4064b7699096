// Workload JSON past its loader: what `tpusim run` does with an accepted workload before anything
// is simulated, on three presets that reach different code (configs/tpu_v1.json: one 256x256
// weight-stationary array; configs/tpu_v4.json: a whole chip of 2 cores x 4 MXUs, graph mode;
// configs/eyeriss_like_12x14.json: row stationary). Per preset: prepare_run (the options, the
// mapper's residency, epilogue fusion and plans, fused attention's blocks, the cycle model's
// budget) and check_work_bound (the run's folds and vector chunks against the default limit).
// An accepted workload must map in bounded time or be refused with one line, as the loaders are.
// The row-stationary planner's search is bounded per layer (kMaxRsEvaluated mappings, each with
// its loop orders), so its time grows with the layer count: ResNet-50's 54 layers take over the
// 10 s per input under the fuzzer's instrumentation. Workloads of more than kMaxRsLayers layers are
// planned on the other two presets only; what is looked for is work that grows with a layer's
// numbers, which one layer shows.
#include <vector>

#include "fuzz_support.h"
#include "sim/run/runner.h"
#include "sim/run/work_bound.h"
#include "sim/spec/arch_loader.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/workload.h"

namespace {

constexpr size_t kMaxRsLayers = 8;

const std::vector<tpusim::ArchConfig>& presets() {
  static const std::vector<tpusim::ArchConfig> archs = [] {
    std::vector<tpusim::ArchConfig> a;
    for (const char* name : {"tpu_v1", "tpu_v4", "eyeriss_like_12x14"})
      a.push_back(tpusim::config::load_arch_json(std::string(TPUSIM_SOURCE_DIR) + "/configs/" + name + ".json"));
    return a;
  }();
  return archs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::Workload workload;
  bool parsed = false;
  tpusim::fuzz::expect_ok_or_input_error([&] {
    workload = tpusim::parse_workload(tpusim::config::parse_json_text(tpusim::fuzz::text_of(data, size), "fuzz.json"),
                                      "fuzz.json");
    parsed = true;
  });
  if (!parsed) return 0;
  for (const tpusim::ArchConfig& arch : presets()) {
    if (arch.array.dataflow == tpusim::Dataflow::rs && workload.layers.size() > kMaxRsLayers) continue;
    tpusim::fuzz::expect_ok_or_input_error([&] {
      const tpusim::mapper::MappedWorkload mapped = tpusim::prepare_run(arch, workload);
      tpusim::check_work_bound(mapped, tpusim::kDefaultMaxFolds, workload.file);
    });
  }
  return 0;
}
