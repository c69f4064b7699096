// Workload JSON (workloads/*.json): a chip workload (layers, graph edges, mapping pins), and the
// same document read as a system's chip graph (sim/spec/system_workload.h: workloads with
// collectives), since `tpusim run --arch SYSTEM` reads workload files through that loader.
#include "fuzz_support.h"
#include "sim/spec/json_reader.h"
#include "sim/spec/system_workload.h"
#include "sim/spec/workload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tpusim::config::json doc;
  bool parsed = false;
  tpusim::fuzz::expect_ok_or_input_error([&] {
    doc = tpusim::config::parse_json_text(tpusim::fuzz::text_of(data, size), "fuzz.json");
    parsed = true;
  });
  if (!parsed) return 0;
  tpusim::fuzz::expect_ok_or_input_error([&] { (void)tpusim::parse_workload(doc, "fuzz.json"); });
  tpusim::fuzz::expect_ok_or_input_error([&] { (void)tpusim::parse_chip_graph(doc, "fuzz.json"); });
  return 0;
}
