#!/bin/sh
# Re-runs the golden suite (scripts/golden_suite.sh) and compares every report with its
# baseline in results/golden/ using `tpusim compare` (cycles and bytes exact, ratios and energies
# up to 1e-9 relative; the tool version is ignored). Exit 0 when all match, 1 otherwise.
# After a deliberate change of the numbers, run scripts/update_golden.sh and commit the result.
# Usage: scripts/check_golden.sh [path/to/tpusim]   (default: $TPUSIM, else build/tpusim)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tpusim=${1:-${TPUSIM:-$root/build/tpusim}}
case $tpusim in /*) ;; *) tpusim=$(pwd)/$tpusim ;; esac
cd "$root"  # messages name results/golden/... relative to the repository
. "$root/scripts/golden_suite.sh"
[ -x "$tpusim" ] || { echo "check_golden: no tpusim binary at $tpusim" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tpusim_golden_check.XXXXXX")
trap 'rm -rf "$work"' EXIT
golden_cases >"$work/cases"
failed=0 passed=0
while read -r id arch workload dataflow; do
  golden="results/golden/$id.json"
  out="$work/$id"
  if [ ! -f "$golden" ]; then
    echo "MISSING $id: no baseline $golden (run scripts/update_golden.sh)"
    failed=$((failed + 1))
  elif ! golden_run "$tpusim" "$arch" "$workload" "$dataflow" "$out" 2>"$work/err"; then
    echo "ERROR   $id: $(cat "$work/err")"
    failed=$((failed + 1))
  elif "$tpusim" compare --max-rows 10 "$golden" "$out/report.json" >"$work/cmp" 2>&1; then
    passed=$((passed + 1))
  else
    echo "CHANGED $id:"
    sed 's/^/    /' "$work/cmp"
    failed=$((failed + 1))
  fi
done <"$work/cases"
echo "golden: $passed match, $failed differ (baselines in results/golden/)"
[ "$failed" -eq 0 ] || { echo "if the change is intended: scripts/update_golden.sh, review its output, commit results/golden/"; exit 1; }
