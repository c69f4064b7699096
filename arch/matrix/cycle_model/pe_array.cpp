#include "arch/matrix/cycle_model/pe_array.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "arch/matrix/cycle_model/pe_array_engine.h"
#include "sim/base/error.h"
#include "sim/base/math.h"

namespace tpusim::arch::timing {

namespace {

bool is_int_type(DataType t) {
  return t == DataType::int4 || t == DataType::int8 || t == DataType::int16 || t == DataType::int32;
}
bool is_float_type(DataType t) {
  return t == DataType::bf16 || t == DataType::fp16 || t == DataType::fp32;
}

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/// Round-to-nearest-even of an fp32 value to `mantissa_bits` fraction bits (normal range).
float round_mantissa(float f, int drop_bits) {
  const uint32_t u = float_bits(f);
  const uint32_t lsb = (u >> drop_bits) & 1u;
  const uint32_t rounded = (u + ((1u << (drop_bits - 1)) - 1u) + lsb) & ~((1u << drop_bits) - 1u);
  return bits_float(rounded);
}

float to_fp16(float f) {
  if (!std::isfinite(f)) return f;
  const float a = std::fabs(f);
  if (a >= 65520.0f) return std::copysign(std::numeric_limits<float>::infinity(), f);
  if (a < 6.103515625e-05f) {  // below 2^-14: fp16 subnormals, quantum 2^-24
    return static_cast<float>(std::nearbyint(static_cast<double>(f) * 16777216.0) / 16777216.0);
  }
  return round_mantissa(f, 13);
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

int64_t int_min(DataType t) { return -(int64_t{1} << (bits_of(t) - 1)); }
int64_t int_max(DataType t) { return (int64_t{1} << (bits_of(t) - 1)) - 1; }

template <class Acc>
GemmOutput to_output(uint64_t m, uint64_t n, const std::vector<Acc>& c) {
  GemmOutput out;
  out.rows = m;
  out.cols = n;
  if constexpr (std::is_same_v<Acc, float>) {
    out.is_float = true;
    out.floats = c;
  } else if constexpr (std::is_same_v<Acc, uint32_t>) {
    out.ints.reserve(c.size());
    for (uint32_t v : c) out.ints.push_back(static_cast<int32_t>(v));
  } else {
    out.ints.reserve(c.size());
    for (uint64_t v : c) out.ints.push_back(static_cast<int64_t>(v));
  }
  return out;
}

/// The dataflow's engine (its traits name it).
template <class Acc>
ArrayTiming run_engine(const ArrayConfig& a, const std::vector<PeArrayModel::FoldData>& folds,
                       const EngineIo<Acc>& io) {
  switch (dataflow::traits_of(a.dataflow).engine()) {
    case dataflow::Engine::output_stationary: return run_os_engine<Acc>(a, folds, io);
    case dataflow::Engine::row_stationary: return run_rs_engine<Acc>(a, folds, io);
    case dataflow::Engine::stationary_operand: break;
  }
  return run_ws_engine<Acc>(a, folds, io);
}

/// Plain reference of one fold's tile from its operand views, in the engine's summation order
/// (stationary operand: reduction rows i = 0..r-1 from 0; output stationary: k = 0..s-1 from the
/// first product).
template <class Acc>
bool fold_matches_reference(dataflow::Engine engine, const PeArrayModel::FoldData& d, const Acc* out) {
  const bool os = engine == dataflow::Engine::output_stationary;
  const int64_t r = static_cast<int64_t>(d.shape.rows_used), c = static_cast<int64_t>(d.shape.cols_used);
  const int64_t s = static_cast<int64_t>(d.shape.stream_len);
  auto at = [&](const double* base, int64_t t, int64_t ts, int64_t i, int64_t is) {
    return to_register<Acc>(base[static_cast<int64_t>(static_cast<uint64_t>(t) & d.t_mask) * ts + i * is]);
  };
  const int64_t outer = os ? r : s;
  for (int64_t a = 0; a < outer; ++a) {
    for (int64_t j = 0; j < c; ++j) {
      Acc sum{};
      if (os) {
        for (int64_t k = 0; k < s; ++k) {
          sum = static_cast<Acc>(sum + static_cast<Acc>(at(d.strm, k, d.strm_t, a, d.strm_i) *
                                                        at(d.strm2, k, d.strm2_t, j, d.strm2_j)));
        }
      } else {
        for (int64_t i = 0; i < r; ++i) {
          sum = static_cast<Acc>(sum + static_cast<Acc>(at(d.strm, a, d.strm_t, i, d.strm_i) *
                                                        to_register<Acc>(d.stat[i * d.stat_i + j * d.stat_j])));
        }
      }
      if (!(out[d.out_base + a * d.out_a + j * d.out_j] == sum)) return false;
    }
  }
  return true;
}

/// The analytic model's total cycles, to refuse a run above array.max_pe_cycles before stepping it.
void check_budget(const ArrayConfig& a, const std::vector<PeArrayModel::FoldData>& folds) {
  if (a.max_pe_cycles == 0) return;
  FoldSequencer seq(a);
  for (const auto& f : folds) seq.schedule(f.shape, f.ready_cycle);
  const uint64_t cycles = seq.finish(0).array_free_cycle;
  const double pe_cycles = static_cast<double>(cycles) * a.rows * a.cols;
  if (pe_cycles > static_cast<double>(a.max_pe_cycles)) {
    throw InputError("/array/max_pe_cycles: the cycle model would step " + std::to_string(cycles) +
                     " cycles x " + std::to_string(uint64_t{a.rows} * a.cols) +
                     " PEs, above the limit " + std::to_string(a.max_pe_cycles));
  }
}

/// The row-major GEMM matrices A[M x K], B[K x N], C[M x N] seen through the fold loops of a
/// dataflow's GEMM mapping: each matrix spans two loops and lacks the dimension of the third.
struct GemmLayout {
  const dataflow::GemmDataflow& map;
  uint64_t m, n, k;

  /// The matrix that lacks the dimension loop `l` walks (A lacks N, B lacks M, C lacks K).
  dataflow::GemmOperand lacking(dataflow::Loop l) const {
    switch (map.dim_of(l)) {
      case dataflow::GemmDim::n: return dataflow::GemmOperand::a;
      case dataflow::GemmDim::m: return dataflow::GemmOperand::b;
      case dataflow::GemmDim::k: break;
    }
    return dataflow::GemmOperand::c;
  }
  /// Elements between neighbours of `x` along loop `l` (0 if l does not index x).
  int64_t stride(dataflow::GemmOperand x, dataflow::Loop l) const {
    using dataflow::GemmDim;
    const GemmDim d = map.dim_of(l);
    const GemmDim first = x == dataflow::GemmOperand::b ? GemmDim::k : GemmDim::m;
    const GemmDim second = x == dataflow::GemmOperand::a ? GemmDim::k : GemmDim::n;
    const uint64_t cols = second == GemmDim::k ? k : n;
    return static_cast<int64_t>(d == second ? 1 : d == first ? cols : 0);
  }
  /// Offset of the fold at row r0 and column c0 in x.
  int64_t offset(dataflow::GemmOperand x, int64_t r0, int64_t c0) const {
    return r0 * stride(x, dataflow::Loop::row) + c0 * stride(x, dataflow::Loop::col);
  }
};

/// Points a fold's views (FoldData) at the matrices each engine reads: the stationary-operand
/// engine reads the stationary tile over (row, col), the stream over (stream, row) and writes
/// (stream, col); the output-stationary one streams (stream, row) and (stream, col) and writes
/// (row, col).
void place_fold(PeArrayModel::FoldData& d, dataflow::Engine engine, const GemmLayout& g, const double* a,
                const double* b, int64_t r0, int64_t c0) {
  using dataflow::Loop;
  const auto base = [&](dataflow::GemmOperand x) { return (x == dataflow::GemmOperand::a ? a : b) + g.offset(x, r0, c0); };
  const dataflow::GemmOperand along_rows = g.lacking(Loop::col);  // over (stream, row)
  d.strm = base(along_rows), d.strm_t = g.stride(along_rows, Loop::stream), d.strm_i = g.stride(along_rows, Loop::row);
  const bool os = engine == dataflow::Engine::output_stationary;
  const dataflow::GemmOperand other = g.lacking(os ? Loop::row : Loop::stream);
  const dataflow::GemmOperand out = g.lacking(os ? Loop::stream : Loop::row);
  TPUSIM_ASSERT(out == dataflow::GemmOperand::c, "the engine's output loops do not hold C under this dataflow");
  if (os) {
    d.strm2 = base(other), d.strm2_t = g.stride(other, Loop::stream), d.strm2_j = g.stride(other, Loop::col);
  } else {
    d.stat = base(other), d.stat_i = g.stride(other, Loop::row), d.stat_j = g.stride(other, Loop::col);
  }
  d.out_base = g.offset(out, r0, c0);
  d.out_a = g.stride(out, os ? Loop::row : Loop::stream), d.out_j = g.stride(out, Loop::col);
}

}  // namespace

double round_to(DataType t, double v) {
  if (is_int_type(t)) {
    const double r = std::nearbyint(v);
    return std::clamp(r, static_cast<double>(int_min(t)), static_cast<double>(int_max(t)));
  }
  const float f = static_cast<float>(v);
  switch (t) {
    case DataType::bf16: return std::isfinite(f) ? round_mantissa(f, 16) : f;
    case DataType::fp16: return to_fp16(f);
    default: return f;
  }
}

std::vector<double> random_operands(DataType t, uint64_t count, uint64_t seed) {
  std::vector<double> v(count);
  const uint64_t base = splitmix64(seed);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t x = splitmix64(base ^ (i * 0xD1B54A32D192ED03ULL));
    if (is_int_type(t)) {
      const uint64_t span = static_cast<uint64_t>(int_max(t) - int_min(t)) + 1;
      v[i] = static_cast<double>(int_min(t) + static_cast<int64_t>(x % span));
    } else {
      const double u = static_cast<double>(x >> 11) * 0x1.0p-53;
      v[i] = round_to(t, 4.0 * u - 2.0);
    }
  }
  return v;
}

std::vector<FoldShape> gemm_folds(const ArrayConfig& a, uint64_t m, uint64_t n, uint64_t k) {
  const dataflow::MappedDims d = dataflow::traits_of(a.dataflow).map_dims({m, n, k, 1});
  std::vector<FoldShape> folds;
  if (d.sr == 0 || d.sc == 0 || d.t == 0) return folds;
  for (uint64_t c0 = 0; c0 < d.sc; c0 += a.cols) {
    for (uint64_t r0 = 0; r0 < d.sr; r0 += a.rows) {
      folds.push_back({std::min<uint64_t>(a.rows, d.sr - r0), std::min<uint64_t>(a.cols, d.sc - c0), d.t});
    }
  }
  return folds;
}

GemmOutput reference_gemm(const PeDataTypes& types, uint64_t m, uint64_t n, uint64_t k,
                          const std::vector<double>& a, const std::vector<double>& b, uint64_t k_chunk) {
  TPUSIM_ASSERT(a.size() == m * k && b.size() == k * n, "reference_gemm: operand sizes");
  TPUSIM_ASSERT(k_chunk >= 1, "reference_gemm: k_chunk >= 1");
  GemmOutput out;
  out.rows = m;
  out.cols = n;
  out.is_float = is_float_type(types.input);
  if (out.is_float) {
    out.floats.assign(m * n, 0.0f);
    for (uint64_t i = 0; i < m; ++i) {
      for (uint64_t j = 0; j < n; ++j) {
        float acc = 0.0f;
        for (uint64_t k0 = 0; k0 < k; k0 += k_chunk) {
          float part = 0.0f;
          for (uint64_t kk = k0; kk < std::min(k, k0 + k_chunk); ++kk) {
            const float x = static_cast<float>(round_to(types.input, a[i * k + kk]));
            const float y = static_cast<float>(round_to(types.weight, b[kk * n + j]));
            part = part + x * y;
          }
          acc = acc + part;
        }
        out.floats[i * n + j] = acc;
      }
    }
  } else {
    out.ints.assign(m * n, 0);
    const bool wide = types.int64_accumulator;
    for (uint64_t i = 0; i < m; ++i) {
      for (uint64_t j = 0; j < n; ++j) {
        uint64_t acc = 0;  // two's complement: the wrap is the hardware's
        for (uint64_t kk = 0; kk < k; ++kk) {
          const int64_t x = static_cast<int64_t>(round_to(types.input, a[i * k + kk]));
          const int64_t y = static_cast<int64_t>(round_to(types.weight, b[kk * n + j]));
          acc += static_cast<uint64_t>(x) * static_cast<uint64_t>(y);
        }
        out.ints[i * n + j] = wide ? static_cast<int64_t>(acc) : static_cast<int32_t>(static_cast<uint32_t>(acc));
      }
    }
  }
  return out;
}

std::string unsupported_types_reason(const PeDataTypes& types) {
  const bool ints = is_int_type(types.input) && is_int_type(types.weight) && types.accumulator == DataType::int32;
  const bool floats = is_float_type(types.input) && is_float_type(types.weight) &&
                      types.accumulator == DataType::fp32 && !types.int64_accumulator;
  if (ints || floats) return "";
  return std::string("the cycle model computes integer inputs with an int32/int64 accumulator or bf16/fp16/fp32 "
                     "inputs with an fp32 accumulator; got ") +
         to_string(types.input) + " x " + to_string(types.weight) + " -> " +
         (types.int64_accumulator ? std::string("int64") : std::string(to_string(types.accumulator)));
}

PeArrayModel::PeArrayModel(const ArrayConfig& array, const PeDataTypes& types) : array_(array), types_(types) {
  if (array.rows < 1 || array.cols < 1 || array.mac_latency_cycles < 1 || array.cols > 0xFFFF) {
    throw InternalError("PeArrayModel: array " + std::to_string(array.rows) + "x" + std::to_string(array.cols) +
                        " with MAC latency " + std::to_string(array.mac_latency_cycles) + " is not modelled");
  }
  const std::string why = unsupported_types_reason(types);
  if (!why.empty()) throw InputError("/datatypes: " + why);
}

void PeArrayModel::set_probe(std::vector<std::pair<uint32_t, uint32_t>> pes, ProbeCallback callback) {
  for (const auto& [r, c] : pes) {
    if (r >= array_.rows || c >= array_.cols) {
      throw InputError("probe PE (" + std::to_string(r) + ", " + std::to_string(c) + ") is outside the " +
                       std::to_string(array_.rows) + "x" + std::to_string(array_.cols) + " array");
    }
  }
  probe_pes_ = std::move(pes);
  probe_ = std::move(callback);
}

GemmRun PeArrayModel::run_gemm(uint64_t m, uint64_t n, uint64_t k, const std::vector<double>& a_in,
                               const std::vector<double>& b_in, const std::vector<uint64_t>& ready_cycles) {
  if (a_in.size() != m * k || b_in.size() != k * n) {
    throw InternalError("run_gemm: A has " + std::to_string(a_in.size()) + " elements, B " +
                        std::to_string(b_in.size()) + "; expected " + std::to_string(m * k) + " and " +
                        std::to_string(k * n));
  }
  const std::vector<FoldShape> shapes = gemm_folds(array_, m, n, k);
  if (!ready_cycles.empty() && ready_cycles.size() != shapes.size()) {
    throw InternalError("run_gemm: " + std::to_string(ready_cycles.size()) + " ready cycles for " +
                        std::to_string(shapes.size()) + " folds");
  }
  std::vector<double> a(a_in.size()), b(b_in.size());
  for (size_t i = 0; i < a.size(); ++i) a[i] = round_to(types_.input, a_in[i]);
  for (size_t i = 0; i < b.size(); ++i) b[i] = round_to(types_.weight, b_in[i]);

  const dataflow::DataflowTraits& traits = dataflow::traits_of(array_.dataflow);
  const dataflow::GemmDataflow* mapping = traits.gemm_mapping();
  if (!mapping) throw InternalError(std::string("run_gemm: dataflow ") + to_string(array_.dataflow) + " is not a GEMM tiling");
  const GemmLayout layout{*mapping, m, n, k};
  const int64_t R = array_.rows, C = array_.cols;
  const uint64_t rows_dim = mapping->map_dims({m, n, k, 1}).sr;
  const int64_t row_folds = static_cast<int64_t>(ceil_div(std::max<uint64_t>(rows_dim, 1), array_.rows));
  std::vector<FoldData> folds(shapes.size());
  for (size_t f = 0; f < shapes.size(); ++f) {
    FoldData& d = folds[f];
    d.shape = shapes[f];
    d.ready_cycle = ready_cycles.empty() ? 0 : ready_cycles[f];
    const int64_t r0 = static_cast<int64_t>(f) % row_folds * R, c0 = static_cast<int64_t>(f) / row_folds * C;
    place_fold(d, traits.engine(), layout, a.data(), b.data(), r0, c0);
  }
  check_budget(array_, folds);

  GemmRun result;
  auto run_typed = [&](auto zero) {
    using Acc = decltype(zero);
    std::vector<Acc> c(m * n, Acc{});
    EngineIo<Acc> io{c.data(), &probe_pes_, &probe_};
    result.timing = run_engine<Acc>(array_, folds, io);
    result.c = to_output(m, n, c);
  };
  if (is_float_type(types_.input)) run_typed(float{});
  else if (types_.int64_accumulator) run_typed(uint64_t{});
  else run_typed(uint32_t{});

  if (array_.verify_results) {
    // Float sums follow the array's order: K in chunks of R when it runs down the rows (partial
    // results of row folds are added in fold order), in one piece when it streams.
    const uint64_t chunk = mapping->reduction_loop() == dataflow::Loop::row ? array_.rows : std::max<uint64_t>(k, 1);
    result.matches_reference = result.c == reference_gemm(types_, m, n, k, a, b, chunk);
    if (!result.matches_reference) {
      throw InternalError("cycle model: the array's " + std::to_string(m) + "x" + std::to_string(n) + "x" +
                          std::to_string(k) + " result differs from the reference GEMM");
    }
  }
  return result;
}

ArrayTiming PeArrayModel::run_folds(const std::vector<FoldShape>& shapes, const std::vector<uint64_t>& ready_cycles,
                                    uint64_t seed) {
  if (!ready_cycles.empty() && ready_cycles.size() != shapes.size()) {
    throw InternalError("run_folds: " + std::to_string(ready_cycles.size()) + " ready cycles for " +
                        std::to_string(shapes.size()) + " folds");
  }
  if (dataflow::traits_of(array_.dataflow).engine() == dataflow::Engine::row_stationary)
    return run_rs_passes(shapes, ready_cycles, seed);
  // One random stationary tile and a 1024-element random stream, reused by every fold.
  constexpr uint64_t kPeriod = 1024;
  const uint64_t R = array_.rows, C = array_.cols;
  std::vector<double> stat(R * C, 0.0), strm(kPeriod * R, 0.0), strm2(kPeriod * C, 0.0);
  if (seed != 0) {
    stat = random_operands(types_.weight, R * C, seed);
    strm = random_operands(types_.input, kPeriod * R, seed + 1);
    strm2 = random_operands(types_.weight, kPeriod * C, seed + 2);
  }
  const dataflow::Engine engine = dataflow::traits_of(array_.dataflow).engine();
  const bool os = engine == dataflow::Engine::output_stationary;  // outputs over (row, col), else (stream, col)
  std::vector<FoldData> folds(shapes.size());
  int64_t out_size = 0;  // each fold's tile gets its own region: (t or row) x c
  for (size_t f = 0; f < shapes.size(); ++f) {
    check_fold_shape(array_, shapes[f]);
    FoldData& d = folds[f];
    d.shape = shapes[f];
    d.ready_cycle = ready_cycles.empty() ? 0 : ready_cycles[f];
    d.stat = stat.data(), d.stat_i = static_cast<int64_t>(C), d.stat_j = 1;
    d.strm = strm.data(), d.strm_t = static_cast<int64_t>(R), d.strm_i = 1;
    d.strm2 = strm2.data(), d.strm2_t = static_cast<int64_t>(C), d.strm2_j = 1;
    d.t_mask = kPeriod - 1;
    d.out_base = out_size, d.out_a = static_cast<int64_t>(d.shape.cols_used), d.out_j = 1;
    out_size += static_cast<int64_t>((os ? d.shape.rows_used : d.shape.stream_len) * d.shape.cols_used);
  }
  check_budget(array_, folds);
  const bool verify = array_.verify_results && seed != 0;
  auto run_typed = [&](auto zero) {
    using Acc = decltype(zero);
    std::vector<Acc> out(verify ? static_cast<size_t>(out_size) : 0, Acc{});
    EngineIo<Acc> io{verify ? out.data() : nullptr, &probe_pes_, &probe_};
    ArrayTiming t = run_engine<Acc>(array_, folds, io);
    if (verify) {
      for (size_t f = 0; f < folds.size(); ++f) {
        if (!fold_matches_reference(engine, folds[f], out.data())) {
          throw InternalError("cycle model: fold " + std::to_string(f) + " result differs from its reference");
        }
      }
    }
    return t;
  };
  if (is_float_type(types_.input)) return run_typed(float{});
  if (types_.int64_accumulator) return run_typed(uint64_t{});
  return run_typed(uint32_t{});
}

ArrayTiming PeArrayModel::run_rs_passes(const std::vector<FoldShape>& shapes, const std::vector<uint64_t>& ready_cycles,
                                        uint64_t seed) {
  // Pools of random weights, ifmap values and incoming partial sums; each pass draws its operands
  // from them by a hash of their coordinates (pe_array_rs.cpp).
  constexpr uint64_t kPool = 4096;
  std::vector<double> w(kPool, 0.0), in(kPool, 0.0), psum(kPool, 0.0);
  if (seed != 0) {
    w = random_operands(types_.weight, kPool, seed);
    in = random_operands(types_.input, kPool, seed + 1);
    psum = random_operands(types_.input, kPool, seed + 2);
  }
  std::vector<FoldData> folds(shapes.size());
  int64_t out_size = 0;
  for (size_t f = 0; f < shapes.size(); ++f) {
    check_fold_shape(array_, shapes[f]);
    FoldData& d = folds[f];
    d.shape = shapes[f];
    d.ready_cycle = ready_cycles.empty() ? 0 : ready_cycles[f];
    d.stat = w.data(), d.strm = in.data(), d.strm2 = psum.data();
    d.t_mask = kPool - 1;
    d.out_base = out_size;
    out_size += static_cast<int64_t>(uint64_t{d.shape.rs.bands} * d.shape.cols_used * d.shape.rs.psums());
  }
  check_budget(array_, folds);
  const bool verify = array_.verify_results && seed != 0;
  auto run_typed = [&](auto zero) {
    using Acc = decltype(zero);
    std::vector<Acc> out(verify ? static_cast<size_t>(out_size) : 0, Acc{});
    EngineIo<Acc> io{verify ? out.data() : nullptr, &probe_pes_, &probe_};
    ArrayTiming t = run_rs_engine<Acc>(array_, folds, io);
    for (size_t f = 0; verify && f < folds.size(); ++f) {
      if (!rs_pass_matches_reference<Acc>(folds[f], f, out.data()))
        throw InternalError("cycle model: pass " + std::to_string(f) + " result differs from its reference convolution");
    }
    return t;
  };
  if (is_float_type(types_.input)) return run_typed(float{});
  if (types_.int64_accumulator) return run_typed(uint64_t{});
  return run_typed(uint32_t{});
}

// ---- CycleLabeller ----------------------------------------------------------------------------

CycleLabeller::CycleLabeller(const std::vector<PeArrayModel::FoldData>& folds, ArrayTiming& out)
    : folds_(folds), out_(out) {}

void CycleLabeller::label(uint64_t x, bool corner_mac, bool any_mac, size_t folds_started, bool loading,
                          bool outputs_pending) {
  // Folds whose stream has started but whose first element has not reached the corner PE.
  const size_t reached = fold_ + (seen_ > 0 ? 1 : 0);
  const bool head_skew = folds_started > reached;
  CycleCategory c = CycleCategory::idle;
  if (corner_mac) c = CycleCategory::compute;
  else if (any_mac || head_skew) c = CycleCategory::fill;
  else if (loading) c = CycleCategory::weight_load;
  else if (outputs_pending) c = CycleCategory::drain;
  segment_[c] += 1;
  out_.breakdown[c] += 1;
  if (!corner_mac) return;
  TPUSIM_ASSERT(fold_ < folds_.size(), "corner PE computes after the last fold");
  if (seen_ == 0) out_.folds[fold_].anchor_cycle = x;
  if (++seen_ == folds_[fold_].shape.stream_len) {
    out_.folds[fold_].array_free_cycle = x + 1;
    out_.folds[fold_].breakdown = segment_;
    segment_ = CycleBreakdown{};
    ++fold_;
    seen_ = 0;
  }
}

void CycleLabeller::finish(uint64_t total_cycles) {
  TPUSIM_ASSERT(fold_ == folds_.size(), "cycle model ended with a compute window open");
  out_.tail = segment_;
  out_.total_cycles = total_cycles;
  TPUSIM_ASSERT(out_.breakdown.total() == total_cycles, "cycle labels do not sum to the total");
}

}  // namespace tpusim::arch::timing
