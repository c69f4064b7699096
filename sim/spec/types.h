#pragma once
/// Enumerations shared by the config, the timing functions and the reports, with their spellings.
#include <cstdint>
#include <string>
#include <vector>

namespace tpusim {

/// Which GEMM operand stays in the PEs during a fold.
enum class Dataflow { os, ws, is };
/// How the matrix unit computes tile latency.
enum class ArrayModel { analytic, cycle };
/// Which timing model runs the workload.
enum class TimingMode { native, scalesim_v2 };
/// Element types of operands, accumulators and outputs.
enum class DataType { int4, int8, int16, int32, bf16, fp16, fp32 };

const char* to_string(Dataflow v);
const char* to_string(ArrayModel v);
const char* to_string(TimingMode v);
const char* to_string(DataType v);

/// Size of one element in bits (int4 is 4) and bytes rounded up for whole-element buffers.
uint32_t bits_of(DataType t);
/// Bytes moved for `count` elements of type t (int4 packs two per byte).
uint64_t bytes_for(DataType t, uint64_t count);

/// The allowed spellings, in order, for error messages ("os, ws, is").
std::vector<std::string> spellings_dataflow();
std::vector<std::string> spellings_array_model();
std::vector<std::string> spellings_timing();
std::vector<std::string> spellings_datatype();

}  // namespace tpusim
