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

std::optional<LoopOrder> parse_loop_order(const std::string& text) {
  LoopOrder order{};
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '>') continue;
    const auto loop = enum_from_name<Loop>(std::string_view(text).substr(start, i - start));
    if (!loop || n == order.size()) return std::nullopt;
    for (size_t j = 0; j < n; ++j)
      if (order[j] == *loop) return std::nullopt;
    order[n++] = *loop;
    start = i + 1;
  }
  if (n != order.size()) return std::nullopt;
  return order;
}

std::string to_string(const LoopOrder& order) {
  return std::string(to_string(order[0])) + ">" + to_string(order[1]) + ">" + to_string(order[2]);
}

}  // namespace tpusim
