#include "sim/spec/types.h"

namespace tpusim {

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

}  // namespace tpusim
