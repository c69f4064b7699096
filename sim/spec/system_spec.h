#pragma once
/// A system of chips (configs/systems/*.json): how many chips of which chip preset, the
/// interconnect topology with its named axes, the link parameters and an optional slower tier
/// between slices. Loaded strictly; keys and units in configs/systems/README.md. The interconnect
/// model (arch/interconnect) builds its topology from this spec.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/enum_names.h"
#include "sim/spec/arch_loader.h"

namespace tpusim::config {

/// How the chips are wired: a torus or mesh (neighbours along each axis, wraparound per axis), a
/// switch (every chip has its links to one switch), or fully connected (a link between every pair).
enum class TopologyKind { torus, switched, fully_connected };

TPUSIM_ENUM_NAMES_BEGIN
/// The spellings of /topology/kind (sim/base/enum_names.h).
constexpr const char* name_of(TopologyKind v) {
  switch (v) {
    case TopologyKind::torus: return "torus";
    case TopologyKind::switched: return "switch";
    case TopologyKind::fully_connected: return "fully_connected";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END
using tpusim::to_string;  // to_string(TopologyKind) for callers in any namespace (found by ADL)

/// One named axis of the chip grid. For a switch or fully connected topology the axes are logical
/// (they name groups of chips); only a torus axis has neighbours and wraparound.
struct AxisSpec {
  std::string name;
  uint32_t size = 1;
  bool wraparound = false;  ///< torus only; needs size >= 3 (a 2-chip axis has one neighbour)
};

/// One class of links. Bandwidths and latencies are kept exactly as integers (bytes per second,
/// picoseconds) so that the collective timelines can add them without rounding.
struct LinkSpec {
  double bandwidth_gb_per_s = 0;     ///< nominal one-way bandwidth of one link (GB = 1e9 bytes), as written
  double latency_ns = 0;             ///< per hop, first byte sent to first byte received, as written
  double efficiency = 1.0;           ///< fraction of the nominal bandwidth that collectives achieve, (0, 1]
  uint32_t links_per_neighbour = 1;  ///< parallel links to one neighbour (to the switch; per pair)
  /// Energy to carry one bit over one link, one hop (both ends: TX and RX), in pJ. Defaults are
  /// estimates (configs/systems/README.md "Link energy"): kIciPjPerBit, kDcnPjPerBit.
  double energy_pj_per_bit = 0;
  uint64_t bandwidth_bytes_per_s = 0;            ///< nominal, one link, one way
  uint64_t effective_bandwidth_bytes_per_s = 0;  ///< nominal x efficiency, rounded to a whole byte/s
  uint64_t latency_ps = 0;
};

/// Default link energies (estimates; configs/systems/README.md "Link energy" gives the sources):
/// an electrical chip-to-chip SerDes link of the 50-112 Gb/s generation, both ends ...
constexpr double kIciPjPerBit = 5.0;
/// ... and a data-centre network hop through two 400G optical modules (12 W each at 400 Gb/s).
constexpr double kDcnPjPerBit = 60.0;

/// The slower tier between slices (the data-centre network): `count` copies of the topology above,
/// joined by a switched network that every chip reaches through its host at `link`'s bandwidth.
/// The slices form an extra outermost axis named `axis`.
struct SliceTierSpec {
  uint32_t count = 1;
  std::string axis = "dcn";
  LinkSpec link;  ///< bandwidth per chip, one way; links_per_neighbour is always 1
};

struct SystemSpec {
  std::string file;    ///< the file it was loaded from ("" when built in code)
  std::string name = "unnamed";
  std::string source;
  std::string chip;       ///< the chip preset as written (a path relative to the system file)
  std::string chip_path;  ///< `chip` resolved against the system file's directory; not opened at load
  uint64_t chips = 0;     ///< all chips, every slice (= product of axis sizes x slice count)
  TopologyKind kind = TopologyKind::torus;
  std::vector<AxisSpec> axes;  ///< within one slice, slowest first (chip ids are row-major over them)
  LinkSpec link;
  std::optional<SliceTierSpec> slices;

  uint64_t chips_per_slice() const { return slices ? chips / slices->count : chips; }
};

/// Whether a JSON document is a system (it has "topology") rather than a chip architecture; for
/// commands that accept either.
bool is_system_document(const nlohmann::json& doc);

/// Parses and validates a system document; `file` is used in messages and to resolve `chip`.
SystemSpec parse_system(const nlohmann::json& doc, const std::string& file);

/// Loads a system from a JSON file, applying `--set` overrides first.
SystemSpec load_system_json(const std::string& path, const std::vector<Override>& overrides = {});

/// The effective system with defaults filled in (parsing it again gives the same spec).
nlohmann::json to_json(const SystemSpec& s);

/// Throws InputError naming the system file and /chip when the chip preset is missing: for the
/// callers that actually need the chip (loading is lazy, so a system whose chip preset is not
/// written yet still loads for its interconnect figures).
void require_chip_file(const SystemSpec& s);

}  // namespace tpusim::config
