// The architecture's parameter tables: every key of an architecture file, once. Descriptions
// are what configs/README.md and `tpusim describe --params` print (markdown allowed).
#include "sim/spec/arch_params.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "sim/base/data_dir.h"
#include "sim/spec/arch_validate.h"

namespace tpusim::config {

namespace {

using params::Echo;
using params::ParamInfo;
using params::Table;

const Table<RowStationaryConfig>& row_stationary_params() {
  static const Table<RowStationaryConfig> t = [] {
    Table<RowStationaryConfig> t("row_stationary",
                                 "the PEs' scratchpads under `rs` (defaults: Eyeriss v1's PE, Chen et al., JSSC 2017)");
    using R = RowStationaryConfig;
    t.integer("filter_spad_words", &R::filter_spad_words, 1, 1u << 20, "words",
              "weights one PE holds: the p filters x q channels x S weights of a filter row it interleaves (Eyeriss: "
              "224 x 16 b)");
    t.integer("ifmap_spad_words", &R::ifmap_spad_words, 1, 1u << 20, "words",
              "ifmap values one PE holds: its sliding window of q channels x S (Eyeriss: 12 x 16 b); a filter "
              "wider than this cannot run under `rs`");
    t.integer("psum_spad_words", &R::psum_spad_words, 1, 1u << 20, "words",
              "partial sums one PE holds: one per filter it interleaves, p (Eyeriss: 24 x 16 b)");
    t.non_negative("time_slack", &R::time_slack, 1.0, "ratio",
             "mapping choice: the least DRAM traffic among the mappings whose estimated time is within (1 + this) of "
             "the fastest, standing in for Eyeriss's least-energy mapping search (a DRAM access costs about 200 MACs, "
             "Chen et al., ISCA 2016); 0 takes the fastest, ties by least traffic (sim/mapper/README.md)");
    return t;
  }();
  return t;
}

const Table<ArrayConfig>& array_params() {
  static const Table<ArrayConfig> t = [] {
    Table<ArrayConfig> t("array", "the matrix unit (instance `array`)");
    using A = ArrayConfig;
    t.integer("rows", &A::rows, 1, kMaxArrayDim, "PEs",
              "PE rows: the reduction (K) side under `ws` and `is`, M under `os`");
    t.integer("cols", &A::cols, 1, kMaxArrayDim, "PEs", "PE columns: N under `ws` and `os`, M under `is`");
    t.choice("dataflow", &A::dataflow,
             "which operand stays in the PEs: outputs, weights or inputs, or `rs` (row stationary, Eyeriss: rows of "
             "filters in the PEs' scratchpads, processing passes of PE sets; `sim/mapper/rs_plan.h`) (see "
             "`arch/matrix/timing/DERIVATION.md`)");
    t.choice("model", &A::model,
             "`analytic`: closed-form tile latency; `cycle`: the same run, and every layer's folds are also stepped "
             "through the register-level PE-array model (the reference the analytic model is proven against; a fold "
             "whose times or labels differ is exit 3). Needs int inputs with an int32 accumulator or bf16/fp16/fp32 "
             "inputs with fp32, and `macs_per_pe_per_cycle` 1; enables `run --vcd FILE` for arrays up to 16x16 "
             "(`arch/matrix/README.md`)");
    t.boolean("double_buffer_stationary", &A::double_buffer_stationary,
              "the next fold's stationary operand preloads behind the current fold (TPU v1's double-buffered weights)");
    t.boolean("preload_follows_wave", &A::preload_follows_wave,
              "with `double_buffer_stationary`: the next stationary tile shifts into the shadow registers right "
              "behind the previous tile's swap wave (row by row, as TPU v1's weight shifting) instead of after that "
              "wave has passed the whole array: a fold period becomes `max(s, R)` instead of "
              "`max(s, R + c - 1 + (r-1)L)` (arch/matrix/timing/DERIVATION.md). No effect on `os`");
    t.boolean("preload_shares_ports", &A::preload_shares_ports,
              "with `double_buffer_stationary`, when one buffer holds both the stationary and the streamed operand "
              "(TPU VMEM: inputs and weights): the next fold's preload reads through that buffer's ports beside the "
              "current fold's stream, so the next fold's stream starts no earlier than the current one's start plus "
              "(its streamed bytes + the next fold's stationary bytes) / (ports x `bytes_per_cycle_per_port`), all "
              "units and cores together (`arch/matrix/README.md`). Echoed only when not the default")
        .echo(Echo::unless_default);
    t.integer("mac_latency_cycles", &A::mac_latency_cycles, 1, 64, "cycles",
              "cycles for a partial sum to pass one PE");
    t.boolean("overlap_folds", &A::overlap_folds, "the next fold's operands enter while the current fold drains");
    t.boolean("verify_results", &A::verify_results,
              "`cycle` model only: check each fold's output tile (pseudo-random operands of `/datatypes`) against a "
              "reference; a difference is exit 3");
    t.integer("max_pe_cycles", &A::max_pe_cycles, 0, UINT64_MAX, "PE-cycles",
              "`cycle` model only: refuse runs estimated above this many PE-cycles (closed-form cycles of every "
              "matrix layer with operands ready, x rows x cols); 0 = no limit");
    t.integer_of("macs_per_pe_per_cycle", &A::macs_per_pe_per_cycle, {1, 2, 4, 8}, "MACs",
                 "MACs one PE does per cycle along K (narrow operands packed into a wide multiplier, e.g. 2 for int4 "
                 "on int8). The mapper runs ceil(K / p) reduction steps; energy and area count p MAC units per PE");
    t.optional_choice("native_type", &A::native_type,
                      "the type the PEs multiply (TPUs: `bf16`); a stored input or weight type that differs is converted "
                      "on the vector path on its way in, at `/vector/convert_in_elems_per_cycle` "
                      "(`arch/chip/README.md`). Absent: the PEs multiply the stored types")
        .default_text("absent (the stored types)");
    t.choice("conv_lowering", &A::conv_lowering,
             "how a `conv2d` becomes folds under `os`, `ws` and `is`: `im2col` reduces over K = kernel_h x kernel_w "
             "x in_c / groups in one piece; `channels_on_rows` reduces over each kernel position's in_c / groups "
             "channels in folds of their own, one kernel position at a time, as Gemmini does (Genc et al., DAC "
             "2021; its `LoopConv`): a layer with few channels then uses few rows. No effect under `rs`, which "
             "lowers convolutions by filter rows; echoed only when not the default")
        .echo(Echo::unless_default);
    t.object("row_stationary", &A::row_stationary, row_stationary_params(),
             "`rs` only: the PEs' scratchpads, which bound the filters and channels a PE interleaves; echoed in "
             "reports only when it differs from the defaults")
        .echo(Echo::unless_default);
    return t;
  }();
  return t;
}

const Table<DataTypes>& datatype_params() {
  static const Table<DataTypes> t = [] {
    Table<DataTypes> t("datatypes", "element types");
    t.choice("input", &DataTypes::input, "activations (GEMM operand A)");
    t.choice("weight", &DataTypes::weight, "weights (GEMM operand B)");
    t.choice("accumulator", &DataTypes::accumulator,
             "partial sums (in the accumulators buffer, or in the outputs buffer when there is none); an integer "
             "accumulator of integer products needs at least input + weight bits, a float one is at least as wide as "
             "its float inputs");
    t.choice("output", &DataTypes::output, "results written back (GEMM C)");
    return t;
  }();
  return t;
}

const Table<BufferConfig>& buffer_params() {
  static const Table<BufferConfig> t = [] {
    Table<BufferConfig> t("buffers", "on-chip SRAMs (instance `<name>`)");
    using B = BufferConfig;
    t.choice_set("holds", &B::holds, "what the buffer holds").required();
    t.integer("capacity_bytes", &B::capacity_bytes, 1, kMaxBytes, "bytes", "capacity").required();
    t.integer("banks", &B::banks, 1, 4096, "", "number of banks (echoed; bank conflicts are not modelled)");
    t.integer("ports", &B::ports, 1, 64, "",
              "number of ports; the buffer's bandwidth is ports x `bytes_per_cycle_per_port`");
    t.integer("bytes_per_cycle_per_port", &B::bytes_per_cycle_per_port, 1, 1ULL << 24, "bytes/cycle",
              "port width. Timing: DMA fills and drains of the buffer occupy its ports on a busy-until timeline at "
              "ports x this many bytes per cycle (`arch/memory/sram_buffer.h`), so loads and stores to one buffer "
              "contend. Energy: accesses are priced at a width of 8 x this many bits");
    t.boolean("double_buffered", &B::double_buffered, "half the space fills while the other half is used");
    return t;
  }();
  return t;
}

const Table<DmaConfig>& dma_params() {
  static const Table<DmaConfig> t = [] {
    Table<DmaConfig> t("dma", "the DMA engine (instance `dma`)");
    t.integer("channels", &DmaConfig::channels, 1, 1024, "",
              "descriptors in flight at once. Loads and stores are served separately, each with up to this many "
              "outstanding (`arch/memory/dma_engine.cpp`); one more waits for the oldest to finish");
    t.integer("burst_bytes", &DmaConfig::burst_bytes, 1, 1ULL << 24, "bytes",
              "descriptors are split into bursts of this size; counted in the DMA's `bursts` stat (the bus time is "
              "rounded by `/dram/burst_bytes`)");
    return t;
  }();
  return t;
}

/// The DRAM part presets shipped in configs/dram/, by name.
std::vector<std::string> dram_presets() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dram_preset_dir(), ec))
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Fills `d` from a preset file (strict, like every config file).
void apply_dram_preset(DramConfig& d, const std::string& name) {
  const std::string path = (std::filesystem::path(dram_preset_dir()) / (name + ".json")).string();
  DramPresetFile p;
  dram_preset_params().read(load_json_file(path), path, "", p);
  d.preset = name;
  d.part = p.part;
  d.type = p.type;
  d.channels = p.channels;
  d.bandwidth_gb_per_s = p.bandwidth_gb_per_s_per_channel * p.channels;
  d.latency_ns = p.latency_ns;
  d.burst_bytes = p.burst_bytes;
  d.capacity_bytes = p.capacity_bytes_per_channel * p.channels;
}

/// /dram/preset: the preset's numbers become the defaults of the keys after it.
void read_dram_preset(ObjectReader& r, DramConfig& d, const ParamInfo& p) {
  const auto names = dram_presets();
  if (names.empty())
    r.fail(p.key, fmt::format("no DRAM presets found in {} (is tpusim installed with its configs? {} overrides the "
                              "data directory)",
                              dram_preset_dir(), kDataDirVariable));
  apply_dram_preset(d, names[r.choice(p.key, names)]);
  // Channels scale a preset's bandwidth and capacity unless those are given too (read after).
  if (r.has("channels")) {
    const uint32_t ch = static_cast<uint32_t>(r.u64("channels", 1, 1024));
    d.bandwidth_gb_per_s = d.bandwidth_gb_per_s / d.channels * ch;
    d.capacity_bytes = d.capacity_bytes / d.channels * ch;
    d.channels = ch;
  }
}

/// /dram/type absent: the leading word of the part label, when it names a type ("ddr3-2133 x2"
/// -> ddr3); else the preset's type or the default.
void infer_dram_type(ObjectReader&, DramConfig& d) {
  std::string lead;
  for (char c : d.part) {
    if (!std::isalnum(static_cast<unsigned char>(c))) break;
    lead += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (const auto t = enum_from_name<DramType>(lead)) d.type = *t;
}

const Table<DramConfig>& dram_params() {
  static const Table<DramConfig> t = [] {
    Table<DramConfig> t("dram", "off-chip memory (instance `dram`)");
    using D = DramConfig;
    ParamInfo preset;
    preset.key = "preset";
    preset.type = "string";
    preset.allowed = "a file name (without `.json`) in `configs/dram/`";
    preset.description =
        "a DRAM part whose numbers become the defaults of every key below (see \"DRAM part presets\")";
    preset.default_text = "none";
    preset.echo = Echo::unless_empty;
    t.custom(preset, &read_dram_preset, [](const D& d) { return json(d.preset); });
    t.string("part", &D::part, "", "label of the part the numbers come from").default_note("(a preset's `part`)");
    t.integer("channels", &D::channels, 1, 1024, "",
              "channels, modelled as one bus of their summed bandwidth (bank and row-buffer effects are not "
              "modelled). With a preset, giving `channels` scales the preset's bandwidth and capacity by channels / "
              "the preset's channels, unless those keys are given too")
        .default_note("(a preset's)");
    // Above 1 MB/s: the slowest DRAM interface (a single LPDDR x8 channel) moves about 1 GB/s;
    // the floor refuses mistakes such as 1e-12, which ran into 5.7e16 cycles.
    t.number("bandwidth_gb_per_s", &D::bandwidth_gb_per_s, 1e-3, 1e6, "GB/s (1e9 B/s)",
             "sustained bandwidth, shared by all transfers (one bus, busy-until); bytes per core cycle = this x 1e9 / "
             "(clock_mhz x 1e6)")
        .default_note("(a preset's channels x per-channel bandwidth)");
    t.non_negative("latency_ns", &D::latency_ns, 1e6, "ns",
                   "access latency, added once per DMA transfer after its last byte crosses the bus; in cycles = "
                   "ceil(latency_ns x clock_mhz / 1000); 0 is an ideal memory")
        .default_note("(a preset's)");
    t.non_negative("clock_mhz", &D::clock_mhz, 1e5, "MHz",
                   "the memory's own (command) clock, the domain of `access_latency_cycles` (HBM2 at 2.0 Gb/s per "
                   "pin, double data rate: 1000 MHz); 0 = not given. Echoed only when not the default")
        .echo(Echo::unless_default);
    t.integer("access_latency_cycles", &D::access_latency_cycles, 0, 1 << 20, "memory-clock cycles",
              "per transfer, row activation to first data (tRCD + CL style) in cycles of `clock_mhz`, added to "
              "`latency_ns`: latency in core cycles = ceil(latency_ns x clock_mhz(core) / 1000 + this x "
              "clock_mhz(core) / /dram/clock_mhz), one rounding (`sim/spec/clock_domains.h`). Needs `/dram/clock_mhz`. "
              "0 = none (the presets' `latency_ns` already holds their whole latency). Echoed only when not the default")
        .echo(Echo::unless_default);
    t.integer("burst_bytes", &D::burst_bytes, 1, 1ULL << 24, "bytes",
              "access granularity: each transfer's bus time is rounded up to whole bursts")
        .default_note("(a preset's)");
    t.integer("capacity_bytes", &D::capacity_bytes, 1, kMaxBytes, "bytes",
              "capacity (echoed; not checked against the workload yet)")
        .default_note("(8 GiB; a preset's channels x per-channel capacity)");
    t.choice("type", &D::type,
             "technology, selects the energy per bit. When absent: the leading alphanumeric word of `/dram/part`, "
             "lower-cased, if it is one of these (`\"ddr3-2133 x2\"` -> `ddr3`, `\"HBM2 stack\"` -> `hbm2`), else "
             "the preset's type, else the default")
        .default_note("(or inferred: see meaning)")
        .when_absent(&infer_dram_type);
    t.choice("activation_compression", &D::activation_compression,
             "`rlc`: the activations a matrix layer loads and the outputs it stores cross the link run-length coded "
             "as on Eyeriss (Chen et al., JSSC 2017, V.C): 64-bit words of (5-bit zero run, value) pairs, 3 pairs of "
             "16-bit values; bytes from the layer's `activation_density` and `output_density`, a transfer sent raw "
             "when coding would not shrink it (`sim/mapper/compression.h`). Weights and partial sums are sent raw. "
             "Echoed only when not the default")
        .echo(Echo::unless_default);
    return t;
  }();
  return t;
}

const Table<VectorConfig>& vector_params() {
  static const Table<VectorConfig> t = [] {
    Table<VectorConfig> t("vector", "the vector unit (instance `vector`)");
    t.integer("lanes", &VectorConfig::lanes, 1, 1u << 20, "lane-ops/cycle",
              "lane-operations per cycle; a vector layer of N lane-operations takes ceil(N / lanes) cycles per chunk "
              "(lane-operation counts per op: `workloads/README.md`)");
    t.non_negative("convert_in_elems_per_cycle", &VectorConfig::convert_in_elems_per_cycle, 1e9, "elements/cycle",
                   "per core: rate of the vector path that converts the streamed operand from its stored type to "
                   "`/array/native_type` before it enters the matrix units, which wait for it (the vector unit feeds "
                   "them); 0 = no cost. Only when the types differ (`arch/chip/README.md`)");
    t.non_negative("writeback_elems_per_cycle", &VectorConfig::writeback_elems_per_cycle, 1e9, "elements/cycle",
                   "per core: rate of the path that takes a matrix op's results from the accumulators to the output "
                   "buffer at the output type, not overlapped with the matrix units; 0 = no cost (hidden behind the "
                   "array, as in every single-array preset) (`arch/chip/README.md`)");
    return t;
  }();
  return t;
}

const Table<CoreConfig>& core_params() {
  static const Table<CoreConfig> t = [] {
    Table<CoreConfig> t("core", "the core's controller (instance `controller`)");
    t.boolean("layer_barrier", &CoreConfig::layer_barrier,
              "each layer starts when every instruction of the previous one has completed, as before graph "
              "execution (its numbers are reproduced; SCALE-Sim mode always runs so); otherwise instructions issue "
              "across op boundaries as dependencies and buffer space allow: the next layer's weights stream in while "
              "this one computes (`arch/control/README.md`)");
    t.integer("queue_depth", &CoreConfig::queue_depth, 1, 1u << 20, "instructions",
              "instructions each unit's queue holds (DMA loads, DMA stores, matrix unit, vector unit): how far the "
              "in-order controller issues ahead of a unit before it waits");
    t.boolean("fuse_epilogues", &CoreConfig::fuse_epilogues,
              "default of each workload op's `fuse`: a relu, gelu, scale or bias add after a matrix op runs on the "
              "vector unit as that op's epilogue, on output tiles as they leave the array, instead of a pass "
              "through memory (`workloads/README.md`); not in barrier mode");
    t.integer("matrix_units", &CoreConfig::matrix_units, 1, 256, "units",
              "matrix units in the core, each of `/array`'s shape (TPU v4: 4 MXUs per TensorCore); they work on each "
              "fold together as `unit_split` says (`arch/chip/README.md`). More than 1 needs `/array/dataflow` `ws` "
              "and `/array/model` `analytic`");
    t.choice("unit_split", &CoreConfig::unit_split,
             "how the core's units share a fold: `cols` (each its own stationary tile, the streamed operand broadcast "
             "to all), `rows` (they split the reduction; partial sums added), `stream` (each a share of the streamed "
             "rows, a copy of the same stationary tile), `auto` (per op: least estimated time, ties to least traffic)");
    return t;
  }();
  return t;
}

const Table<ChipConfig>& chip_params() {
  static const Table<ChipConfig> t = [] {
    Table<ChipConfig> t("chip", "the chip around the cores (`arch/chip/README.md`)");
    t.integer("cores", &ChipConfig::cores, 1, 256, "cores",
              "cores (TensorCores); they share each matrix op as `core_split` says, and `/dram` (the chip's HBM); "
              "`/buffers` are the chip's total. More than 1 needs `/array/dataflow` `ws` and `/array/model` "
              "`analytic`");
    t.choice("core_split", &ChipConfig::core_split,
             "how the cores share a matrix op: `stream` (each its share of the streamed rows, M, with its own copy of "
             "every stationary tile: TPU v4's megacore split, profiler `megacore_split_dim 0`), `cols` (each its own "
             "output columns, N: each stationary tile fetched once, the streamed operand read by every core), `auto` "
             "(per op: least estimated time, ties to least traffic; `arch/chip/README.md`); echoed only when not the "
             "default")
        .echo(Echo::unless_default);
    t.non_negative("kernel_overhead_ns", &ChipConfig::kernel_overhead_ns, 1e9, "ns",
                   "fixed wall time of every kernel (each op that is not fused into another): launch, prologue, "
                   "epilogue, synchronisation of the cores; kernels pay it one after another");
    t.integer("layout_rows", &ChipConfig::layout_rows, 1, 65536, "elements",
              "each core's rows of the streamed operand are padded to a multiple of this (TPU v4: 8, the sublanes "
              "of the (8, 128) layout tile); padding costs time, not counted MACs");
    t.integer("layout_lanes", &ChipConfig::layout_lanes, 1, 65536, "elements",
              "the reduction and output-column dimensions are padded to a multiple of this (TPU v4: 128 lanes)");
    t.non_negative("power_min_w", &ChipConfig::power_min_w, 1e6, "W",
                   "published minimum power of the chip (TPU v4: 90 W); 0 = not published");
    t.non_negative("power_mean_w", &ChipConfig::power_mean_w, 1e6, "W",
                   "published mean power of the chip (TPU v4: 170 W); 0 = not published");
    t.non_negative("power_max_w", &ChipConfig::power_max_w, 1e6, "W",
                   "published maximum power (TPU v4: 192 W); a run whose average power "
                   "(`totals.average_power_w`) is above it is flagged in the report "
                   "(`totals.power_envelope_w.above_max`); 0 = not published");
    return t;
  }();
  return t;
}

const Table<SparseCoreConfig>& sparse_core_params() {
  static const Table<SparseCoreConfig> t = [] {
    Table<SparseCoreConfig> t("sparse_core", "a SparseCore-like unit for embedding lookups (`arch/chip/README.md`)");
    using S = SparseCoreConfig;
    t.integer("count", &S::count, 1, 64, "units",
              "SparseCores on the chip (TPU v4: 4, v5p: 4, v6e: 2; OpenXLA's SparseCore guide); each embedding_bag op "
              "runs on them, its gathers sharing `/dram` with the cores");
    t.integer("tiles", &S::tiles, 1, 1024, "tiles",
              "tiles per SparseCore (TPU v4: 16), each issuing its own row gathers and pooling its rows");
    t.integer("simd_lanes", &S::simd_lanes, 1, 1024, "lanes",
              "SIMD lanes per tile (TPU v4: 8 f32); pooling takes ceil(lane-ops / (count x tiles x simd_lanes)) "
              "cycles per chunk");
    t.integer("outstanding_rows_per_tile", &S::outstanding_rows_per_tile, 1, 4096, "accesses",
              "row gathers a tile keeps in flight; the unit's DMA holds count x tiles x this many accesses at once "
              "(estimate: not published)");
    return t;
  }();
  return t;
}

const Table<ScalesimOptions>& scalesim_params() {
  static const Table<ScalesimOptions> t = [] {
    Table<ScalesimOptions> t("scalesim", "SCALE-Sim compatibility settings");
    using S = ScalesimOptions;
    t.string("run_name", &S::run_name, "", "`[general] run_name`");
    t.integer("ifmap_offset", &S::ifmap_offset, 0, UINT64_MAX, "words",
              "base address of the ifmap in SCALE-Sim's traces");
    t.integer("filter_offset", &S::filter_offset, 0, UINT64_MAX, "words", "base address of the filter");
    t.integer("ofmap_offset", &S::ofmap_offset, 0, UINT64_MAX, "words", "base address of the ofmap");
    t.integer_list("bandwidth_words_per_cycle", &S::bandwidth_words_per_cycle, 1, 1ULL << 32, "words/cycle",
                   "`[architecture_presets] Bandwidth`, one entry per memory bank (CALC mode never reads it)");
    t.integer("memory_banks", &S::memory_banks, 1, 4096, "", "`[architecture_presets] MemoryBanks`");
    t.choice("interface_bandwidth", &S::interface_bandwidth,
             "`[run_presets] InterfaceBandwidth`. `scalesim-v2` timing reproduces CALC only; `USER` with `/timing` "
             "`scalesim-v2` is an error");
    return t;
  }();
  return t;
}

}  // namespace

std::string dram_preset_dir() { return shipped_config("dram").string(); }

const Table<DramPresetFile>& dram_preset_params() {
  static const Table<DramPresetFile> t = [] {
    Table<DramPresetFile> t("dram_preset", "a DRAM part preset file (configs/dram/<preset>.json)");
    using P = DramPresetFile;
    t.string("part", &P::part, "", "label of the part (becomes `/dram/part`)").required();
    t.choice("type", &P::type, "technology (becomes `/dram/type`)").required();
    t.string("source", &P::source, "", "the standard or datasheet the numbers come from, and which are estimates")
        .required();
    t.number("bandwidth_gb_per_s_per_channel", &P::bandwidth_gb_per_s_per_channel, 1e-3, 1e6, "GB/s (1e9 B/s)",
             "sustained bandwidth of one channel").required();
    t.integer("channels", &P::channels, 1, 1024, "", "channels of the part").required();
    t.non_negative("latency_ns", &P::latency_ns, 1e6, "ns", "access latency").required();
    t.integer("burst_bytes", &P::burst_bytes, 1, 1ULL << 24, "bytes", "access granularity").required();
    t.integer("capacity_bytes_per_channel", &P::capacity_bytes_per_channel, 1, kMaxBytes, "bytes",
              "capacity of one channel").required();
    return t;
  }();
  return t;
}

const Table<ArchConfig>& arch_params() {
  static const Table<ArchConfig> t = [] {
    Table<ArchConfig> t("top", "top level");
    using A = ArchConfig;
    t.string("name", &A::name, "", "label echoed in reports and tables");
    t.string("source", &A::source, "",
             "where the numbers come from (every shipped preset has one); omitted from the echo when empty")
        .echo(Echo::unless_empty);
    t.ignored_string("notes", "free text for humans; ignored and not echoed");
    // Above 1 kHz: the slowest clocked accelerators (FPGA prototypes) run at tens of MHz; the
    // floor only refuses mistakes such as 1e-300, whose runs take absurd cycle counts.
    t.number("clock_mhz", &A::clock_mhz, 1e-3, 1e6, "MHz",
             "core clock; cycles are counted in this domain and converted to seconds and to DRAM bandwidth per "
             "cycle with it");
    t.choice("timing", &A::timing,
             "`native`: the SystemC model (DMA, DRAM, overlap). `scalesim-v2`: reproduce SCALE-Sim v2's per-layer "
             "numbers, quirks included (no buffer-fit checks; `--dump-program` is refused)");
    t.object("array", &A::array, array_params(), "the systolic matrix unit");
    t.object("datatypes", &A::datatypes, datatype_params(), "element types");
    t.map("buffers", &A::buffers, &BufferConfig::name, buffer_params(), "name", "on-chip SRAMs, keyed by instance name")
        .required()
        .allowed("1 to 8 buffers");
    t.object("dma", &A::dma, dma_params(), "DMA engine");
    t.object("dram", &A::dram, dram_params(), "off-chip memory");
    t.object("vector", &A::vector, vector_params(), "vector unit for non-matrix ops");
    t.object("core", &A::core, core_params(),
             "how the controller issues work (layer barrier, queue depth, fusion) and the core's matrix units");
    t.object("chip", &A::chip, chip_params(), "cores, per-kernel cost and layout padding of the chip");
    t.string("energy_table", &A::energy_table, "path",
             "per-action energy and area table (configs/README.md \"Energy tables\"): an absolute path as is; else "
             "relative to the directory of the architecture file, if that file exists; else relative to the "
             "`configs/` directory tpusim takes its presets from (so `\"energy/default_45nm.json\"` works from a "
             "config anywhere)")
        .allowed("a readable energy table");
    t.boolean("activations_on_chip", &A::activations_on_chip,
              "activations live on chip, as in TPU v1's unified buffer: the workload's first input is already in "
              "the buffer that holds inputs, and each layer's output stays there as the next layer's input when the "
              "layer still maps with both resident; otherwise activations go through DRAM. Takes effect only when "
              "one buffer holds both `inputs` and `outputs`");
    t.optional_object("scalesim", &A::scalesim, scalesim_params(),
                      "SCALE-Sim compatibility settings; present when imported from a `.cfg`");
    t.optional_object("fpga", &A::fpga, fpga_params(),
                      "an accelerator built on an FPGA: its device (DSP slices, block RAMs, power figures) and the "
                      "memory primitive of each buffer; the design must fit the device (see below)");
    t.optional_object("sparse_core", &A::sparse_core, sparse_core_params(),
                      "a SparseCore-like unit that runs the embedding_bag ops (gathers and pooling) beside the cores; "
                      "its scratchpad is the buffer that holds `sparse_core`");
    t.validate(&validate_arch);
    return t;
  }();
  return t;
}

}  // namespace tpusim::config
