#!/bin/sh
# Builds and runs the timing-model benchmark: cycle model PE-cycles/s on 32x32 and 128x128,
# FoldSequencer::schedule() calls/s. Usage: scripts/bench_pe_array.sh [extra g++ flags]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/tpusim_bench_pe_array
g++ -std=c++17 -O2 "$@" -I"$root" "$root/scripts/bench_pe_array.cpp" \
  "$root"/arch/matrix/timing/fold_timing.cpp "$root"/arch/matrix/timing/rs_fold_timing.cpp "$root"/arch/matrix/cycle_model/pe_array*.cpp \
  "$root"/arch/matrix/dataflow/*.cpp \
  "$root"/sim/base/error.cpp "$root"/sim/base/cycle_breakdown.cpp "$root"/sim/spec/types.cpp -o "$out"
"$out"
