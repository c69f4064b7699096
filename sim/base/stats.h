#pragma once
/// The stats registry: every module registers its counters once, with a unit and a description,
/// under its instance name ("top.dram.read_bytes"); a layer, an op or any region of a run is the
/// difference of two snapshots. Counters are plain 64-bit integers owned by the modules and
/// updated on their hot paths without any lookup; the registry only reads them when a snapshot is
/// taken (gem5's statistics::Group, SST's documented statistics). Derived figures (ratios, rates,
/// energies, busy times from bytes) are not counters: they are formulas evaluated when reports are
/// written (sim/metrics). A counter is an integer the module increments, never a fraction, so that
/// a run can be advanced by whole periods exactly (Registry::advance).
#include <cstdint>
#include <string>
#include <vector>

namespace tpusim::stats {

/// Unit of a counter, written in reports and `describe`.
enum class Unit { cycles, bytes, count };
const char* to_string(Unit u);

struct CounterInfo {
  std::string name;         ///< full instance path: "<module instance>.<counter>"
  Unit unit = Unit::count;
  std::string description;  ///< one line: what is counted, and when
};

/// Values of every registered counter at one moment, in registration order.
struct Snapshot {
  std::vector<uint64_t> values;
};

/// `later - earlier`, counter by counter (counters never decrease).
Snapshot difference(const Snapshot& later, const Snapshot& earlier);

class Registry {
 public:
  /// Registers the counter at `value` (the owner keeps it alive while the registry is used) under
  /// `name`; InternalError if the name is taken.
  void add(std::string name, Unit unit, std::string description, uint64_t* value);
  /// Adds `times` x `delta` to every counter: the periodic fast-forward accounts for the periods
  /// it skips (arch/control/README.md).
  void advance(const Snapshot& delta, uint64_t times);

  Snapshot snapshot() const;
  /// The counter at index i now.
  uint64_t value(size_t i) const { return *values_[i]; }
  size_t size() const { return infos_.size(); }
  const std::vector<CounterInfo>& infos() const { return infos_; }
  /// Index of the counter `name` (for consumers that pick counters once, not on hot paths);
  /// InternalError if it is not registered.
  size_t index(const std::string& name) const;
  bool has(const std::string& name) const;

 private:
  std::vector<CounterInfo> infos_;
  std::vector<uint64_t*> values_;
};

}  // namespace tpusim::stats
