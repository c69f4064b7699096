#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan) in build-fuzz/ and runs each
# for SECONDS, one at a time in one process (-jobs=1: the machine is shared). Prints, per harness,
# the executions, executions per second, libFuzzer's coverage (cov: edges, ft: features), the
# corpus size and the findings (crash-*, leak-*, timeout-*, oom-* files under build-fuzz/findings/).
#
#   scripts/fuzz.sh SECONDS [HARNESS...]   e.g. scripts/fuzz.sh 60; scripts/fuzz.sh 1800 onnx compare
#
# Harness names drop the fuzz_ prefix (arch_json, set_value, workload_json, scalesim_cfg,
# scalesim_topology, onnx, ert_yaml, energy_table, sweep_spec, sweep_merge, compare, system, model_config,
# scenario, workload_plan, model_run). Seeds are the shipped files (configs/, workloads/, tests/data/, results/golden/,
# tests/fuzz/seeds/); the corpus each run grows is kept in build-fuzz/corpus/NAME and reused by the
# next run. Exit 0 when no harness found anything, 1 otherwise, 2 on bad usage. FUZZ_BUILD=0 skips
# the build and runs the harnesses already in build-fuzz/ (a long run whose sources change meanwhile);
# FUZZ_SUMMARY=FILE writes the table there instead (two runs side by side, different harnesses).
# A finding is replayed with build-fuzz/tests/fuzz/fuzz_NAME FILE (tests/fuzz/README.md).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in -h | --help) usage; exit 0 ;; esac
seconds="$1"; shift
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2; exit 2; }

all=(arch_json set_value workload_json scalesim_cfg scalesim_topology onnx ert_yaml energy_table sweep_spec sweep_merge
  compare system model_config scenario workload_plan model_run)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  [[ " ${all[*]} " == *" $h "* ]] || { echo "fuzz.sh: unknown harness '$h'; allowed: ${all[*]}" >&2; exit 2; }
done

# The seed files of a harness, from the shipped inputs of its format.
seeds_of() {
  cd "$root"
  case "$1" in
    arch_json) ls configs/*.json tests/data/memory/*.json ;;
    set_value) ;;  # generated: one "/pointer=value" per leaf of the presets (below)
    workload_json | workload_plan) ls workloads/*.json workloads/systems/*.json tests/data/memory/*.json tests/data/sparsity/*.json ;;
    scalesim_cfg) ls configs/scalesim/*.cfg ;;
    scalesim_topology) ls tests/data/scalesim/*.csv ;;
    onnx) ls tests/data/onnx/*.onnx; ls /usr/share/libonnx-testdata/data/node/*/model.onnx 2>/dev/null | head -300 ;;
    ert_yaml) ls tests/data/energy/*.yaml ;;
    energy_table) ls configs/energy/*.json tests/data/energy/*.json ;;
    sweep_spec) ls configs/sweeps/*.json ;;
    sweep_merge) ls tests/fuzz/seeds/sweep_merge/* ;;
    compare) ls tests/fuzz/seeds/compare/*; ls results/golden/tpu_v1/ws/*.json | head -6 ;;
    system) ls configs/systems/*.json ;;
    model_config) ls workloads/models/*.json ;;
    scenario) ls workloads/scenarios/*.json ;;
    model_run) ;;  # generated: every shipped model with every shipped scenario (below)
  esac
}

bf="$root/build-fuzz"
if [ "${FUZZ_BUILD:-1}" != 0 ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$bf" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTPUSIM_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" >/dev/null
  cmake --build "$bf" -j "${JOBS:-2}" --target "${harnesses[@]/#/fuzz_}"
fi

summary="${FUZZ_SUMMARY:-$bf/fuzz-summary.txt}"
printf '%-18s %7s %10s %8s %6s %7s %7s %s\n' harness seconds execs exec/s cov ft corpus findings | tee "$summary"
found=0
for h in "${harnesses[@]}"; do
  seeds="$bf/seeds/$h" corpus="$bf/corpus/$h" findings="$bf/findings/$h" log="$bf/logs/$h.log"
  rm -rf "$seeds"; mkdir -p "$seeds" "$corpus" "$findings" "$bf/logs" "$bf/dicts" "$bf/tmp"
  if [ "$h" = set_value ]; then
    python3 "$root/tests/fuzz/make_dict.py" --set-seeds "$seeds" "$root"/configs/*.json
  elif [ "$h" = model_run ]; then
    python3 "$root/tests/fuzz/make_dict.py" --pair-seeds "$seeds" "$root"/workloads/models/*.json -- \
      "$root"/workloads/scenarios/*.json
  else
    while read -r f; do cp "$root/$f" "$seeds/$(echo "$f" | tr / _)" 2>/dev/null || cp "$f" "$seeds/$(echo "$f" | tr / _)"; done < <(seeds_of "$h")
  fi
  if [ "$h" = compare ]; then  # a base and a current report of one workload (fuzz_compare's pairs)
    { cat "$root/results/golden/tpu_v1/ws/gemm_suite.json"; printf '\n--- current\n'
      cat "$root/results/golden/tpu_v1/os/gemm_suite.json"; } >"$seeds/pair_report"
  fi
  dict=()
  if [ "$h" != onnx ]; then
    python3 "$root/tests/fuzz/make_dict.py" "$bf/dicts/$h.dict" "$seeds"/*
    dict=(-dict="$bf/dicts/$h.dict")
  fi
  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: 2 GB is a blow-up (both findings).
  # Seeds of up to 256 KiB (the golden reports, ONNX models); a scratch TMPDIR per harness.
  rc=0
  TMPDIR="$bf/tmp" ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    LSAN_OPTIONS="suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0" \
    "$bf/tests/fuzz/fuzz_$h" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" "$seeds" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  n=$(find "$findings" -type f | wc -l)
  [ "$rc" -eq 0 ] || [ "$n" -gt 0 ] || n="exit $rc (see $log)"
  [ "$n" = 0 ] || found=1
  printf '%-18s %7s %10s %8s %6s %7s %7s %s\n' "$h" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$n" | tee -a "$summary"
done
echo "fuzz.sh: logs in $bf/logs, findings in $bf/findings, this table in $summary"
exit "$found"
