#pragma once
/// Enumerations shared by the config, the timing functions and the reports, with their spellings
/// (one name table per enum: sim/base/enum_names.h).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/enum_names.h"

namespace tpusim {

/// Which operand stays in the PEs during a fold: a GEMM operand (os, ws, is), or filter rows
/// (rs, row stationary: Eyeriss's dataflow, arch/matrix/dataflow/rs.cpp).
enum class Dataflow { os, ws, is, rs };
/// How the matrix unit computes tile latency.
enum class ArrayModel { analytic, cycle };
/// Which timing model runs the workload.
enum class TimingMode { native, scalesim_v2 };
/// Element types of operands, accumulators and outputs.
enum class DataType { int4, int8, int16, int32, bf16, fp16, fp32 };
/// DRAM technology, which selects the energy per bit (configs/energy/*.json "dram_pj_per_bit").
enum class DramType { ddr3, ddr4, lpddr4, lpddr5, hbm2, gddr6 };
/// How a conv2d becomes folds of a GEMM dataflow (os, ws, is; rs lowers convolutions by filter
/// rows, sim/mapper/rs_plan.h): `im2col` runs K = kernel_h x kernel_w x in_c as one reduction;
/// `channels_on_rows` runs each kernel position's in_c channels as reductions of their own, one
/// kernel position at a time, as Gemmini does (its loop_conv_ws).
enum class ConvLowering { im2col, channels_on_rows };
/// How activations cross the DRAM link (sim/mapper/compression.h): as they are, or run-length
/// coded as Eyeriss does.
enum class ActivationCompression { none, rlc };
/// The three fold loops of a matrix layer: row folds (array rows), column folds (array cols),
/// stream chunks (arch/matrix/dataflow, sim/mapper/plan.h). Workloads may pin their order.
enum class Loop { row, col, stream };
/// How a core's matrix units share a fold (sim/spec/arch_config.h CoreConfig::unit_split).
enum class UnitSplit { auto_split, cols, rows, stream };
/// How a chip's cores share a matrix op (sim/spec/arch_config.h ChipConfig::core_split).
enum class CoreSplit { auto_split, stream, cols };

TPUSIM_ENUM_NAMES_BEGIN
constexpr const char* name_of(Dataflow v) {
  switch (v) {
    case Dataflow::os: return "os";
    case Dataflow::ws: return "ws";
    case Dataflow::is: return "is";
    case Dataflow::rs: return "rs";
  }
  return nullptr;
}

constexpr const char* name_of(ConvLowering v) {
  switch (v) {
    case ConvLowering::im2col: return "im2col";
    case ConvLowering::channels_on_rows: return "channels_on_rows";
  }
  return nullptr;
}

constexpr const char* name_of(ActivationCompression v) {
  switch (v) {
    case ActivationCompression::none: return "none";
    case ActivationCompression::rlc: return "rlc";
  }
  return nullptr;
}

constexpr const char* name_of(ArrayModel v) {
  switch (v) {
    case ArrayModel::analytic: return "analytic";
    case ArrayModel::cycle: return "cycle";
  }
  return nullptr;
}

constexpr const char* name_of(TimingMode v) {
  switch (v) {
    case TimingMode::native: return "native";
    case TimingMode::scalesim_v2: return "scalesim-v2";
  }
  return nullptr;
}

constexpr const char* name_of(DataType v) {
  switch (v) {
    case DataType::int4: return "int4";
    case DataType::int8: return "int8";
    case DataType::int16: return "int16";
    case DataType::int32: return "int32";
    case DataType::bf16: return "bf16";
    case DataType::fp16: return "fp16";
    case DataType::fp32: return "fp32";
  }
  return nullptr;
}

constexpr const char* name_of(DramType v) {
  switch (v) {
    case DramType::ddr3: return "ddr3";
    case DramType::ddr4: return "ddr4";
    case DramType::lpddr4: return "lpddr4";
    case DramType::lpddr5: return "lpddr5";
    case DramType::hbm2: return "hbm2";
    case DramType::gddr6: return "gddr6";
  }
  return nullptr;
}

constexpr const char* name_of(Loop v) {
  switch (v) {
    case Loop::row: return "row";
    case Loop::col: return "col";
    case Loop::stream: return "stream";
  }
  return nullptr;
}

constexpr const char* name_of(UnitSplit v) {
  switch (v) {
    case UnitSplit::auto_split: return "auto";
    case UnitSplit::cols: return "cols";
    case UnitSplit::rows: return "rows";
    case UnitSplit::stream: return "stream";
  }
  return nullptr;
}

constexpr const char* name_of(CoreSplit v) {
  switch (v) {
    case CoreSplit::auto_split: return "auto";
    case CoreSplit::stream: return "stream";
    case CoreSplit::cols: return "cols";
  }
  return nullptr;
}
TPUSIM_ENUM_NAMES_END

/// The fold loops, outermost first.
using LoopOrder = std::array<Loop, 3>;
/// "col>stream>row": each loop once, outermost first, joined by '>'; nullopt for anything else.
std::optional<LoopOrder> parse_loop_order(const std::string& text);
/// "col>stream>row".
std::string to_string(const LoopOrder& order);

/// Size of one element in bits (int4 is 4) and bytes rounded up for whole-element buffers.
uint32_t bits_of(DataType t);
/// Bytes moved for `count` elements of type t (int4 packs two per byte).
uint64_t bytes_for(DataType t, uint64_t count);

/// The datatype spellings in enum order (energy tables index their per-datatype entries by it).
inline std::vector<std::string> spellings_datatype() { return enum_names<DataType>(); }

}  // namespace tpusim
