#!/bin/sh
# Speed of the simulator itself, to be tracked like any other number (not a timed test: the
# figures depend on the machine). Prints a table and writes results/bench/bench.json with:
#   - wall time and peak RSS of ResNet-50 on every preset in configs/*.json (native mode);
#   - the same in SCALE-Sim mode (configs/scalesim/*.cfg with SCALE-Sim's ResNet-50 topology),
#     or a note when this build cannot run it;
#   - cycle-model PE-cycles/s from scripts/bench_pe_array.sh, when that script exists (the cycle
#     model cannot be chosen in `tpusim run` yet);
#   - sweep points per second (`tpusim sweep --jobs 2`, 6 ResNet-50 points), when sweep exists.
# Usage: scripts/bench.sh [path/to/tpusim] [--out FILE] [--pe-timeout S]
#   tpusim: default $TPUSIM, else build/tpusim; --pe-timeout: seconds allowed to
#   scripts/bench_pe_array.sh, build included (default 30; its later cases are dropped).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tpusim=${TPUSIM:-$root/build/tpusim}
out="$root/results/bench/bench.json"
pe_timeout_s=30
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --pe-timeout) pe_timeout_s=$2; shift 2 ;;
    *) tpusim=$1; shift ;;
  esac
done
case $tpusim in /*) ;; *) tpusim=$(pwd)/$tpusim ;; esac
[ -x "$tpusim" ] || { echo "bench: no tpusim binary at $tpusim" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
cd "$root"
work=$(mktemp -d "${TMPDIR:-/tmp}/tpusim_bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

elapsed() { awk "BEGIN { printf \"%.3f\", $(date +%s.%N) - $1 }"; }  # seconds since $1
json_string() { printf '"%s"' "$(printf '%s' "$1" | tr '\n\t' '  ' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

runs=""     # JSON objects of the runs, comma-separated
notes=""    # JSON strings
add_run() { runs="${runs:+$runs,
}    $1"; }
add_note() { notes="${notes:+$notes, }$(json_string "$1")"; echo "note: $1"; }

# timed_run NAME MODE ARCH WORKLOAD [OPTIONS]: runs tpusim under /usr/bin/time, records wall s
# and peak RSS. WORKLOAD "-" passes no --workload (a model run: --model and --scenario in OPTIONS,
# which are one string of whole options).
timed_run() {
  start=$(date +%s.%N)  # wall time from date: /usr/bin/time's %e has 10 ms resolution
  extra=""
  [ $# -gt 4 ] && extra=$5
  input="--workload $4"
  [ "$4" = - ] && input=""
  rm -rf "$work/run"
  # shellcheck disable=SC2086 # $input and $extra hold whole options
  if /usr/bin/time -f "%M" -o "$work/time" "$tpusim" run -q --arch "$3" $input --out "$work/run" $extra \
      >/dev/null 2>"$work/err"; then
    set -- "$1" "$2" "$3" "$4" "$(elapsed "$start")" \
      "$(tail -1 "$work/time")"
    # A chip's report gives its total cycles; a system's (system_report.json) its step in ps.
    cycles="" step=""
    if [ -f "$work/run/report.json" ]; then
      cycles=$(sed -n 's/^    "cycles": \([0-9]*\),*$/\1/p' "$work/run/report.json" | tail -1)
      printf '%-34s %-9s %9s s %9s MiB  %14s simulated cycles\n' "$1" "$2" "$5" "$(($6 / 1024))" "$cycles"
    else
      step=$(sed -n 's/^  "step_ps": \([0-9]*\),*$/\1/p' "$work/run/system_report.json" | tail -1)
      printf '%-34s %-9s %9s s %9s MiB  %14s ps simulated step\n' "$1" "$2" "$5" "$(($6 / 1024))" "$step"
    fi
    add_run "{\"name\": $(json_string "$1"), \"mode\": \"$2\", \"arch\": $(json_string "$3"), \"workload\": $(json_string "$4"), \"options\": $(json_string "$extra"), \"wall_s\": $5, \"peak_rss_kib\": $6, \"simulated_cycles\": ${cycles:-null}, \"simulated_step_ps\": ${step:-null}}"
  else
    add_note "$1 ($2): tpusim run failed: $(head -1 "$work/err")"
  fi
}

echo "tpusim $("$tpusim" --version | sed 's/^tpusim //') on $(uname -m), $(nproc) cores"
printf '%-34s %-9s %11s %13s  %s\n' "run" "mode" "wall" "peak RSS" "result"
for preset in configs/*.json; do
  timed_run "resnet50 on $(basename "$preset" .json)" native "$preset" workloads/resnet50.json
done

# A big layer: GPT-3's first FFN layer (1.18 million folds on 32x32). Targets (issue 11): at most
# 0.5 s and 50 MB with identical cycles; the periodic fast-forward (arch/control/README.md) skips
# most folds, --no-fast-forward steps them all for comparison.
timed_run "gpt3_ffn1 on scalesim_32x32" native configs/scalesim_32x32.json workloads/gpt3_ffn1.json
timed_run "gpt3_ffn1 on scalesim_32x32, stepped" native configs/scalesim_32x32.json workloads/gpt3_ffn1.json \
  --no-fast-forward
# The same layer on a whole TPU v4 chip (2 cores x 4 MXUs, arch/chip/README.md), and graph
# execution against the layer barrier on ResNet-50 (issue 12: graph within 1.5x the barrier's time).
timed_run "gpt3_ffn1 on tpu_v4 (whole chip)" native configs/tpu_v4.json workloads/gpt3_ffn1.json
timed_run "resnet50 on eyeriss_like, barrier" native configs/eyeriss_like_12x14.json workloads/resnet50.json \
  "--set /core/layer_barrier=true"

# Large models (issues 14 and 15): a decode request of Llama 3 8B (128 tokens after a 2048-token
# context) on a TPU v4-like chip, and a pod-sized training step: the 64-layer transformer of
# scripts/gen_transformer_train.py (hidden 4096, sequence 2048, one sequence per chip) by data
# parallelism over the 4096-chip TPU v4 pod, --repeat 64 (target: under 2 s; sim/partition/README.md).
timed_run "llama3_8b decode b1 c2048 t128" model configs/tpu_v4_like_128x128.json - \
  "--model workloads/models/llama3_8b.json --scenario workloads/scenarios/decode_b1_c2048_t128.json"
if python3 scripts/gen_transformer_train.py --batch 4096 -o "$work/t4096.json" >/dev/null 2>"$work/err"; then
  echo '{"dp": {"degree": 4096, "axes": ["x", "y", "z"]}}' >"$work/dp4096.json"
  timed_run "training step, tpu_v4_pod dp 4096" system configs/systems/tpu_v4_pod.json "$work/t4096.json" \
    "--parallelism $work/dp4096.json --repeat 64 --allow-memory-overflow"
else
  add_note "training step skipped: scripts/gen_transformer_train.py failed: $(head -1 "$work/err")"
fi

# SCALE-Sim mode: its .cfg and its own ResNet-50 topology.
topology=""
for t in ../shared/reference/scalesim/topologies/resnet50.csv tests/data/scalesim/resnet50.csv; do
  [ -f "$t" ] && { topology=$t; break; }
done
for cfg in configs/scalesim/*.cfg; do
  [ -f "$cfg" ] && [ -n "$topology" ] || continue
  if "$tpusim" run -q --arch "$cfg" --workload "$topology" >/dev/null 2>"$work/err"; then
    timed_run "resnet50 on $(basename "$cfg")" scalesim "$cfg" "$topology"
  else
    add_note "SCALE-Sim mode skipped ($cfg): $(head -1 "$work/err")"
  fi
done

# Cycle model throughput (another script builds and runs the micro-benchmark).
pe=""
if [ -f scripts/bench_pe_array.sh ]; then
  # It takes about a minute on its own; give it pe_timeout_s (build included) and keep the lines
  # it finished (line-buffered so that a timeout loses only the case in progress).
  timeout "$pe_timeout_s" stdbuf -oL sh scripts/bench_pe_array.sh >"$work/pe" 2>"$work/err"
  status=$?
  [ "$status" -eq 124 ] && add_note "scripts/bench_pe_array.sh stopped after ${pe_timeout_s} s (--pe-timeout); later cases missing"
  if [ "$status" -eq 0 ] || [ "$status" -eq 124 ]; then
    # Lines like "cycle model 32x32 ws db=1 int8 ... 7.1e+07 PE-cycles/CPU-s  (6.9e+07 per wall-s)"
    # (older versions: "... 7.1e+07 PE-cycles/s").
    while IFS= read -r line; do
      wall_rate=$(printf '%s' "$line" | sed -n 's/.*(\([0-9.e+]*\) per wall-s.*/\1/p')
      case $line in
        "cycle model"*PE-cycles*)
          name=$(printf '%s' "$line" | sed 's/ *[0-9]* cycles .*//; s/  */ /g')
          rate=$(printf '%s' "$line" | sed -n 's/.* \([0-9.e+]*\) PE-cycles\/\(CPU-\)\{0,1\}s.*/\1/p')
          unit=PE-cycles ;;
        analytic*calls/*)
          name="analytic FoldSequencer::schedule"
          rate=$(printf '%s' "$line" | sed -n 's/.* \([0-9.e+]*\) calls\/\(CPU-\)\{0,1\}s.*/\1/p')
          unit=calls ;;
        *) continue ;;
      esac
      [ -n "$rate" ] || continue
      printf '%-50s %10s %s/CPU-s  (%s per wall-s)\n' "$name" "$rate" "$unit" "${wall_rate:-?}"
      key=$( [ "$unit" = calls ] && echo calls || echo pe_cycles )
      pe="${pe:+$pe,
}    {\"name\": $(json_string "$name"), \"${key}_per_cpu_s\": $rate, \"${key}_per_wall_s\": ${wall_rate:-null}}"
    done <"$work/pe"
    [ -n "$pe" ] || add_note "scripts/bench_pe_array.sh printed no PE-cycles/s line"
  else
    add_note "scripts/bench_pe_array.sh failed: $(head -1 "$work/err")"
  fi
else
  add_note "cycle-model PE-cycles/s skipped: scripts/bench_pe_array.sh does not exist"
fi

# Sweep throughput: 2 dataflows x 3 array sizes of ResNet-50 on 2 jobs.
sweep=null
if "$tpusim" sweep --help >/dev/null 2>&1; then
  cat >"$work/spec.json" <<SPEC
{"name": "bench", "arch": "$root/configs/scalesim_32x32.json", "workloads": ["$root/workloads/resnet50.json"],
 "axes": [{"path": "/array/dataflow", "values": ["os", "ws"]},
          {"path": "/array/rows", "values": [16, 32, 64]}],
 "combine": "product"}
SPEC
  start=$(date +%s.%N)
  if "$tpusim" sweep "$work/spec.json" --jobs 2 --out "$work/sweep" >/dev/null 2>"$work/err"; then
    wall=$(elapsed "$start")
    rate=$(awk "BEGIN { printf \"%.3f\", 6 / $wall }")
    printf '%-50s %12s points/s (6 points, --jobs 2, %s s)\n' "sweep resnet50 on scalesim_32x32" "$rate" "$wall"
    sweep="{\"points\": 6, \"jobs\": 2, \"wall_s\": $wall, \"points_per_s\": $rate}"
  else
    add_note "sweep skipped: tpusim sweep failed: $(head -1 "$work/err")"
  fi
else
  add_note "sweep points/s skipped: this tpusim has no sweep command"
fi

# The fidelity harness over all 1198 GEMMs measured on a TPU v4 (issue 13: under 60 s).
fidelity=null
data=../shared/reference/hardware/tpu_v4_gemm_calibration.json
if [ -f "$data" ] && [ -f scripts/fidelity.py ]; then
  start=$(date +%s.%N)
  if python3 scripts/fidelity.py --tpusim "$tpusim" --data "$data" --summary-only >"$work/fid" 2>"$work/err"; then
    wall=$(elapsed "$start")
    mape=$(awk '$1 == "all" { print $3 }' "$work/fid")
    printf '%-50s %10s s  (1198 cases, MAPE %s %%)\n' "fidelity tpu_v4 calibration set" "$wall" "$mape"
    fidelity="{\"cases\": 1198, \"wall_s\": $wall, \"mape_pct\": ${mape:-null}}"
  else
    add_note "fidelity skipped: $(tail -1 "$work/err")"
  fi
fi

mkdir -p "$(dirname "$out")"
cat >"$out" <<JSON
{
  "tool_version": $(json_string "$("$tpusim" --version | sed 's/^tpusim //')"),
  "date_utc": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"arch": "$(uname -m)", "cores": $(nproc)},
  "runs": [
$runs
  ],
  "pe_array": [
$pe
  ],
  "sweep": $sweep,
  "fidelity": $fidelity,
  "notes": [$notes]
}
JSON
echo "wrote $out"
