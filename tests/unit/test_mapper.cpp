// The mapper: GEMM lowering of layers, fold counts, chunking to fit buffers, the instruction
// stream. Expected numbers are derived by hand in the comments.
#include <catch2/catch.hpp>

#include "sim/spec/arch_loader.h"
#include "sim/mapper/mapped_workload.h"
#include "sim/mapper/plan.h"
#include "sim/mapper/program.h"

using namespace tpusim;

namespace {

/// A SCALE-Sim-like 32x32 array with three int8 buffers; accumulators live in ofmap.
ArchConfig three_buffer_arch(Dataflow df, uint64_t ifmap_bytes = 65536, uint64_t ofmap_bytes = 65536) {
  nlohmann::json doc = {
      {"name", "t"},
      {"array", {{"rows", 32}, {"cols", 32}, {"dataflow", to_string(df)}}},
      {"buffers",
       {{"ifmap", {{"holds", {"inputs"}}, {"capacity_bytes", ifmap_bytes}}},
        {"filter", {{"holds", {"weights"}}, {"capacity_bytes", 65536}}},
        {"ofmap", {{"holds", {"outputs"}}, {"capacity_bytes", ofmap_bytes}}}}}};
  return config::parse_arch(doc, "test.json");
}

Layer gemm_layer(uint64_t m, uint64_t n, uint64_t k) {
  Layer l;
  l.name = "g";
  l.op = OpKind::gemm;
  l.gemm = {m, n, k, 1};
  return l;
}

}  // namespace

TEST_CASE("conv2d lowers to GEMM dimensions by im2col", "[mapper]") {
  const Workload w = parse_workload(nlohmann::json::parse(R"({"name": "w", "batch": 2, "layers": [
    {"name": "conv1", "op": "conv2d", "in_h": 224, "in_w": 224, "in_c": 3, "out_c": 64,
     "kernel_h": 7, "kernel_w": 7, "stride": 2, "padding": 3},
    {"name": "dw", "op": "conv2d", "in_h": 112, "in_w": 112, "in_c": 32, "out_c": 32,
     "kernel_h": 3, "kernel_w": 3, "stride": [2, 1], "padding": 1, "groups": 32, "batch": 1},
    {"name": "fc", "op": "linear", "in_features": 2048, "out_features": 1000}]})"),
                                    "w.json");
  // conv1: out = (224 + 2*3 - 7) / 2 + 1 = 112 per side; M = batch 2 * 112 * 112 = 25088,
  // K = 7*7*3 = 147, N = 64, one group.
  CHECK(w.layers[0].gemm.m == 25088);
  CHECK(w.layers[0].gemm.k == 147);
  CHECK(w.layers[0].gemm.n == 64);
  CHECK(w.layers[0].gemm.count == 1);
  // Depthwise, stride (2, 1): out_h = (112 + 2 - 3)/2 + 1 = 56, out_w = (112 + 2 - 3)/1 + 1 = 112;
  // per group M = 56*112 = 6272, K = 3*3*1 = 9, N = 1, 32 groups; MACs = 6272*9*32 = 1806336.
  CHECK(w.layers[1].gemm.m == 6272);
  CHECK(w.layers[1].gemm.k == 9);
  CHECK(w.layers[1].gemm.n == 1);
  CHECK(w.layers[1].gemm.count == 32);
  CHECK(w.layers[1].gemm.macs() == 1806336);
  // linear at workload batch 2: M = 2 tokens-rows, K = 2048, N = 1000.
  CHECK(w.layers[2].gemm.m == 2);
  CHECK(w.total_macs() == 25088ull * 147 * 64 + 1806336 + 2ull * 2048 * 1000);
}

TEST_CASE("ResNet-50 workload has the published MAC count", "[mapper]") {
  // torchvision ResNet-50 (v1.5): 4.09 GMACs for 53 convs + FC at 224x224, batch 1; summing
  // out_h*out_w*k_h*k_w*in_c*out_c over the convs plus 2048*1000 gives 4,089,184,256.
  const Workload w = load_workload_json(std::string(TPUSIM_SOURCE_DIR) + "/workloads/resnet50.json");
  CHECK(w.total_macs() == 4089184256ull);
}

TEST_CASE("tile counts and chunking follow the buffer capacities", "[mapper]") {
  SECTION("GEMM 128x64x256, WS, everything fits") {
    // ws: rows <- K = 256 (8 folds of 32), cols <- N = 64 (2 folds), stream <- M = 128.
    // ifmap needs t*32 B per stream row, double-buffered: 64 B per t -> up to 1024 >= 128.
    // ofmap holds int32 partial sums t*32*4 B, double-buffered: 256 B per t -> up to 256 >= 128.
    const auto p = mapper::plan_gemm(three_buffer_arch(Dataflow::ws), gemm_layer(128, 64, 256));
    CHECK(p.row_folds == 8);
    CHECK(p.col_folds == 2);
    CHECK(p.tile_t == 128);
    CHECK(p.t_chunks == 1);
    CHECK(p.folds() == 16);
    // Every operand fetched once is the least traffic; the conventional order wins the tie.
    CHECK(mapper::to_string(p.order) == "col>stream>row");
    CHECK(p.keep_a);  // all of A (128*256 = 32768 B) + a tile fit the 64 KiB ifmap
    CHECK(p.keep_b);  // B's column strip (256*32 = 8192 B) + a tile fit the filter buffer
    CHECK(p.est_dram_read_bytes == 32768 + 16384);
    CHECK(p.est_dram_write_bytes == 8192);
    CHECK(p.mapping_efficiency(three_buffer_arch(Dataflow::ws)) == 1.0);
  }
  SECTION("a 4 KiB ofmap forces chunks of the stream") {
    // 256 B per stream row (see above): 4096 / 256 = 16 rows per chunk, 128 / 16 = 8 chunks.
    const auto p = mapper::plan_gemm(three_buffer_arch(Dataflow::ws, 65536, 4096), gemm_layer(128, 64, 256));
    CHECK(p.tile_t == 16);
    CHECK(p.t_chunks == 8);
    CHECK(p.folds() == 8 * 2 * 8);
  }
  SECTION("partial folds lower the mapping efficiency") {
    // os: rows <- M = 40 (folds of 32 and 8), cols <- N = 20 (one fold of 20):
    // mean rows used = 40/2 = 20 of 32, cols 20 of 32 -> (20/32) * (20/32) = 0.390625.
    const auto arch = three_buffer_arch(Dataflow::os);
    const auto p = mapper::plan_gemm(arch, gemm_layer(40, 20, 100));
    CHECK(p.row_folds == 2);
    CHECK(p.col_folds == 1);
    CHECK(p.mapping_efficiency(arch) == Approx(0.390625).epsilon(1e-15));
  }
}

TEST_CASE("the instruction stream of a small GEMM", "[mapper]") {
  // GEMM 128x64x256 on 32x32 WS (plan above): 16 folds in order col fold > chunk > row fold.
  // A (inputs) tiles are indexed by (chunk, row fold) and resident, so each of the 8 is loaded
  // once, during col fold 0: 8 loads of 128*32 = 4096 B = 32768 B. B (weights) tiles are
  // indexed by (row fold, col fold): 16 loads of 32*32 = 1024 B = 16384 B. One store per
  // (col fold, chunk) = 2 stores of 128*32 = 4096 B = 8192 B.
  const ArchConfig arch = three_buffer_arch(Dataflow::ws);
  const Layer layer = gemm_layer(128, 64, 256);
  mapper::LayerProgram program(arch, mapper::map_layer(arch, layer));
  arch::Instr i;
  uint64_t loads_a = 0, loads_b = 0, matmuls = 0, stores = 0, read = 0, written = 0, macs = 0, next_id = 0;
  while (program.next(i)) {
    CHECK(i.id == next_id++);
    for (uint8_t d = 0; d < i.dep_count; ++d) CHECK(i.deps[d] < i.id);
    switch (i.kind) {
      case arch::InstrKind::load:
        (i.operand == arch::Operand::inputs ? loads_a : loads_b)++;
        read += i.dram_bytes;
        break;
      case arch::InstrKind::matmul:
        ++matmuls;
        macs += i.macs;
        break;
      case arch::InstrKind::store:
        ++stores;
        written += i.dram_bytes;
        break;
      default: FAIL("unexpected instruction");
    }
  }
  CHECK(loads_a == 8);
  CHECK(loads_b == 16);
  CHECK(matmuls == 16);
  CHECK(stores == 2);
  CHECK(read == 32768 + 16384);
  CHECK(written == 8192);
  CHECK(macs == 128ull * 64 * 256);
}

namespace {

struct Traffic {
  uint64_t read = 0, written = 0, matmuls = 0;
};

Traffic program_traffic(const ArchConfig& arch, const Layer& layer) {
  mapper::LayerProgram program(arch, mapper::map_layer(arch, layer));
  arch::Instr i;
  Traffic t;
  while (program.next(i)) {
    if (i.kind == arch::InstrKind::load) t.read += i.dram_bytes;
    if (i.kind == arch::InstrKind::store) t.written += i.dram_bytes;
    if (i.kind == arch::InstrKind::matmul) ++t.matmuls;
  }
  return t;
}

}  // namespace

TEST_CASE("a pinned loop order that spills partial sums", "[mapper]") {
  // GEMM 128x64x256, WS on 32x32, a 4 KiB ofmap: 16-row stream chunks (see above), 8 chunks,
  // 8 row folds, 2 col folds. Pinned order col > row > stream puts the reduction (row) in
  // the middle: the live partial sums of a column strip are 128 x 32 x 4 B = 16 KiB > 4 KiB,
  // so they go to DRAM and back between the 8 reduction steps: 7 round trips of all
  // 128 x 64 x 4 B = 32768 B of partial sums = 229376 B read and 229376 B written.
  // A (reuse loop col, outermost): all 32768 B fit the ifmap -> fetched once.
  // B (reuse loop stream, innermost): each tile once -> 16384 B.
  // Reads: 32768 + 16384 + 229376 = 278528 B; writes: 8192 outputs + 229376 = 237568 B.
  const ArchConfig arch = three_buffer_arch(Dataflow::ws, 65536, 4096);
  Layer layer = gemm_layer(128, 64, 256);
  layer.pin.loop_order = parse_loop_order("col>row>stream");
  const auto p = mapper::plan_gemm(arch, layer);
  CHECK(p.spill_partials);
  CHECK(p.est_dram_read_bytes == 278528);
  CHECK(p.est_dram_write_bytes == 237568);
  const Traffic t = program_traffic(arch, layer);
  CHECK(t.read == 278528);
  CHECK(t.written == 237568);
  CHECK(t.matmuls == 8 * 2 * 8);
  // Left to itself the mapper keeps the reduction innermost: no spill, each operand once.
  const auto free_plan = mapper::plan_gemm(arch, gemm_layer(128, 64, 256));
  CHECK_FALSE(free_plan.spill_partials);
  CHECK(free_plan.est_dram_read_bytes == 32768 + 16384);
}

TEST_CASE("conv inputs are fetched by their footprint and not by im2col", "[mapper]") {
  // 3x3 conv, 8x8x4 input, padding 1, 4 filters: M = 64, K = 36, N = 4. im2col would read
  // 64 * 36 = 2304 B; the input feature map is 8*8*4 = 256 B, fetched once since it fits.
  const Workload w = parse_workload(nlohmann::json::parse(R"({"name": "c", "layers": [
    {"name": "c", "op": "conv2d", "in_h": 8, "in_w": 8, "in_c": 4, "out_c": 4,
     "kernel_h": 3, "kernel_w": 3, "padding": 1}]})"),
                                    "c.json");
  const ArchConfig arch = three_buffer_arch(Dataflow::ws);
  const auto p = mapper::plan_gemm(arch, w.layers[0]);
  CHECK(p.a_footprint == 256);
  CHECK(p.est_dram_read_bytes == 256 + 36 * 4);
  // The program scales each A tile and rounds up: K = 36 makes two row folds (32 + 4) of
  // 64-row im2col tiles, 2048 B and 256 B, fetched as ceil(2048 * 256/2304) = 228 B and
  // ceil(256 * 256/2304) = 29 B; plus the weights 144 B: 401 B.
  CHECK(program_traffic(arch, w.layers[0]).read == 228 + 29 + 144);
}
