#!/bin/sh
# Regenerates the golden reports (results/golden/, suite in scripts/golden_suite.sh) with the
# build's tpusim and prints what changed against the previous baselines via `tpusim compare`.
# Use it for a deliberate change of the numbers, then review the output and commit
# results/golden/. Usage: scripts/update_golden.sh [path/to/tpusim]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tpusim=${1:-${TPUSIM:-$root/build/tpusim}}
case $tpusim in /*) ;; *) tpusim=$(pwd)/$tpusim ;; esac
cd "$root"  # messages name results/golden/... relative to the repository
. "$root/scripts/golden_suite.sh"
[ -x "$tpusim" ] || { echo "update_golden: no tpusim binary at $tpusim" >&2; exit 2; }

golden_dir="results/golden"
work=$(mktemp -d "${TMPDIR:-/tmp}/tpusim_golden_update.XXXXXX")
trap 'rm -rf "$work"' EXIT
golden_cases >"$work/cases"

# Every run first: a failing run leaves the baselines untouched.
while read -r id arch workload dataflow; do
  if ! golden_run "$tpusim" "$arch" "$workload" "$dataflow" "$work/runs/$id"; then
    echo "update_golden: run $id failed; nothing updated" >&2
    exit 2
  fi
done <"$work/cases"

unchanged=0 changed=0 added=0
while read -r id arch workload dataflow; do
  new="$work/runs/$id/report.json"
  golden="$golden_dir/$id.json"
  if [ ! -f "$golden" ]; then
    echo "NEW     $id"
    added=$((added + 1))
  elif "$tpusim" compare --max-rows 10 "$golden" "$new" >"$work/cmp" 2>&1; then
    # Within the default tolerance; rewritten anyway so the file matches this build exactly.
    unchanged=$((unchanged + 1))
  else
    echo "CHANGED $id:"
    sed 's/^/    /' "$work/cmp"
    changed=$((changed + 1))
  fi
  mkdir -p "$(dirname "$golden")"
  cp "$new" "$golden"
done <"$work/cases"

# Baselines of cases no longer in the suite.
removed=0
for f in $(find "$golden_dir" -mindepth 3 -name '*.json' | sort); do
  id=${f#"$golden_dir"/}
  id=${id%.json}
  if [ ! -f "$work/runs/$id/report.json" ]; then
    echo "REMOVED $id"
    rm "$f"
    removed=$((removed + 1))
  fi
done
find "$golden_dir" -type d -empty -delete

echo "golden: $unchanged unchanged, $changed changed, $added new, $removed removed (results/golden/; review with git diff --stat, then commit)"
