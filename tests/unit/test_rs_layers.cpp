// Row stationary on whole layers: random convolutions and GEMMs are planned by the mapper
// (sim/mapper/rs_plan.h) on random arrays and scratchpads, lowered to their program, and every
// processing pass of the program is timed both by the closed form (FoldSequencer,
// arch/matrix/timing/rs_fold_timing.cpp) and by the register-level engine (PeArrayModel,
// arch/matrix/cycle_model/pe_array_rs.cpp), which moves real operands and checks each pass's sums.
// Issue 18 asks for exactly this: the closed form proven equal to the PE-level model on random
// layers, not only on random pass shapes (tests/unit/test_rs_timing.cpp).
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "arch/matrix/cycle_model/pe_array.h"
#include "arch/matrix/timing/fold_timing.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/program.h"
#include "sim/spec/arch_loader.h"

using namespace tpusim;

namespace {

ArchConfig rs_arch(uint32_t rows, uint32_t cols, uint32_t lat, uint32_t filter_words, uint32_t ifmap_words,
                   uint32_t psum_words) {
  nlohmann::json doc = {
      {"name", "r"},
      {"array",
       {{"rows", rows},
        {"cols", cols},
        {"dataflow", "rs"},
        {"mac_latency_cycles", lat},
        {"row_stationary",
         {{"filter_spad_words", filter_words}, {"ifmap_spad_words", ifmap_words}, {"psum_spad_words", psum_words}}}}},
      {"datatypes", {{"input", "int16"}, {"weight", "int16"}, {"accumulator", "int32"}, {"output", "int16"}}},
      {"buffers",
       {{"glb",
         {{"holds", {"inputs", "weights", "outputs"}},
          {"capacity_bytes", 1 << 22},
          {"ports", 27},
          {"bytes_per_cycle_per_port", 8}}}}}};
  return config::parse_arch(doc, "r.json");
}

/// A conv2d (square ifmap and kernel) or, with k = 0, a GEMM of m x n x kk.
Layer random_layer(std::mt19937_64& rng, uint32_t array_rows) {
  auto uni = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  Layer l;
  l.name = "x";
  if (uni(0, 3) == 0) {
    l.op = OpKind::gemm;
    l.gemm = {uni(1, 24), uni(1, 20), uni(1, 30), 1};
    return l;
  }
  l.op = OpKind::conv2d;
  ConvParams& c = l.conv;
  const uint64_t k = uni(1, std::min<uint64_t>(5, array_rows));
  c.batch = uni(1, 3), c.in_c = uni(1, 12), c.out_c = uni(1, 12);
  c.kernel_h = c.kernel_w = k, c.stride_h = c.stride_w = uni(1, 2), c.groups = 1;
  c.in_h = c.in_w = k + uni(0, 9);
  l.gemm = {c.batch * c.out_h() * c.out_w(), c.out_c, k * k * c.in_c, 1};
  return l;
}

}  // namespace

TEST_CASE("rs: every pass of 150 random mapped layers times the same in closed form and PE by PE",
          "[rs][rs_timing][property]") {
  std::mt19937_64 rng(20261218);
  auto uni = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  uint64_t passes_checked = 0, multi_pass_layers = 0;
  for (int draw = 0; draw < 150; ++draw) {
    const uint32_t rows = static_cast<uint32_t>(uni(5, 12)), cols = static_cast<uint32_t>(uni(3, 14));
    const ArchConfig arch = rs_arch(rows, cols, static_cast<uint32_t>(uni(1, 2)), static_cast<uint32_t>(uni(16, 224)),
                                    static_cast<uint32_t>(uni(5, 12)), static_cast<uint32_t>(uni(1, 24)));
    const Layer layer = random_layer(rng, rows);
    INFO("draw " << draw << ": " << rows << "x" << cols << " L=" << arch.array.mac_latency_cycles << ", layer m "
                 << layer.gemm.m << " n " << layer.gemm.n << " k " << layer.gemm.k
                 << (layer.op == OpKind::conv2d ? " (conv)" : " (gemm)"));
    mapper::LayerProgram program(arch, mapper::map_layer(arch, layer));
    std::vector<arch::timing::FoldShape> folds;
    uint64_t macs = 0;
    arch::Instr i;
    while (program.next(i))
      if (i.kind == arch::InstrKind::matmul) {
        folds.push_back(i.fold);
        macs += i.macs;
      }
    REQUIRE(!folds.empty());
    CHECK(macs == layer.gemm.macs());  // the passes do the layer's work, no more, no less
    // Operands of pass f ready at a random time after pass f-1's: sometimes at once, sometimes
    // after the array has emptied, so both the back-to-back and the idle start rules are used.
    std::vector<uint64_t> ready;
    uint64_t t = 0;
    for (size_t f = 0; f < folds.size(); ++f) {
      t += uni(0, 1) ? 0 : uni(1, 3000);
      ready.push_back(t);
    }
    arch::timing::PeArrayModel engine(arch.array, arch::timing::PeDataTypes{DataType::int16, DataType::int16,
                                                                            DataType::int32, false});
    const arch::timing::ArrayTiming cyc = engine.run_folds(folds, ready, static_cast<uint64_t>(draw));
    arch::timing::FoldSequencer seq(arch.array);
    REQUIRE(cyc.folds.size() == folds.size());
    for (size_t f = 0; f < folds.size(); ++f) {
      INFO("pass " << f << " of " << folds.size());
      const arch::timing::FoldSchedule s = seq.schedule(folds[f], ready[f]);
      REQUIRE(s.start_cycle == cyc.folds[f].start_cycle);
      REQUIRE(s.stream_start_cycle == cyc.folds[f].stream_start_cycle);
      REQUIRE(s.anchor_cycle == cyc.folds[f].anchor_cycle);
      REQUIRE(s.array_free_cycle == cyc.folds[f].array_free_cycle);
      REQUIRE(s.outputs_done_cycle == cyc.folds[f].outputs_done_cycle);
      REQUIRE(s.breakdown.cycles == cyc.folds[f].breakdown.cycles);
      ++passes_checked;
    }
    REQUIRE(seq.finish(0).array_free_cycle == cyc.total_cycles);
    if (folds.size() > 1) ++multi_pass_layers;
  }
  // The draws must exercise more than one-pass layers (a generator that only made tiny layers
  // would prove little).
  CHECK(multi_pass_layers >= 50);
  CHECK(passes_checked >= 500);
}
