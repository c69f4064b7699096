// Dataflow traits (arch/matrix/dataflow): the factory covers every spelling of the enum, and each
// dataflow's mapping, reuse loops, release rule and timing selectors are those of its definition
// (DERIVATION.md: os rows <- M, cols <- N, stream <- K; ws K, N, M; is K, M, N).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "arch/matrix/dataflow/dataflow.h"

using namespace tpusim;
using namespace tpusim::arch::dataflow;

TEST_CASE("traits_of covers every value of the Dataflow enum", "[dataflow]") {
  // The enum's name table (sim/spec/types.h) lists every value: a value added there without
  // traits fails here.
  const auto values = enum_values<Dataflow>();
  REQUIRE(values.size() == 4);
  for (Dataflow df : values) {
    INFO(to_string(df));
    CHECK(traits_of(df).id() == df);
  }
}

TEST_CASE("each GEMM dataflow maps M, N, K one to one onto rows, columns and stream", "[dataflow]") {
  for (Dataflow df : {Dataflow::os, Dataflow::ws, Dataflow::is}) {
    INFO(to_string(df));
    const GemmDataflow* g = traits_of(df).gemm_mapping();
    REQUIRE(g != nullptr);
    std::set<GemmDim> dims;
    for (Loop l : {Loop::row, Loop::col, Loop::stream}) {
      dims.insert(g->dim_of(l));
      CHECK(g->loop_of(g->dim_of(l)) == l);
    }
    CHECK(dims.size() == 3);
  }
}

TEST_CASE("map_dims and fold_tiles follow each dataflow's definition", "[dataflow]") {
  const GemmShape g{5, 7, 3, 1};  // M = 5, N = 7, K = 3
  // A fold of r = 2 rows, c = 3 columns, t = 4 streamed elements.
  SECTION("os: rows <- M, cols <- N, stream <- K; A = r x t, B = t x c, C = r x c") {
    const auto& t = traits_of(Dataflow::os);
    const MappedDims d = t.map_dims(g);
    CHECK((d.sr == 5 && d.sc == 7 && d.t == 3));
    const FoldTiles f = t.fold_tiles(2, 3, 4);
    CHECK((f.a == 8 && f.b == 12 && f.out == 6));
  }
  SECTION("ws: rows <- K, cols <- N, stream <- M; A = t x r, B = r x c stationary, C = t x c") {
    const auto& t = traits_of(Dataflow::ws);
    const MappedDims d = t.map_dims(g);
    CHECK((d.sr == 3 && d.sc == 7 && d.t == 5));
    const FoldTiles f = t.fold_tiles(2, 3, 4);
    CHECK((f.a == 8 && f.b == 6 && f.out == 12));
  }
  SECTION("is: rows <- K, cols <- M, stream <- N; A = c x r stationary, B = r x t, C = c x t") {
    const auto& t = traits_of(Dataflow::is);
    const MappedDims d = t.map_dims(g);
    CHECK((d.sr == 3 && d.sc == 5 && d.t == 7));
    const FoldTiles f = t.fold_tiles(2, 3, 4);
    CHECK((f.a == 6 && f.b == 8 && f.out == 12));
  }
}

TEST_CASE("reduction and reuse loops: the loop of K, and of the dimension each operand lacks", "[dataflow]") {
  // A's tiles are indexed by (M, K): reused along N's loop; B's by (K, N): along M's loop.
  //   os: A over (row, stream) -> col; B over (stream, col) -> row; K streams.
  //   ws: A over (stream, row) -> col; B over (row, col) -> stream; K on rows.
  //   is: A over (col, row) -> stream; B over (row, stream) -> col; K on rows.
  struct Case {
    Dataflow df;
    Loop a, b, red;
  };
  for (const Case& c : {Case{Dataflow::os, Loop::col, Loop::row, Loop::stream},
                        Case{Dataflow::ws, Loop::col, Loop::stream, Loop::row},
                        Case{Dataflow::is, Loop::stream, Loop::col, Loop::row}}) {
    INFO(to_string(c.df));
    const auto& t = traits_of(c.df);
    CHECK(t.reuse_loop(GemmOperand::a) == c.a);
    CHECK(t.reuse_loop(GemmOperand::b) == c.b);
    CHECK(t.reduction_loop() == c.red);
    CHECK(t.reuse_loop(GemmOperand::c) == c.red);  // an output tile comes back along K
  }
}

TEST_CASE("release rule, closed form, engine and N:M skipping of each dataflow", "[dataflow]") {
  const auto& os = traits_of(Dataflow::os);
  const auto& ws = traits_of(Dataflow::ws);
  const auto& is = traits_of(Dataflow::is);
  // The stationary operand is shifted in before the stream: ws holds weights, is activations;
  // os streams both.
  CHECK(os.stationary_operand() == GemmOperand::none);
  CHECK(ws.stationary_operand() == GemmOperand::b);
  CHECK(is.stationary_operand() == GemmOperand::a);
  CHECK(os.closed_form() == ClosedForm::output_stationary);
  CHECK(os.engine() == Engine::output_stationary);
  for (const DataflowTraits* t : {&ws, &is}) {
    CHECK(t->closed_form() == ClosedForm::stationary_operand);
    CHECK(t->engine() == Engine::stationary_operand);
    CHECK(std::string(t->probe_names().stationary) == "stationary");
  }
  CHECK(std::string(os.probe_names().result) == "acc");
  // is would need all m activations of a group per PE (sim/mapper/sparsity.h).
  CHECK(os.nm_skip_blocker() == nullptr);
  CHECK(ws.nm_skip_blocker() == nullptr);
  CHECK(is.nm_skip_blocker() != nullptr);
}

TEST_CASE("row stationary: passes touch K on rows, N on columns, M in time, and are no GEMM tiling", "[dataflow]") {
  // A pass covers a group of channels (a chunk of K = C x R x S), a group of filters (N) and a run
  // of output rows (M); it reads t x r ifmap (im2col-counted), r x c weights, writes t x c sums.
  const auto& rs = traits_of(Dataflow::rs);
  const MappedDims d = rs.map_dims(GemmShape{5, 7, 3, 1});
  CHECK((d.sr == 3 && d.sc == 7 && d.t == 5));
  const FoldTiles f = rs.fold_tiles(2, 3, 4);
  CHECK((f.a == 8 && f.b == 6 && f.out == 12));
  CHECK(rs.reduction_loop() == Loop::row);
  CHECK(rs.reuse_loop(GemmOperand::a) == Loop::col);
  CHECK(rs.reuse_loop(GemmOperand::b) == Loop::stream);
  CHECK(rs.reuse_loop(GemmOperand::c) == Loop::row);
  // The DMA writes the filters into the scratchpads the whole pass reads: nothing is shifted in.
  CHECK(rs.stationary_operand() == GemmOperand::none);
  CHECK(rs.closed_form() == ClosedForm::row_stationary);
  CHECK(rs.engine() == Engine::row_stationary);
  CHECK(rs.gemm_mapping() == nullptr);
  CHECK(rs.row_passes());
  CHECK(rs.nm_skip_blocker() != nullptr);
  for (Dataflow df : {Dataflow::os, Dataflow::ws, Dataflow::is}) CHECK_FALSE(traits_of(df).row_passes());
}
