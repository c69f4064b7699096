#!/usr/bin/env bash
# Submits a tpusim sweep to Slurm: an array job of N shards, then a merge that runs when every
# shard succeeded. Prints the two job ids ("ARRAY_ID MERGE_ID").
#
#   scripts/slurm/submit.sh SPEC OUT N [sbatch options for the shards...]
#
# e.g. scripts/slurm/submit.sh configs/sweeps/df_x_size.json /shared/sweeps/dfx 16 --partition=cpu --cpus-per-task=8
# TPUSIM (default: the tpusim on the PATH, else build/tpusim) must be visible on every node, as
# must SPEC, the files it names, and OUT. The result is OUT/points.csv once the merge job ends.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 SPEC OUT N [sbatch options...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
spec="$(realpath "$1")"; out="$(realpath -m "$2")"; shards="$3"; shift 3
case "$shards" in '' | *[!0-9]* | 0) echo "$0: N must be a positive integer, got '$shards'" >&2; exit 2 ;; esac
tpusim="${TPUSIM:-$(command -v tpusim || echo "$here/../../build/tpusim")}"
tpusim="$(realpath "$tpusim")"
[ -x "$tpusim" ] || { echo "$0: no tpusim binary at $tpusim (set TPUSIM)" >&2; exit 2; }
"$tpusim" sweep --help >/dev/null
mkdir -p "$out/shards" "$out/logs"
export TPUSIM="$tpusim" SPEC="$spec" OUT="$out" SHARDS="$shards"
array_id=$(sbatch --parsable --array="1-$shards" --export=ALL --chdir="$out" \
  --output="$out/logs/shard-%a.out" "$@" "$here/sweep_array.sbatch")
array_id="${array_id%%;*}"
merge_id=$(sbatch --parsable --dependency="afterok:$array_id" --kill-on-invalid-dep=yes --export=ALL \
  --chdir="$out" --output="$out/logs/merge.out" "$here/merge.sbatch")
merge_id="${merge_id%%;*}"
echo "$array_id $merge_id"
