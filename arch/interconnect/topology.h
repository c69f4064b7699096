#pragma once
/// The chips of a system, their named axes, the directed links between them and the routes over
/// those links (README.md "Topology"). Pure C++, built from a config::SystemSpec.
#include <cstdint>
#include <string>
#include <vector>

#include "arch/interconnect/link_time.h"
#include "sim/spec/system_spec.h"

namespace tpusim::arch::interconnect {

/// What carries an axis' traffic: a torus axis with wraparound (a ring), one without (a line),
/// a switch (every chip's port to one switch; also the slower tier between slices), or a direct
/// link per pair.
enum class AxisFabric { ring, line, switched, full };
std::string to_string(AxisFabric f);

/// The timing parameters of one directed link, or of a route over a switch.
struct LinkClass {
  uint64_t bandwidth_bytes_per_s = 0;  ///< effective one-way bandwidth to one neighbour (all its parallel links)
  uint64_t nominal_bytes_per_s = 0;    ///< nominal one-way bandwidth to one neighbour, for the published figures
  TimePs latency_ps = 0;               ///< per hop
  double energy_pj_per_bit = 0;        ///< to carry one bit one hop (TX and RX), /link/energy_pj_per_bit
};

/// Energy of `bytes` carried over links of one class, one hop each: bytes x 8 x pJ/bit.
inline double link_energy_pj(double bytes, const LinkClass& link) { return bytes * 8.0 * link.energy_pj_per_bit; }

struct Axis {
  std::string name;
  uint32_t size = 1;
  bool wraparound = false;
  AxisFabric fabric = AxisFabric::line;
  LinkClass link;
  bool slice_axis = false;  ///< the slower tier between slices (the data-centre network)
};

class Topology {
 public:
  explicit Topology(const config::SystemSpec& spec);

  uint32_t chips() const { return chips_; }
  /// The slice axis first when there is one (it is the slowest), then the topology's axes in the
  /// order of the spec. Chip ids are row-major over these axes (the last axis fastest).
  const std::vector<Axis>& axes() const { return axes_; }
  /// The index of a named axis; InputError naming the allowed axes otherwise.
  size_t axis_index(const std::string& name) const;
  uint32_t coord(uint32_t chip, size_t axis) const { return (chip / strides_[axis]) % axes_[axis].size; }

  /// Directed links, numbered 0..link_count()-1 (some numbers of a mesh's edges are unused).
  size_t link_count() const { return link_count_; }
  uint64_t link_bandwidth(uint32_t link) const;
  /// Latency of a link; a switch route pays its latency on the way up and 0 on the way down.
  TimePs link_latency_ps(uint32_t link) const;
  /// The axis whose links these are (index into axes()), or axes().size() for the ports of a
  /// switch or the pair links of a full mesh, which every logical axis shares.
  size_t link_axis(uint32_t link) const;
  std::string link_name(uint32_t link) const;

  /// The route from `src` to `dst` (src != dst): dimension-order over the torus axes (the shorter
  /// way around a ring, + on a tie), up and down through a switch, the pair link of a full mesh,
  /// or up and down the slower tier between slices. Fills `links`; returns the hops that pay latency.
  uint32_t route(uint32_t src, uint32_t dst, std::vector<uint32_t>& links) const;

  /// The groups of chips along `axes` (indices into axes()): chips that differ only in those
  /// coordinates. Each group is in rank order, row-major over `axes` as listed (the last fastest);
  /// groups are in the order of their first chip.
  std::vector<std::vector<uint32_t>> groups(const std::vector<size_t>& axes) const;

  // Figures as Google states them (nominal bandwidths, one way, the fast tier unless noted).
  /// Bandwidth a chip with every neighbour sends, one way, over all its links.
  double injection_bandwidth_bytes_per_s() const;
  /// Google's pod "all-reduce bandwidth": injection bandwidth x chips.
  double all_reduce_bandwidth_bytes_per_s() const;
  /// One direction across the narrowest cut into two halves (either tier).
  double bisection_bandwidth_bytes_per_s() const;

 private:
  uint32_t chips_ = 0;
  uint32_t per_slice_ = 0;
  uint32_t first_topology_axis_ = 0;  ///< 1 with a slice axis, else 0
  config::TopologyKind kind_ = config::TopologyKind::torus;
  uint32_t links_per_neighbour_ = 1;
  std::vector<Axis> axes_;
  std::vector<uint32_t> strides_;
  LinkClass ici_;
  LinkClass dcn_;
  size_t ici_links_ = 0;   ///< link numbers below this are the fast tier's
  size_t link_count_ = 0;

  uint32_t torus_link(uint32_t chip, size_t axis, bool plus) const;
  void route_torus(uint32_t src, uint32_t dst, std::vector<uint32_t>& links) const;
};

}  // namespace tpusim::arch::interconnect
