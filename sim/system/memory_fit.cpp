#include "sim/system/memory_fit.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/spec/json_reader.h"

namespace tpusim::system {

namespace {

/// Elements an op reads as its streamed operand (A), as weights or second operand (B), writes (C).
struct OpElements {
  uint64_t a = 0, b = 0, c = 0;
};

OpElements elements_of(const Layer& l) {
  if (!is_matrix_op(l.op)) return {l.vector.elements_in, 0, l.vector.elements_out};
  const GemmShape& s = l.gemm;
  return {s.m * s.k * s.count, s.k * s.n * s.count, s.m * s.n * s.count};
}

}  // namespace

// Weights: an inference graph's matrix ops hold their B operand (a matmul's B is an activation,
// K or V); a training graph's weights are what its weight gradients cover (gradient_bytes, in
// the parallelism's element bytes), since its backward GEMMs read the same weights again.
// Activations: a training step keeps every op's output for the backward pass (an upper bound:
// backward outputs die early); inference holds one op's operands and result at a time (a lower
// bound: residual branches keep more alive). ZeRO (`zero`) shards gradients and optimizer state
// over the data-parallel group.
Footprint chip_footprint(const ChipGraph& graph, const ArchConfig& chip, uint32_t repeat,
                         const partition::Parallelism* par) {
  Footprint f;
  f.capacity_bytes = chip.dram.capacity_bytes;
  f.training = graph.weight_gradient_bytes > 0;
  const uint64_t act_bits = bits_of(chip.datatypes.input), wgt_bits = bits_of(chip.datatypes.weight);
  uint64_t weight_elems = 0, kept_elems = 0, peak_elems = 0;
  for (const Layer& l : graph.compute.layers) {
    const OpElements e = elements_of(l);
    if (is_matrix_op(l.op) && l.op != OpKind::matmul) weight_elems += e.b;
    kept_elems += e.c;
    peak_elems = std::max(peak_elems, e.a + e.c + (l.op == OpKind::matmul ? e.b : 0));
  }
  const uint64_t copies = repeat;
  if (f.training) {
    const uint64_t grad_elem = par ? par->element_bytes : 2;
    const uint64_t params = graph.weight_gradient_bytes / grad_elem * copies;
    const uint64_t zero_shards = par && par->zero ? par->dp.degree : 1;
    f.weights_bytes = params * wgt_bits / 8;
    f.gradients_bytes = graph.weight_gradient_bytes * copies / zero_shards;
    f.optimizer_bytes = params * (par ? par->optimizer_bytes_per_parameter : 12) / zero_shards;
    f.activations_bytes = kept_elems * act_bits / 8 * copies;
  } else {
    f.weights_bytes = weight_elems * wgt_bits / 8 * copies;
    f.activations_bytes = peak_elems * act_bits / 8;
  }
  return f;
}

void check_fits(const Footprint& f, const std::string& chip_file) {
  if (f.fits()) return;
  config::fail_at(chip_file, "/dram/capacity_bytes",
                  fmt::format("one chip needs {} bytes (weights {}, activations {}, gradients {}, optimizer state {}) "
                              "but its HBM holds {}; use more chips or a finer split, smaller datatypes, or "
                              "--allow-memory-overflow to run anyway (the report flags it)",
                              f.total_bytes(), f.weights_bytes, f.activations_bytes, f.gradients_bytes,
                              f.optimizer_bytes, f.capacity_bytes));
}

nlohmann::json footprint_json(const Footprint& f) {
  return {{"weights_bytes", f.weights_bytes},     {"activations_bytes", f.activations_bytes},
          {"gradients_bytes", f.gradients_bytes}, {"optimizer_bytes", f.optimizer_bytes},
          {"total_bytes", f.total_bytes()},       {"capacity_bytes", f.capacity_bytes},
          {"training", f.training},               {"fits", f.fits()}};
}

}  // namespace tpusim::system
