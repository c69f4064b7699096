#include "arch/interconnect/topology.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/base/error.h"
#include "sim/spec/json_reader.h"

namespace tpusim::arch::interconnect {

using config::TopologyKind;

std::string to_string(AxisFabric f) {
  switch (f) {
    case AxisFabric::ring: return "ring";
    case AxisFabric::line: return "line";
    case AxisFabric::switched: return "switch";
    case AxisFabric::full: return "fully_connected";
  }
  return "?";
}

namespace {

LinkClass link_class(const config::LinkSpec& l, uint32_t parallel) {
  return {l.effective_bandwidth_bytes_per_s * parallel, l.bandwidth_bytes_per_s * parallel, l.latency_ps,
          l.energy_pj_per_bit};
}

/// Neighbours of an interior chip along an axis of `size`: none, one, or one each way.
uint32_t degree(uint32_t size) { return size <= 1 ? 0 : size == 2 ? 1 : 2; }

}  // namespace

Topology::Topology(const config::SystemSpec& spec)
    : chips_(static_cast<uint32_t>(spec.chips)),
      per_slice_(static_cast<uint32_t>(spec.chips_per_slice())),
      kind_(spec.kind),
      links_per_neighbour_(spec.link.links_per_neighbour) {
  TPUSIM_ASSERT(spec.chips >= 1 && spec.chips <= (1ULL << 20), "chip count checked by the spec loader");
  ici_ = link_class(spec.link, spec.link.links_per_neighbour);
  if (spec.slices) {
    dcn_ = link_class(spec.slices->link, 1);
    axes_.push_back({spec.slices->axis, spec.slices->count, false, AxisFabric::switched, dcn_, true});
    first_topology_axis_ = 1;
  }
  for (const auto& a : spec.axes) {
    AxisFabric f = AxisFabric::switched;
    if (kind_ == TopologyKind::torus) f = a.wraparound ? AxisFabric::ring : AxisFabric::line;
    if (kind_ == TopologyKind::fully_connected) f = AxisFabric::full;
    axes_.push_back({a.name, a.size, a.wraparound, f, ici_, false});
  }
  strides_.assign(axes_.size(), 1);
  for (size_t i = axes_.size() - 1; i > 0; --i) strides_[i - 1] = strides_[i] * axes_[i].size;
  TPUSIM_ASSERT(static_cast<uint64_t>(strides_[0]) * axes_[0].size == chips_, "axes multiply to the chip count");

  const size_t n_topo = axes_.size() - first_topology_axis_;
  switch (kind_) {
    case TopologyKind::torus: ici_links_ = static_cast<size_t>(chips_) * n_topo * 2; break;
    case TopologyKind::switched: ici_links_ = static_cast<size_t>(chips_) * 2; break;
    case TopologyKind::fully_connected: ici_links_ = static_cast<size_t>(chips_) * chips_; break;
  }
  link_count_ = ici_links_ + (spec.slices ? static_cast<size_t>(chips_) * 2 : 0);
}

size_t Topology::axis_index(const std::string& name) const {
  std::vector<std::string> names;
  for (size_t i = 0; i < axes_.size(); ++i) {
    if (axes_[i].name == name) return i;
    names.push_back(axes_[i].name);
  }
  throw InputError(fmt::format("unknown axis \"{}\"; allowed: {}", name, config::join(names)));
}

uint32_t Topology::torus_link(uint32_t chip, size_t axis, bool plus) const {
  const size_t n_topo = axes_.size() - first_topology_axis_;
  return static_cast<uint32_t>((chip * n_topo + (axis - first_topology_axis_)) * 2 + (plus ? 0 : 1));
}

uint64_t Topology::link_bandwidth(uint32_t link) const {
  return link < ici_links_ ? ici_.bandwidth_bytes_per_s : dcn_.bandwidth_bytes_per_s;
}

TimePs Topology::link_latency_ps(uint32_t link) const {
  if (link >= ici_links_) return link - ici_links_ < chips_ ? dcn_.latency_ps : 0;  // up pays, down does not
  if (kind_ == TopologyKind::switched) return link < chips_ ? ici_.latency_ps : 0;
  return ici_.latency_ps;
}

size_t Topology::link_axis(uint32_t link) const {
  if (link >= ici_links_) return 0;  // the slice axis
  if (kind_ != TopologyKind::torus) return axes_.size();
  const size_t n_topo = axes_.size() - first_topology_axis_;
  return first_topology_axis_ + (link / 2) % n_topo;
}

std::string Topology::link_name(uint32_t link) const {
  if (link >= ici_links_) {
    const uint32_t i = static_cast<uint32_t>(link - ici_links_);
    return i < chips_ ? fmt::format("chip {} up to {}", i, axes_[0].name)
                      : fmt::format("{} down to chip {}", axes_[0].name, i - chips_);
  }
  switch (kind_) {
    case TopologyKind::torus: {
      const size_t n_topo = axes_.size() - first_topology_axis_;
      const uint32_t chip = static_cast<uint32_t>(link / 2 / n_topo);
      const size_t axis = link_axis(link);
      return fmt::format("chip {} {}{}", chip, axes_[axis].name, link % 2 == 0 ? "+" : "-");
    }
    case TopologyKind::switched:
      return link < chips_ ? fmt::format("chip {} up to switch", link) : fmt::format("switch down to chip {}", link - chips_);
    case TopologyKind::fully_connected: return fmt::format("chip {} to chip {}", link / chips_, link % chips_);
  }
  return "?";
}

void Topology::route_torus(uint32_t src, uint32_t dst, std::vector<uint32_t>& links) const {
  uint32_t cur = src;
  for (size_t a = first_topology_axis_; a < axes_.size(); ++a) {
    const uint32_t n = axes_[a].size;
    const uint32_t from = coord(cur, a);
    const uint32_t to = coord(dst, a);
    if (from == to) continue;
    bool plus = to > from;
    uint32_t hops = plus ? to - from : from - to;
    if (axes_[a].wraparound) {
      const uint32_t forward = (to + n - from) % n;
      plus = forward <= n - forward;
      hops = plus ? forward : n - forward;
    }
    for (uint32_t h = 0; h < hops; ++h) {
      links.push_back(torus_link(cur, a, plus));
      const uint32_t c = coord(cur, a);
      const uint32_t next = plus ? (c + 1) % n : (c + n - 1) % n;
      cur = cur - c * strides_[a] + next * strides_[a];
    }
  }
  TPUSIM_ASSERT(cur == dst, "torus route ends at its destination");
}

uint32_t Topology::route(uint32_t src, uint32_t dst, std::vector<uint32_t>& links) const {
  TPUSIM_ASSERT(src != dst && src < chips_ && dst < chips_, "a route joins two different chips");
  links.clear();
  if (src / per_slice_ != dst / per_slice_) {  // between slices: up and down the slower tier
    links.push_back(static_cast<uint32_t>(ici_links_ + src));
    links.push_back(static_cast<uint32_t>(ici_links_ + chips_ + dst));
    return 1;
  }
  switch (kind_) {
    case TopologyKind::torus: route_torus(src, dst, links); return static_cast<uint32_t>(links.size());
    case TopologyKind::switched:
      links.push_back(src);
      links.push_back(chips_ + dst);
      return 1;
    case TopologyKind::fully_connected: links.push_back(src * chips_ + dst); return 1;
  }
  return 0;
}

std::vector<std::vector<uint32_t>> Topology::groups(const std::vector<size_t>& axes) const {
  uint64_t p = 1;
  for (size_t a : axes) {
    TPUSIM_ASSERT(a < axes_.size(), "group axis exists");
    p *= axes_[a].size;
  }
  std::vector<std::vector<uint32_t>> out;
  out.reserve(chips_ / p);
  for (uint32_t base = 0; base < chips_; ++base) {
    bool is_base = true;
    for (size_t a : axes) is_base = is_base && coord(base, a) == 0;
    if (!is_base) continue;
    std::vector<uint32_t> g(p);
    for (uint64_t r = 0; r < p; ++r) {
      uint64_t rest = r;
      uint32_t chip = base;
      for (size_t i = axes.size(); i-- > 0;) {
        chip += static_cast<uint32_t>(rest % axes_[axes[i]].size) * strides_[axes[i]];
        rest /= axes_[axes[i]].size;
      }
      g[r] = chip;
    }
    out.push_back(std::move(g));
  }
  return out;
}

double Topology::injection_bandwidth_bytes_per_s() const {
  const double link = static_cast<double>(ici_.nominal_bytes_per_s);
  switch (kind_) {
    case TopologyKind::torus: {
      uint32_t neighbours = 0;
      for (size_t a = first_topology_axis_; a < axes_.size(); ++a) neighbours += degree(axes_[a].size);
      return neighbours * link;
    }
    case TopologyKind::switched: return per_slice_ > 1 ? link : 0.0;
    case TopologyKind::fully_connected: return (per_slice_ - 1) * link;
  }
  return 0.0;
}

double Topology::all_reduce_bandwidth_bytes_per_s() const { return injection_bandwidth_bytes_per_s() * chips_; }

double Topology::bisection_bandwidth_bytes_per_s() const {
  const double link = static_cast<double>(ici_.nominal_bytes_per_s);
  const double slices = static_cast<double>(chips_ / per_slice_);
  double best = std::numeric_limits<double>::infinity();
  switch (kind_) {
    case TopologyKind::torus:
      // Cut across axis a: every line along it loses one link each way, two with wraparound.
      for (size_t a = first_topology_axis_; a < axes_.size(); ++a) {
        if (axes_[a].size < 2) continue;
        const double lines = static_cast<double>(per_slice_ / axes_[a].size);
        best = std::min(best, lines * (axes_[a].wraparound ? 2 : 1) * link * slices);
      }
      break;
    case TopologyKind::switched:
      if (per_slice_ >= 2) best = std::min(best, (per_slice_ / 2) * link * slices);
      break;
    case TopologyKind::fully_connected:
      if (per_slice_ >= 2) best = std::min(best, double(per_slice_ / 2) * double(per_slice_ - per_slice_ / 2) * link * slices);
      break;
  }
  if (first_topology_axis_ == 1)  // half the slices send to the other half through their hosts
    best = std::min(best, double(axes_[0].size / 2) * per_slice_ * static_cast<double>(dcn_.nominal_bytes_per_s));
  return std::isinf(best) ? 0.0 : best;
}

}  // namespace tpusim::arch::interconnect
