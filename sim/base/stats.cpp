#include "sim/base/stats.h"

#include "sim/base/error.h"

namespace tpusim::stats {

const char* to_string(Unit u) {
  switch (u) {
    case Unit::cycles: return "cycles";
    case Unit::bytes: return "bytes";
    case Unit::count: return "count";
  }
  return "?";
}

Snapshot difference(const Snapshot& later, const Snapshot& earlier) {
  TPUSIM_ASSERT(later.values.size() == earlier.values.size(), "snapshots of different registries");
  Snapshot d;
  d.values.resize(later.values.size());
  for (size_t i = 0; i < d.values.size(); ++i) {
    TPUSIM_ASSERT(later.values[i] >= earlier.values[i], "a counter decreased");
    d.values[i] = later.values[i] - earlier.values[i];
  }
  return d;
}

void Registry::add(std::string name, Unit unit, std::string description, uint64_t* value) {
  TPUSIM_ASSERT(value != nullptr, "counter without storage: " + name);
  TPUSIM_ASSERT(!has(name), "counter registered twice: " + name);
  infos_.push_back({std::move(name), unit, std::move(description)});
  values_.push_back(value);
}

Snapshot Registry::snapshot() const {
  Snapshot s;
  s.values.reserve(values_.size());
  for (const uint64_t* v : values_) s.values.push_back(*v);
  return s;
}

void Registry::advance(const Snapshot& delta, uint64_t times) {
  TPUSIM_ASSERT(delta.values.size() == values_.size(), "a snapshot of another registry");
  for (size_t i = 0; i < values_.size(); ++i) {
    const unsigned __int128 next = static_cast<unsigned __int128>(delta.values[i]) * times + *values_[i];
    TPUSIM_ASSERT(next <= UINT64_MAX, "counter overflow: " + infos_[i].name);
    *values_[i] = static_cast<uint64_t>(next);
  }
}

bool Registry::has(const std::string& name) const {
  for (const auto& i : infos_)
    if (i.name == name) return true;
  return false;
}

size_t Registry::index(const std::string& name) const {
  for (size_t i = 0; i < infos_.size(); ++i)
    if (infos_[i].name == name) return i;
  throw InternalError("no counter named " + name);
}

}  // namespace tpusim::stats
