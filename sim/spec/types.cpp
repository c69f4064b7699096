#include "sim/spec/types.h"

namespace tpusim {

const char* to_string(Dataflow v) {
  switch (v) {
    case Dataflow::os: return "os";
    case Dataflow::ws: return "ws";
    case Dataflow::is: return "is";
  }
  return "?";
}

const char* to_string(ArrayModel v) { return v == ArrayModel::analytic ? "analytic" : "cycle"; }

const char* to_string(TimingMode v) { return v == TimingMode::native ? "native" : "scalesim-v2"; }

const char* to_string(DataType v) {
  switch (v) {
    case DataType::int4: return "int4";
    case DataType::int8: return "int8";
    case DataType::int16: return "int16";
    case DataType::int32: return "int32";
    case DataType::bf16: return "bf16";
    case DataType::fp16: return "fp16";
    case DataType::fp32: return "fp32";
  }
  return "?";
}

uint32_t bits_of(DataType t) {
  switch (t) {
    case DataType::int4: return 4;
    case DataType::int8: return 8;
    case DataType::int16: case DataType::bf16: case DataType::fp16: return 16;
    case DataType::int32: case DataType::fp32: return 32;
  }
  return 0;
}

uint64_t bytes_for(DataType t, uint64_t count) { return (count * bits_of(t) + 7) / 8; }

std::vector<std::string> spellings_dataflow() { return {"os", "ws", "is"}; }
std::vector<std::string> spellings_array_model() { return {"analytic", "cycle"}; }
std::vector<std::string> spellings_timing() { return {"native", "scalesim-v2"}; }
std::vector<std::string> spellings_datatype() {
  return {"int4", "int8", "int16", "int32", "bf16", "fp16", "fp32"};
}

}  // namespace tpusim
