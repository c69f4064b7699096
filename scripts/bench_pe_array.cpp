// Throughput of the matrix unit's timing models (built by scripts/bench_pe_array.sh):
//   cycle model: PE-cycles per second (stepped cycles x rows x cols / time), one core;
//   analytic model: FoldSequencer::schedule() calls per second.
// Rates are given per CPU second of this process (robust when other jobs share the cores) and
// per wall-clock second.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <vector>

#include "arch/matrix/timing/fold_timing.h"
#include "arch/matrix/cycle_model/pe_array.h"

using namespace tpusim;
using namespace tpusim::arch::timing;

namespace {

struct Timer {
  std::chrono::steady_clock::time_point wall0 = std::chrono::steady_clock::now();
  std::clock_t cpu0 = std::clock();
  double wall_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(); }
  double cpu_s() const { return static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC; }
};

void bench_cycle(uint32_t n, Dataflow df, bool db, const PeDataTypes& types, const char* type_name,
                 bool follow = false, uint64_t stream_override = 0) {
  ArrayConfig a;
  a.rows = a.cols = n;
  a.dataflow = df;
  a.double_buffer_stationary = db;
  a.preload_follows_wave = follow;
  a.overlap_folds = true;
  a.verify_results = false;
  a.max_pe_cycles = 0;
  PeArrayModel model(a, types);
  // Full folds with streams long enough that the run takes a fraction of a second.
  const uint64_t stream = stream_override ? stream_override : n <= 32 ? 4096 : 2048;
  const size_t count = stream_override ? (n <= 32 ? 8192 : 64) : (n <= 32 ? 64 : 4);
  const std::vector<FoldShape> folds(count, FoldShape{n, n, stream});
  const Timer timer;
  const ArrayTiming t = model.run_folds(folds, {}, 1);
  const double cpu = timer.cpu_s(), wall = timer.wall_s();
  std::printf("cycle model %3ux%-3u %s db=%d%s %-5s s=%-4llu %8llu cycles  %.3g PE-cycles/CPU-s  (%.3g per wall-s)\n", n, n,
              to_string(df), db, follow ? "+follow" : "", type_name, static_cast<unsigned long long>(stream),
              static_cast<unsigned long long>(t.total_cycles),
              static_cast<double>(t.pe_cycles) / cpu, static_cast<double>(t.pe_cycles) / wall);
}

void bench_analytic() {
  ArrayConfig a;
  a.rows = a.cols = 128;
  a.dataflow = Dataflow::ws;
  a.double_buffer_stationary = true;
  a.overlap_folds = true;
  FoldSequencer seq(a);
  const uint64_t calls = 20'000'000;
  uint64_t sink = 0;
  const Timer timer;
  for (uint64_t i = 0; i < calls; ++i) {
    const FoldShape f{1 + (i * 7) % 128, 1 + (i * 13) % 128, 1 + (i * 29) % 300};
    sink += seq.schedule(f, (i & 1023) == 0 ? seq.mark() + 50 : 0).array_free_cycle;
  }
  const double cpu = timer.cpu_s(), wall = timer.wall_s();
  std::printf("analytic    FoldSequencer::schedule %llu calls  %.3g calls/CPU-s  (%.3g per wall-s, checksum %llu)\n",
              static_cast<unsigned long long>(calls), calls / cpu, calls / wall, static_cast<unsigned long long>(sink % 1000));
}

}  // namespace

int main() {
  const PeDataTypes int8{DataType::int8, DataType::int8, DataType::int32, false};
  const PeDataTypes fp32{DataType::bf16, DataType::bf16, DataType::fp32, false};
  for (uint32_t n : {32u, 128u}) {
    for (Dataflow df : {Dataflow::ws, Dataflow::os, Dataflow::is}) bench_cycle(n, df, true, int8, "int8");
    bench_cycle(n, Dataflow::ws, true, fp32, "bf16");
    bench_cycle(n, Dataflow::os, true, fp32, "bf16");
    // Short folds (s = n) with the wave-following preload: a stationary shift every fold.
    bench_cycle(n, Dataflow::ws, true, int8, "int8", true, n);
  }
  bench_analytic();
  return 0;
}
