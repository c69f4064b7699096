#pragma once
/// The architecture specification: parsed, validated and immutable once loaded. Defaults live
/// here, in the member initializers, and nowhere else: the parameter tables that read, echo and
/// document every key (sim/spec/arch_params.cpp) take them from a default-constructed struct.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/spec/fpga.h"
#include "sim/spec/types.h"

namespace tpusim {

/// Bounds the loader enforces (sim/spec/arch_params.cpp); importers check their input against
/// the same numbers so that their messages can name the line.
inline constexpr uint64_t kMaxArrayDim = 65536;   ///< PEs on a side: 2^16, far beyond any real array
inline constexpr uint64_t kMaxBytes = 1ULL << 50;  ///< any capacity: 1 PiB

/// The PEs' scratchpads under the row-stationary dataflow (`rs`): they bound how many filters and
/// channels one PE interleaves (sim/mapper/rs_plan.h). Defaults: Eyeriss v1's PE (Chen et al.,
/// JSSC 2017: filter, ifmap and partial-sum scratchpads of 224, 12 and 24 16-bit words).
struct RowStationaryConfig {
  uint32_t filter_spad_words = 224;  ///< weights a PE holds: p filters x q channels x S >= this
  uint32_t ifmap_spad_words = 12;    ///< ifmap values a PE holds: its window of q channels x S
  uint32_t psum_spad_words = 24;     ///< partial sums a PE holds: one per filter it interleaves (p)
  /// The planner takes the least DRAM traffic among mappings whose estimated time is within
  /// (1 + this) of the fastest (0: the fastest; sim/mapper/rs_plan.h).
  double time_slack = 0;
};

/// The systolic matrix unit. Instance name "array".
struct ArrayConfig {
  uint32_t rows = 32;                    ///< PE rows (the reduction side under WS)
  uint32_t cols = 32;                    ///< PE columns
  Dataflow dataflow = Dataflow::ws;      ///< which operand stays in the PEs
  ArrayModel model = ArrayModel::analytic;
  /// The next fold's stationary operand preloads behind the current fold (TPU v1: weights are
  /// double-buffered in the array).
  bool double_buffer_stationary = false;
  /// With double buffering: the next stationary tile shifts into the shadow registers right
  /// behind the previous tile's swap wave (row by row, as TPU v1's weight shifting), instead of
  /// waiting until that wave has passed the whole array.
  bool preload_follows_wave = false;
  /// With double buffering, when one buffer holds both the stationary and the streamed operand:
  /// the preload reads through the same ports as the stream, so the next fold's stream cannot
  /// start before that buffer has delivered this fold's streamed bytes and the next fold's
  /// stationary bytes at its ports x bytes_per_cycle_per_port.
  bool preload_shares_ports = false;
  uint32_t mac_latency_cycles = 1;       ///< cycles for a partial sum to pass one PE
  /// The next fold's operands enter while the current fold drains.
  bool overlap_folds = false;
  /// Cycle mode only: check the array's result against a reference GEMM.
  bool verify_results = true;
  /// Cycle mode only: refuse runs estimated above this many PE-cycles (0 = no limit).
  uint64_t max_pe_cycles = 50'000'000'000ULL;
  /// MACs one PE does per cycle along K (a p-wide dot product): a PE built for wide operands
  /// that packs p narrow ones (e.g. 2 for int4 on int8 multipliers). 1, 2, 4 or 8. The mapper
  /// executes ceil(K / p) reduction steps (sim/mapper/sparsity.h); energy and area count p MAC
  /// units per PE (sim/energy/README.md, "Quantization").
  uint32_t macs_per_pe_per_cycle = 1;
  /// The type the PEs multiply (TPUs: bf16). A stored input or weight type that differs is
  /// converted on the vector path before it enters the array (/vector/convert_in_elems_per_cycle).
  /// Unset: the PEs multiply the stored types.
  std::optional<DataType> native_type;
  /// How a conv2d's reduction is cut into folds under os, ws and is (not rs).
  ConvLowering conv_lowering = ConvLowering::im2col;
  RowStationaryConfig row_stationary;  ///< `rs` only
};

struct DataTypes {
  DataType input = DataType::int8;
  DataType weight = DataType::int8;
  DataType accumulator = DataType::int32;
  DataType output = DataType::int8;
};

/// The datatype a MAC is built and priced at: the wider operand (input on a tie).
DataType mac_datatype(const DataTypes& dt);

/// What a buffer holds. A buffer may hold several operand kinds (a unified buffer).
/// `sparse_core`: the scratchpad of the SparseCore-like unit (/sparse_core), which holds an
/// embedding_bag's indices, gathered rows and pooled rows and nothing of the dense ops.
enum class BufferRole { inputs, weights, outputs, accumulators, sparse_core };

/// SCALE-Sim's [run_presets] InterfaceBandwidth: CALC (no DRAM limit: what scalesim-v2 timing
/// reproduces) or USER (DRAM limited to Bandwidth; not reproduced).
enum class InterfaceBandwidth { calc, user };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(BufferRole v) {
  switch (v) {
    case BufferRole::inputs: return "inputs";
    case BufferRole::weights: return "weights";
    case BufferRole::outputs: return "outputs";
    case BufferRole::accumulators: return "accumulators";
    case BufferRole::sparse_core: return "sparse_core";
  }
  return nullptr;
}

constexpr const char* name_of(InterfaceBandwidth v) {
  switch (v) {
    case InterfaceBandwidth::calc: return "CALC";
    case InterfaceBandwidth::user: return "USER";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// One on-chip SRAM; its instance name is `name`.
struct BufferConfig {
  std::string name;
  std::vector<BufferRole> holds;
  uint64_t capacity_bytes = 0;
  uint32_t banks = 1;
  uint32_t ports = 1;
  uint64_t bytes_per_cycle_per_port = 64;
  bool double_buffered = true;  ///< half the capacity fills while the other half is used

  bool holds_role(BufferRole r) const;
};

/// The DMA engine between DRAM and the buffers. Instance name "dma".
struct DmaConfig {
  uint32_t channels = 2;          ///< descriptors in flight at once, for loads and for stores each
  uint64_t burst_bytes = 64;      ///< descriptors are split into bursts of this size
};

/// Off-chip memory. Instance name "dram".
struct DramConfig {
  /// A part preset from configs/dram/<preset>.json whose numbers become the defaults of the
  /// keys below ("" = none).
  std::string preset;
  std::string part = "custom";    ///< label of the part the numbers come from
  /// Channels; they are modelled as one bus of their summed bandwidth. Bank and row-buffer
  /// effects are not modelled: DMA moves whole tiles as long sequential streams that
  /// interleave across banks, where row activations hide behind the transfers.
  uint32_t channels = 1;
  double bandwidth_gb_per_s = 34; ///< sustained bandwidth of all channels, GB = 1e9 bytes
  double latency_ns = 100;        ///< added once per transfer, after its last byte crossed the bus
  /// The memory's own clock (its command clock: HBM2 at 2.0 Gb/s per pin, double data rate, is
  /// 1000 MHz), the domain access_latency_cycles counts in; 0 = not given.
  double clock_mhz = 0;
  /// Per transfer, in memory-clock cycles (tRCD + CL style: row activation to first data), added to
  /// latency_ns; converted to core cycles in one place (dram_latency_cycles). 0 = none.
  uint64_t access_latency_cycles = 0;
  uint64_t burst_bytes = 64;      ///< access granularity; transfers round up to it
  uint64_t capacity_bytes = 8ULL << 30;
  /// DRAM technology for energy per bit. When the config omits it, the loader takes the leading
  /// word of `part` if it names one ("ddr3-2133" -> ddr3), else the preset's, else this default.
  DramType type = DramType::ddr4;
  /// Run-length coding of the activations matrix layers load and store (sim/mapper/compression.h).
  ActivationCompression activation_compression = ActivationCompression::none;
};

/// The vector unit for non-matrix ops (activation, pooling, softmax, layernorm, add).
/// Instance name "vector".
struct VectorConfig {
  uint32_t lanes = 32;            ///< elements processed per cycle
  /// Elements per cycle per core of the vector path that turns a stored operand into the array's
  /// native type on its way in (only when /array/native_type differs from the stored type). The
  /// matrix units wait for it (the vector unit feeds them). 0 = no cost.
  double convert_in_elems_per_cycle = 0;
  /// Elements per cycle per core of the path that takes results from the accumulators to the
  /// output buffer at the output type (write-back), not overlapped with the matrix units. 0 = no
  /// cost (the write-back hides behind the array, as in every single-array preset).
  double writeback_elems_per_cycle = 0;
};

/// A SparseCore-like unit beside the cores (arch/chip/README.md, "SparseCore"): the engine that
/// runs embedding lookups, as TPU v4's four SparseCores do. Its tiles each issue their own row
/// gathers from the chip's DRAM (shared with the cores) into the scratchpad (the buffer holding
/// `sparse_core`) and pool the rows on their SIMD lanes. Instances "sparse_dma", "sparse_vector".
struct SparseCoreConfig {
  uint32_t count = 1;                     ///< SparseCores on the chip (TPU v4: 4)
  uint32_t tiles = 16;                    ///< tiles per SparseCore (TPU v4: 16)
  uint32_t simd_lanes = 8;                ///< lanes per tile (TPU v4: 8)
  uint32_t outstanding_rows_per_tile = 4; ///< row gathers each tile keeps in flight
  /// Row gathers in flight on the chip: every tile's.
  uint64_t gather_channels() const { return uint64_t(count) * tiles * outstanding_rows_per_tile; }
  /// Lane-operations per cycle of pooling: every tile's lanes.
  uint64_t lanes() const { return uint64_t(count) * tiles * simd_lanes; }
};

/// How the core's controller issues work (arch/control/README.md).
struct CoreConfig {
  /// Each layer starts when every instruction of the previous one has completed (the only mode
  /// before graph execution; it reproduces those numbers, and SCALE-Sim mode always runs so).
  /// Otherwise instructions issue across op boundaries as dependencies and buffer space allow.
  bool layer_barrier = false;
  /// Instructions each unit's queue holds (the DMA's load and store queues, the matrix unit's,
  /// the vector unit's): how far the controller can issue ahead of a unit.
  uint32_t queue_depth = 64;
  /// Default of a workload op's `fuse`: elementwise ops after a matrix op run as its epilogue on
  /// output tiles as they leave the array (not in barrier mode).
  bool fuse_epilogues = false;
  /// Matrix units in the core, each of /array's shape (TPU v4: 4 MXUs per TensorCore). They work
  /// on each fold together (a gang, arch/chip/README.md), split as /core/unit_split says.
  uint32_t matrix_units = 1;
  /// How a core's units share a fold: `cols` (side by side along the array's columns: each holds
  /// its own stationary tile, the streamed operand is broadcast to all), `rows` (stacked along the
  /// array's rows: they split the reduction and their partial sums are added), `stream` (each
  /// takes a share of the streamed rows with a copy of the same stationary tile), or `auto` (per
  /// op, the least estimated time, ties to the least traffic).
  UnitSplit unit_split = UnitSplit::auto_split;
};

/// The chip around the cores (arch/chip/README.md). Defaults: one core, no per-kernel cost, no
/// layout padding, which is every single-array preset.
struct ChipConfig {
  /// Cores (TensorCores), sharing each matrix op as core_split says. They share the chip's DRAM
  /// (/dram is the chip's HBM) and the buffers are the chip's total.
  uint32_t cores = 1;
  /// How the cores share a matrix op: `stream` (each its share of the streamed rows, with its own
  /// copy of every stationary tile: TPU v4's megacore split of M), `cols` (each its own output
  /// columns, so each stationary tile is fetched once, and a copy of the streamed operand each),
  /// or `auto` (per op, the least estimated time, ties to the least traffic).
  CoreSplit core_split = CoreSplit::auto_split;
  /// Fixed wall time of every kernel (op): launch, prologue, epilogue, synchronisation of the cores.
  double kernel_overhead_ns = 0;
  /// The hardware layout tile: each core's rows of the streamed operand are padded to a multiple
  /// of layout_rows, the array-side dimensions (reduction and output columns) to layout_lanes
  /// (TPU v4: (8, 128)). The padded elements cost time, not counted MACs.
  uint32_t layout_rows = 1;
  uint32_t layout_lanes = 1;
  /// The chip's published power envelope in watts (0 = not published): the report gives a run's
  /// average power beside it and flags a run above the maximum.
  double power_min_w = 0, power_mean_w = 0, power_max_w = 0;
};

/// Settings only SCALE-Sim v2 compatibility uses, from a SCALE-Sim `.cfg` (or an optional
/// "/scalesim" object). The native timing ignores them; the report echoes them so a run names
/// the SCALE-Sim setup it reproduces.
struct ScalesimOptions {
  std::string run_name = "scale_run";   ///< [general] run_name
  uint64_t ifmap_offset = 0;            ///< base word address of the ifmap in SCALE-Sim's traces
  uint64_t filter_offset = 10000000;    ///< base word address of the filter
  uint64_t ofmap_offset = 20000000;     ///< base word address of the ofmap
  /// [architecture_presets] Bandwidth: DRAM words per cycle, one entry per memory bank; empty
  /// when the .cfg does not give it (CALC mode never reads it).
  std::vector<uint64_t> bandwidth_words_per_cycle;
  uint32_t memory_banks = 1;            ///< [architecture_presets] MemoryBanks
  InterfaceBandwidth interface_bandwidth = InterfaceBandwidth::calc;  ///< [run_presets] InterfaceBandwidth
};

struct ArchConfig {
  std::string name = "unnamed";
  std::string source;             ///< where the numbers come from
  std::string file;               ///< the file it was loaded from (not part of the config)
  double clock_mhz = 1000;
  TimingMode timing = TimingMode::native;
  ArrayConfig array;
  DataTypes datatypes;
  std::vector<BufferConfig> buffers;
  DmaConfig dma;
  DramConfig dram;
  VectorConfig vector;
  CoreConfig core;
  ChipConfig chip;
  std::string energy_table = "energy/default_45nm.json";  ///< relative to the arch file
  /// Activations live on chip, as in TPU v1's unified buffer: the workload's first input is
  /// already in the buffer that holds inputs (the host put it there), and a layer's output
  /// stays in that buffer as the next layer's input when it fits (the buffer must hold both
  /// inputs and outputs); otherwise activations go through DRAM.
  bool activations_on_chip = false;
  std::optional<ScalesimOptions> scalesim;  ///< present when loaded from a .cfg or "/scalesim"
  /// Present for an accelerator built on an FPGA: its device, the primitive of each buffer
  /// (sim/spec/fpga.h). The resources are checked against the device when loading.
  std::optional<FpgaConfig> fpga;
  /// Present when the chip has a SparseCore-like unit: embedding_bag ops run on it.
  std::optional<SparseCoreConfig> sparse_core;

  /// The buffer that holds role r (validated: exactly one for inputs, weights and outputs).
  const BufferConfig* buffer_for(BufferRole r) const;
  /// DRAM bytes per core cycle.
  double dram_bytes_per_cycle() const { return bandwidth_bytes_per_s() / (clock_mhz * 1e6); }
  double bandwidth_bytes_per_s() const { return dram.bandwidth_gb_per_s * 1e9; }
  /// DRAM latency in core cycles: /dram/latency_ns plus /dram/access_latency_cycles of the memory
  /// clock (/dram/clock_mhz), summed in fractional core cycles and rounded up once (a partial cycle
  /// still costs a cycle; sim/spec/clock_domains.h).
  uint64_t dram_latency_cycles() const;
  /// PEs of one matrix unit.
  uint64_t pes_per_unit() const { return uint64_t(array.rows) * array.cols; }
  /// Matrix units on the chip: units per core x cores.
  uint64_t matrix_units() const { return uint64_t(core.matrix_units) * chip.cores; }
  /// The chip's PEs (every unit of every core).
  uint64_t pes() const { return pes_per_unit() * matrix_units(); }
  /// MACs one PE does per cycle in this timing mode: /array/macs_per_pe_per_cycle (p narrow MACs
  /// packed along K, sim/mapper/sparsity.h), or 1 in scalesim-v2 timing, whose PEs do one MAC per
  /// cycle whatever the option says (it is ignored there).
  uint32_t pe_macs_per_cycle() const { return timing == TimingMode::scalesim_v2 ? 1 : array.macs_per_pe_per_cycle; }
  /// The chip's peak MACs per cycle: pes() x pe_macs_per_cycle(). The rates derived from it (peak
  /// MAC/s, TOPS, ridge point) are in sim/metrics, shared by `describe` and the reports.
  uint64_t peak_macs_per_cycle() const { return pes() * pe_macs_per_cycle(); }
};

}  // namespace tpusim
