// /array/conv_lowering channels_on_rows (Gemmini's convolutions: each kernel position's input
// channels on the array rows, one position at a time) against im2col. Expected numbers are
// derived by hand in the comments from arch/matrix/timing/DERIVATION.md.
#include <catch2/catch.hpp>

#include <vector>

#include "arch/matrix/timing/fold_timing.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/plan.h"
#include "sim/mapper/program.h"
#include "sim/spec/arch_loader.h"

using namespace tpusim;

namespace {

/// 4x4 ws, double-buffered stationary registers, overlapping folds, L = 1; buffers far larger
/// than the layer.
ArchConfig small_ws(const char* lowering) {
  nlohmann::json doc = {
      {"name", "g"},
      {"array",
       {{"rows", 4}, {"cols", 4}, {"dataflow", "ws"}, {"double_buffer_stationary", true}, {"overlap_folds", true},
        {"conv_lowering", lowering}}},
      {"buffers",
       {{"sp", {{"holds", {"inputs", "weights"}}, {"capacity_bytes", 1 << 20}, {"double_buffered", true}}},
        {"acc", {{"holds", {"accumulators", "outputs"}}, {"capacity_bytes", 1 << 20}, {"double_buffered", true}}}}}};
  return config::parse_arch(doc, "g.json");
}

/// 6x6 ifmap of 3 channels, 4 filters of 3x3, stride 1, no padding: 4x4 outputs, M = 16,
/// K = 27 (im2col), N = 4.
Layer small_conv() {
  Layer l;
  l.name = "c";
  l.op = OpKind::conv2d;
  ConvParams& c = l.conv;
  c.in_h = c.in_w = 6, c.in_c = 3, c.out_c = 4, c.kernel_h = c.kernel_w = 3;
  l.gemm = {16, 4, 27, 1};
  return l;
}

/// The matmul folds of the layer's program, timed back to back with operands at hand.
uint64_t array_cycles(const ArchConfig& arch, std::vector<arch::timing::FoldShape>& folds) {
  // The mapping and the program refer to the layer: it must outlive them (a temporary here was
  // AddressSanitizer's stack-use-after-scope, tests/sanitizers/README.md).
  const Layer layer = small_conv();
  const mapper::MappedLayer mapped = mapper::map_layer(arch, layer);
  mapper::LayerProgram program(arch, mapped);
  arch::Instr i;
  while (program.next(i))
    if (i.kind == arch::InstrKind::matmul) folds.push_back(i.fold);
  arch::timing::FoldSequencer seq(arch.array);
  uint64_t end = 0;
  for (const auto& f : folds) end = std::max(end, seq.schedule(f, 0).outputs_done_cycle);
  return end;
}

}  // namespace

TEST_CASE("conv_lowering: channels_on_rows runs a small conv one kernel position at a time", "[mapper][conv]") {
  // channels_on_rows: 9 kernel positions x ceil(3 / 4) = 9 folds of r = 3 rows, c = 4 columns,
  // s = 16 (all of M). DERIVATION.md, ws with double buffering and overlap, R = 4, L = 1:
  //   fold 0: ld = 0, S = R = 4, A = S + (r-1)L = 6.
  //   fold f > 0: ld = A_p + c - 1 = A_p + 3, S = max(ld + R, A_p + s - (r-1)L) = max(A_p + 7,
  //   A_p + 14) = A_p + 14, A = S + 2 = A_p + 16: one fold every s = 16 cycles.
  //   fold 8: A = 6 + 8 x 16 = 134; E = A + s + c + L - 2 = 134 + 16 + 4 - 1 = 153.
  std::vector<arch::timing::FoldShape> folds;
  CHECK(array_cycles(small_ws("channels_on_rows"), folds) == 153);
  REQUIRE(folds.size() == 9);
  for (const auto& f : folds) {
    CHECK(f.rows_used == 3);
    CHECK(f.cols_used == 4);
    CHECK(f.stream_len == 16);
  }
}

TEST_CASE("conv_lowering: im2col packs the 27 reduction rows into 7 folds", "[mapper][conv]") {
  // im2col: K = 27 on 4 rows: 6 folds of r = 4 and one of r = 3, s = 16, c = 4.
  //   fold 0: S = 4, A = S + 3 = 7; folds 1..5: S = max(A_p + 7, A_p + 16 - 3) = A_p + 13,
  //   A = S + 3 = A_p + 16, so A_5 = 7 + 80 = 87.
  //   fold 6 (r = 3): S = max(A_5 + 3 + 4, A_5 + 16 - 2) = 101, A = S + 2 = 103;
  //   E = 103 + 16 + 4 - 1 = 122.
  std::vector<arch::timing::FoldShape> folds;
  CHECK(array_cycles(small_ws("im2col"), folds) == 122);
  REQUIRE(folds.size() == 7);
  CHECK(folds.back().rows_used == 3);
}

TEST_CASE("conv_lowering: channels_on_rows cuts many channels within each kernel position", "[mapper][conv]") {
  // 10 channels on 4 rows: ceil(10 / 4) = 3 folds per position (4, 4, 2 rows), 9 positions:
  // 27 row folds; the MACs stay those of the layer (16 x 4 x 90).
  const ArchConfig arch = small_ws("channels_on_rows");
  Layer l = small_conv();
  l.conv.in_c = 10;
  l.gemm.k = 90;
  const mapper::GemmPlan p = mapper::plan_gemm(arch, l);
  CHECK(p.k_segment == 10);
  CHECK(p.row_folds == 27);
  CHECK(p.extent(mapper::Loop::row, 0) == 4);
  CHECK(p.extent(mapper::Loop::row, 2) == 2);
  CHECK(p.extent(mapper::Loop::row, 3) == 4);
  mapper::LayerProgram program(arch, mapper::map_layer(arch, l));
  arch::Instr i;
  uint64_t macs = 0;
  while (program.next(i))
    if (i.kind == arch::InstrKind::matmul) macs += i.macs;
  CHECK(macs == 16ull * 4 * 90);
}
