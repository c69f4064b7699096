// The checks of a whole architecture that no single key's range expresses (sim/spec/README.md):
// buffer roles, accumulator width, the gang's dataflow, the DRAM clock, the sections that
// exclude each other. The parameter tables (arch_params.cpp) run them after reading every key.
#include "sim/spec/arch_validate.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/spec/fpga_resources.h"

namespace tpusim::config {

namespace {

/// Each of inputs, weights and outputs is held by exactly one buffer, accumulators by at most one;
/// `sparse_core` by one buffer, holding nothing else, exactly when /sparse_core is present.
void validate_roles(const ObjectReader& r, ArchConfig& a) {
  for (BufferRole role : enum_values<BufferRole>()) {
    int n = 0;
    for (const auto& b : a.buffers) n += b.holds_role(role) ? 1 : 0;
    if (n > 1)
      fail_at(r.file(), "/buffers",
              fmt::format("\"{}\" is held by {} buffers; exactly one may hold it", to_string(role), n));
    if (role == BufferRole::sparse_core) {
      if (n == 0 && a.sparse_core)
        fail_at(r.file(), "/sparse_core", "needs its scratchpad: add a buffer that holds \"sparse_core\"");
      if (n == 1 && !a.sparse_core)
        fail_at(r.file(), "/buffers", "a buffer holds \"sparse_core\" but there is no /sparse_core unit");
      for (const auto& b : a.buffers)
        if (b.holds_role(role) && b.holds.size() > 1)
          fail_at(r.file(), "/buffers/" + pointer_escape(b.name) + "/holds",
                  "the SparseCore's scratchpad holds only \"sparse_core\"");
      continue;
    }
    if (n == 0 && role != BufferRole::accumulators)
      fail_at(r.file(), "/buffers",
              fmt::format("no buffer holds \"{}\"; add it to some buffer's \"holds\"", to_string(role)));
  }
}

bool is_integer_type(DataType t) {
  return t == DataType::int4 || t == DataType::int8 || t == DataType::int16 || t == DataType::int32;
}

/// An accumulator narrower than what it sums would wrap or round away the products: integer
/// products of a x b bits need a + b bits (int8 x int8 -> int16, so int32 holds 2^16 of them, as
/// TPU v1's 32-bit accumulators do); a float accumulator must be at least as wide as its inputs.
void validate_accumulator(const ObjectReader& r, const DataTypes& d) {
  const uint32_t in = bits_of(d.input), w = bits_of(d.weight), acc = bits_of(d.accumulator);
  if (is_integer_type(d.input) && is_integer_type(d.weight) && is_integer_type(d.accumulator) && acc < in + w)
    fail_at(r.file(), "/datatypes/accumulator",
            fmt::format("{} is narrower than the products it sums ({} x {}: {} bits); use int32 or wider",
                        to_string(d.accumulator), to_string(d.input), to_string(d.weight), in + w));
  if (!is_integer_type(d.accumulator) && acc < std::max(is_integer_type(d.input) ? 0u : in, is_integer_type(d.weight) ? 0u : w))
    fail_at(r.file(), "/datatypes/accumulator",
            fmt::format("{} is narrower than its inputs ({}, {}); use fp32", to_string(d.accumulator),
                        to_string(d.input), to_string(d.weight)));
}

/// A latency in memory cycles needs the memory's clock; a memory clock below 1 MHz is a mistake
/// (the slowest DRAM interfaces run at hundreds of MHz).
void validate_dram_clock(const ObjectReader& r, const DramConfig& d) {
  if (d.clock_mhz > 0 && d.clock_mhz < 1)
    fail_at(r.file(), "/dram/clock_mhz", fmt::format("must be 0 (not given) or at least 1 MHz, got {}", d.clock_mhz));
  if (d.access_latency_cycles > 0 && d.clock_mhz == 0)
    fail_at(r.file(), "/dram/clock_mhz",
            fmt::format("must be given (the memory clock, MHz) when /dram/access_latency_cycles is not 0 (got {} "
                        "cycles), got 0",
                        d.access_latency_cycles));
}

}  // namespace

void validate_arch(const ObjectReader& r, ArchConfig& a) {
  validate_accumulator(r, a.datatypes);
  if (a.timing == TimingMode::scalesim_v2 && a.scalesim && a.scalesim->interface_bandwidth == InterfaceBandwidth::user)
    fail_at(r.file(), "/scalesim/interface_bandwidth",
            "scalesim-v2 timing reproduces SCALE-Sim's CALC mode only, got \"USER\"; set it to \"CALC\", "
            "or set /timing to \"native\" to model the DRAM bandwidth");
  if (a.buffers.size() > 8)  // the program tracks SRAM traffic in fixed arrays (arch::kMaxBuffers)
    fail_at(r.file(), "/buffers", fmt::format("at most 8 buffers are supported, got {}", a.buffers.size()));
  validate_roles(r, a);
  // A gang of units shares each fold as the weight-stationary mapping lays it out (stream = the
  // rows of A); the register-level model steps one array.
  const char* gang_key = a.chip.cores > 1 ? "/chip/cores" : a.core.matrix_units > 1 ? "/core/matrix_units" : nullptr;
  if (gang_key && a.timing == TimingMode::native && a.array.dataflow != Dataflow::ws)
    fail_at(r.file(), gang_key,
            fmt::format("more than one matrix unit needs /array/dataflow \"ws\", got \"{}\"", to_string(a.array.dataflow)));
  if (gang_key && a.timing == TimingMode::native && a.array.model == ArrayModel::cycle)
    fail_at(r.file(), gang_key, "more than one matrix unit needs /array/model \"analytic\" (the cycle model steps one array)");
  if (a.fpga) validate_fpga(r.file(), a);
  if (a.sparse_core && a.activations_on_chip)
    fail_at(r.file(), "/sparse_core",
            "a SparseCore-like unit with /activations_on_chip true is not supported (its lookups read their indices "
            "from DRAM and write their pooled rows there); set /activations_on_chip false");
  validate_dram_clock(r, a.dram);
  if (a.array.native_type && a.vector.convert_in_elems_per_cycle == 0 &&
      (a.datatypes.input != *a.array.native_type || a.datatypes.weight != *a.array.native_type))
    fail_at(r.file(), "/vector/convert_in_elems_per_cycle",
            fmt::format("the stored types ({}, {}) differ from /array/native_type {}: give the conversion rate "
                        "(elements per cycle per core), got 0",
                        to_string(a.datatypes.input), to_string(a.datatypes.weight), to_string(*a.array.native_type)));
}

}  // namespace tpusim::config
