// Embedding lookups (embedding_bag): parsing, the bursts gathered rows touch, and the chunking.
// Expected numbers are derived by hand in the comments or by an independent brute force.
#include <random>

#include <catch2/catch.hpp>

#include "sim/base/error.h"
#include "sim/mapper/embedding.h"
#include "sim/spec/arch_loader.h"

using namespace tpusim;

namespace {

/// Bursts touched, row by row: [j r / B, (j r + r - 1) / B] for each row j (the definition).
uint64_t bursts_brute_force(uint64_t first, uint64_t rows, uint64_t r, uint64_t burst) {
  uint64_t n = 0;
  for (uint64_t j = first; j < first + rows; ++j) n += (j * r + r - 1) / burst - j * r / burst + 1;
  return n;
}

Workload one_op(const nlohmann::json& op) {
  return parse_workload({{"name", "w"}, {"batch", 4}, {"layers", nlohmann::json::array({op})}}, "w.json");
}

}  // namespace

TEST_CASE("gathered rows touch the bursts their offsets say", "[embedding]") {
  // 48 B rows in 64 B bursts: offsets 0, 48, 32, 16 repeat; rows at 0 and 16 fit one burst, rows
  // at 32 and 48 straddle two: 1, 2, 2, 1 per period of 4 rows.
  CHECK(mapper::gathered_bursts(0, 8, 48, 64) == 12);
  CHECK(mapper::gathered_bursts(1, 2, 48, 64) == 4);
  CHECK(mapper::gathered_bursts(3, 1, 48, 64) == 1);
  // A multiple of the burst never straddles: 256 B rows are 4 bursts each.
  CHECK(mapper::gathered_bursts(7, 10, 256, 64) == 40);
  // 100 B rows (q = 1, s = 36): each touches 2 or 3 bursts.
  CHECK(mapper::gathered_bursts(0, 16, 100, 64) == bursts_brute_force(0, 16, 100, 64));
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t burst = uint64_t{1} << (rng() % 9);  // 1 .. 256
    const uint64_t r = 1 + rng() % 700, first = rng() % 100000, rows = rng() % 300;
    INFO("first " << first << " rows " << rows << " row bytes " << r << " burst " << burst);
    REQUIRE(mapper::gathered_bursts(first, rows, r, burst) == bursts_brute_force(first, rows, r, burst));
  }
  // Far along a huge table the closed form stays exact (no overflow): 2^40 rows in.
  const uint64_t far = uint64_t{1} << 40;
  CHECK(mapper::gathered_bursts(far, 64, 48, 64) == bursts_brute_force(far, 64, 48, 64));
}

TEST_CASE("embedding_bag parses into its gathers and pooling work", "[embedding]") {
  const Workload w = one_op({{"name", "e"}, {"op", "embedding_bag"}, {"tables", 3}, {"rows", 1000000}, {"dim", 64},
                             {"lookups", 20}, {"pooling", "mean"}});
  const Layer& l = w.layers[0];
  // batch 4 x 3 tables = 12 bags, 20 lookups each = 240 gathered rows (its input: 240 indices).
  CHECK(l.embedding.bags() == 12);
  CHECK(l.vector.elements_in == 240);
  CHECK(l.vector.elements_out == 12 * 64);
  // One lane-op per gathered element (240 x 64) plus mean's scale per output element (768).
  CHECK(l.vector.ops == 240 * 64 + 768);
  CHECK_THROWS_WITH(one_op({{"name", "e"}, {"op", "embedding_bag"}, {"rows", 10}, {"dim", 8}, {"index_bytes", 6}}),
                    Catch::Contains("w.json") && Catch::Contains("/layers/0/index_bytes") &&
                        Catch::Contains("4 (int32) or 8 (int64), got 6"));
  CHECK_THROWS_WITH(one_op({{"name", "e"}, {"op", "embedding_bag"}, {"dim", 8}}),
                    Catch::Contains("/layers/0/rows"));
  CHECK_THROWS_WITH(one_op({{"name", "e"}, {"op", "embedding_bag"}, {"rows", 10}, {"dim", 8}, {"pooling", "min"}}),
                    Catch::Contains("/layers/0/pooling"));
}

TEST_CASE("embedding_bag chunks are whole bags that fit the buffers", "[embedding]") {
  // int8 weights: 64 B rows; 20 lookups a bag = 1280 B of rows (x 2 double-buffered = 2560 B per
  // bag in a 16 KiB weights buffer: 6 bags); indices 80 B (x 2 = 160 B: 102 bags in 16 KiB);
  // outputs 64 elements of int32 = 256 B (x 2 = 512 B: 32 bags). The weights buffer decides: 6 bags.
  const ArchConfig arch = config::parse_arch(
      {{"name", "t"},
       {"array", {{"rows", 8}, {"cols", 8}, {"dataflow", "ws"}}},
       {"datatypes", {{"input", "int8"}, {"weight", "int8"}, {"output", "int32"}}},
       {"buffers",
        {{"in", {{"holds", {"inputs"}}, {"capacity_bytes", 16384}}},
         {"w", {{"holds", {"weights"}}, {"capacity_bytes", 16384}}},
         {"out", {{"holds", {"outputs"}}, {"capacity_bytes", 16384}}}}}},
      "t.json");
  const Workload w = one_op({{"name", "e"}, {"op", "embedding_bag"}, {"tables", 3}, {"rows", 1000}, {"dim", 64},
                             {"lookups", 20}});
  const mapper::VectorPlan p = mapper::plan_embedding(arch, w.layers[0], {});
  CHECK(p.chunk_elements == 6 * 64);
  CHECK(p.chunks == 2);  // 12 bags in chunks of 6
  // A bag that cannot fit: 300 lookups of 64 B = 19200 B > 16 KiB even single-buffered.
  const Workload big = one_op({{"name", "e"}, {"op", "embedding_bag"}, {"rows", 1000}, {"dim", 64}, {"lookups", 300}});
  CHECK_THROWS_WITH(mapper::plan_embedding(arch, big.layers[0], {}),
                    Catch::Contains("t.json") && Catch::Contains("/buffers/w/capacity_bytes") &&
                        Catch::Contains("embedding_bag \"e\""));
}
