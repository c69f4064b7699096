#pragma once
// Small systems built in code for the interconnect tests.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arch/interconnect/topology.h"
#include "sim/spec/system_spec.h"

namespace test_ic {

struct AxisDef {
  std::string name;
  uint32_t size;
  bool wraparound = false;
};

/// A system of `kind` ("torus", "switch", "fully_connected") with one link class; `slices` > 1
/// adds a slower tier named "dcn".
inline nlohmann::json system_json(const std::string& kind, const std::vector<AxisDef>& axes, double gb_per_s,
                                  double latency_ns, uint32_t links_per_neighbour = 1, uint32_t slices = 1,
                                  double dcn_gb_per_s = 1, double dcn_latency_ns = 0) {
  nlohmann::json j;
  j["chip"] = "../tpu_v4_like_128x128.json";
  uint64_t chips = slices;
  nlohmann::json ja = nlohmann::json::array();
  for (const auto& a : axes) {
    nlohmann::json x = {{"name", a.name}, {"size", a.size}};
    if (kind == "torus") x["wraparound"] = a.wraparound;
    ja.push_back(x);
    chips *= a.size;
  }
  j["chips"] = chips;
  j["topology"] = {{"kind", kind}, {"axes", ja}};
  j["link"] = {{"bandwidth_gb_per_s", gb_per_s}, {"latency_ns", latency_ns}, {"links_per_neighbour", links_per_neighbour}};
  if (slices > 1)
    j["slices"] = {{"count", slices}, {"bandwidth_gb_per_s", dcn_gb_per_s}, {"latency_ns", dcn_latency_ns}};
  return j;
}

inline tpusim::arch::interconnect::Topology topology(const nlohmann::json& j) {
  return tpusim::arch::interconnect::Topology(tpusim::config::parse_system(j, "test.json"));
}

inline std::string preset(const std::string& name) {
  return std::string(TPUSIM_SOURCE_DIR) + "/configs/systems/" + name;
}

}  // namespace test_ic
