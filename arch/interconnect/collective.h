#pragma once
/// Collectives over groups of chips along named axes, their algorithms and their closed-form
/// times (README.md "Collectives" derives every formula).
#include <cstdint>
#include <string>
#include <vector>

#include "arch/interconnect/link_time.h"
#include "sim/base/enum_names.h"
#include "arch/interconnect/topology.h"

namespace tpusim::arch::interconnect {

enum class Collective { all_reduce, reduce_scatter, all_gather, all_to_all, broadcast, send_recv };
enum class Algorithm { ring, bidirectional_ring, torus, halving_doubling, tree, direct };

TPUSIM_ENUM_NAMES_BEGIN
/// Spellings (sim/base/enum_names.h): one table per enum, complete by construction.
constexpr const char* name_of(Collective v) {
  switch (v) {
    case Collective::all_reduce: return "all_reduce";
    case Collective::reduce_scatter: return "reduce_scatter";
    case Collective::all_gather: return "all_gather";
    case Collective::all_to_all: return "all_to_all";
    case Collective::broadcast: return "broadcast";
    case Collective::send_recv: return "send_recv";
  }
  return nullptr;
}

constexpr const char* name_of(Algorithm v) {
  switch (v) {
    case Algorithm::ring: return "ring";
    case Algorithm::bidirectional_ring: return "bidirectional_ring";
    case Algorithm::torus: return "torus";
    case Algorithm::halving_doubling: return "halving_doubling";
    case Algorithm::tree: return "tree";
    case Algorithm::direct: return "direct";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

const std::vector<std::string>& spellings_collective();  ///< enum_names<Collective>(), in enum order
const std::vector<std::string>& spellings_algorithm();   ///< enum_names<Algorithm>(), in enum order
std::string to_string(Collective c);
std::string to_string(Algorithm a);
/// The algorithms defined for a collective (the first is the usual choice).
const std::vector<Algorithm>& algorithms_for(Collective c);

/// One collective, run by every group of chips along `axes` at once (SPMD: an all-reduce over
/// "x" on an 8x4 system is 4 all-reduces of 8 chips).
struct CollectiveRequest {
  Collective op = Collective::all_reduce;
  /// Bytes per participant: all_reduce its buffer; reduce_scatter its input (each keeps bytes/p);
  /// all_gather its output (each starts with bytes/p); all_to_all its send buffer (bytes/p to
  /// each chip, itself included); broadcast and send_recv the message. At most 2^50.
  uint64_t bytes = 0;
  std::vector<std::string> axes;
  Algorithm algorithm = Algorithm::ring;
  /// Each transfer is sent as this many equal chunks, 1..256 (a pipelined broadcast forwards
  /// chunk by chunk; elsewhere chunks interleave transfers that share a link).
  uint32_t chunks = 1;
};

/// A request checked against a topology.
struct ResolvedCollective {
  CollectiveRequest request;
  std::vector<size_t> axes;    ///< the listed axes (indices into Topology::axes()), in order
  std::vector<size_t> active;  ///< those with more than one chip
  uint64_t participants = 1;   ///< chips per group, p
};

/// Checks the request (axes exist and differ, the algorithm is defined for the collective and fits
/// the group, sizes in range); InputError with a one-line message otherwise.
ResolvedCollective resolve(const Topology& topo, const CollectiveRequest& req);

/// The links a flattened group's closed form assumes: the slowest class among its axes (least
/// bandwidth; on a tie, most latency). The torus algorithm uses each axis' own class instead.
LinkClass group_link_class(const Topology& topo, const ResolvedCollective& r);

/// NVIDIA nccl-tests' bus-bandwidth factor: busbw = algbw x factor, algbw = bytes / time.
/// all_reduce 2(p-1)/p; reduce_scatter, all_gather, all_to_all (p-1)/p; broadcast, send_recv 1.
double bus_bandwidth_factor(Collective c, uint64_t p);

struct ClosedForm {
  TimePs time_ps = 0;
  uint64_t steps = 0;  ///< synchronous steps of the algorithm
};

/// The algorithm's closed-form time (README.md "Closed forms"). Exact for the congestion-aware
/// timeline whenever no two transfers of a step share a directed link, every transfer is one hop
/// and crosses the class of links the closed form assumes (CollectiveTiming::closed_form_exact()).
ClosedForm closed_form(const Topology& topo, const CollectiveRequest& req);

}  // namespace tpusim::arch::interconnect
