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

# Every run first: a failing run leaves the baselines untouched.
for preset in $GOLDEN_PRESETS; do
  for dataflow in $GOLDEN_DATAFLOWS; do
    for workload in $GOLDEN_WORKLOADS; do
      if ! golden_run "$tpusim" "$root" "$preset" "$dataflow" "$workload" "$work/$preset/$dataflow/$workload"; then
        echo "update_golden: run $preset/$dataflow/$workload failed; nothing updated" >&2
        exit 2
      fi
    done
  done
done

unchanged=0 changed=0 added=0
for preset in $GOLDEN_PRESETS; do
  for dataflow in $GOLDEN_DATAFLOWS; do
    for workload in $GOLDEN_WORKLOADS; do
      case="$preset/$dataflow/$workload"
      new="$work/$case/report.json"
      golden="$golden_dir/$case.json"
      if [ ! -f "$golden" ]; then
        echo "NEW     $case"
        added=$((added + 1))
      elif "$tpusim" compare --max-rows 10 "$golden" "$new" >"$work/cmp" 2>&1; then
        # Within the default tolerance; rewrite anyway so the file matches this build exactly.
        unchanged=$((unchanged + 1))
      else
        echo "CHANGED $case:"
        sed 's/^/    /' "$work/cmp"
        changed=$((changed + 1))
      fi
      mkdir -p "$(dirname "$golden")"
      cp "$new" "$golden"
    done
  done
done

# Baselines of cases no longer in the suite.
removed=0
for f in $(find "$golden_dir" -mindepth 3 -name '*.json' | sort); do
  case=${f#"$golden_dir"/}
  case=${case%.json}
  if [ ! -f "$work/$case/report.json" ]; then
    echo "REMOVED $case"
    rm "$f"
    removed=$((removed + 1))
  fi
done
find "$golden_dir" -type d -empty -delete

echo "golden: $unchanged unchanged, $changed changed, $added new, $removed removed (results/golden/; review with git diff --stat, then commit)"
