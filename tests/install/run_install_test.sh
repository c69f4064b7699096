#!/usr/bin/env bash
# An installed tpusim finds its data under its prefix, wherever the prefix is moved:
#   1. `cmake --install BUILD --prefix TMP/a`, then the tree is moved to TMP/b (relocated);
#   2. TMP/b/bin/tpusim runs from outside the source tree on the installed presets: `describe`
#      reports TMP/b/share/tpusim as its data directory, and a run that needs a DRAM preset and a
#      shipped energy table succeeds on an architecture copied outside every data directory;
#   3. TPUSIM_DATA_DIR overrides the data directory (describe reports it, runs use it);
#   4. with the data removed and no TPUSIM_DATA_DIR, the run fails with exit 2 and one line that
#      names TPUSIM_DATA_DIR; a TPUSIM_DATA_DIR that holds no configs/ is one line naming it.
#
#   tests/install/run_install_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build="$(realpath "$1")"; src="$(realpath "$2")"
tmp="$(mktemp -d /tmp/tpusim_install.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
log() { echo "install_test: $*"; }
fail() { log "FAIL: $*"; exit 1; }
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
unset TPUSIM_DATA_DIR

cmake --install "$build" --prefix "$tmp/a" >"$tmp/install.log" 2>&1 || fail "cmake --install: $(tail -3 "$tmp/install.log")"
mv "$tmp/a" "$tmp/b"
bin="$tmp/b/bin/tpusim"; data="$tmp/b/share/tpusim"
[ -x "$bin" ] || fail "no $bin after install"
for f in configs/tpu_v1.json configs/dram/ddr3-2133.json configs/energy/default_45nm.json workloads/resnet50.json; do
  [ -f "$data/$f" ] || fail "install did not put $f under share/tpusim"
done

# An architecture outside every data directory: its energy table and DRAM preset must come from
# the data directory, not from beside the file.
mkdir -p "$tmp/elsewhere" && cp "$src/configs/tpu_v1.json" "$tmp/elsewhere/arch.json"
cp "$src/workloads/gemm_1024.json" "$tmp/elsewhere/w.json"
cd "$tmp/elsewhere" || fail "cd"

# describe_data_dir BINARY: the data_dir `describe --json` reports.
describe_data_dir() {
  "$1" describe --arch arch.json --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["data_dir"])'
}
got="$(describe_data_dir "$bin")" || fail "describe failed"
[ "$got" = "$data" ] || fail "installed binary uses data dir '$got', expected '$data'"
"$bin" describe --arch arch.json | grep -q "data directory   $data\$" || fail "describe's table does not name $data"
"$bin" run -q --arch arch.json --workload w.json --out run1 || fail "installed binary cannot run"
grep -q '"preset": "ddr3-2133"' run1/report.json || fail "the run did not use the ddr3-2133 preset"
log "relocated install reads its data from $data"

# The override: a copy of the data elsewhere, with a DRAM preset changed, is what the binary reads.
cp -r "$data" "$tmp/other"
/usr/bin/python3 - "$tmp/other/configs/dram/ddr3-2133.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p)); d["latency_ns"] = 1000.0; json.dump(d, open(p, "w"))
PY
got="$(TPUSIM_DATA_DIR="$tmp/other" describe_data_dir "$bin")" || fail "describe with TPUSIM_DATA_DIR failed"
[ "$got" = "$tmp/other" ] || fail "TPUSIM_DATA_DIR=$tmp/other: describe reports '$got'"
TPUSIM_DATA_DIR="$tmp/other" "$bin" run -q --arch arch.json --workload w.json --out run2 || fail "run with TPUSIM_DATA_DIR failed"
grep -q '"latency_ns": 1000' run2/report.json || fail "TPUSIM_DATA_DIR's DRAM preset was not used"
log "TPUSIM_DATA_DIR overrides the data directory"

# No data directory: one line naming the variable, exit 2, no report.
rm -rf "$data"
"$bin" run -q --arch arch.json --workload w.json --out run3 2>err.txt; rc=$?
[ "$rc" = 2 ] || fail "without data: exit $rc, expected 2"
[ "$(wc -l <err.txt)" = 1 ] || fail "without data: expected one line on stderr, got: $(cat err.txt)"
grep -q 'TPUSIM_DATA_DIR' err.txt || fail "without data: the error does not name TPUSIM_DATA_DIR: $(cat err.txt)"
[ ! -e run3/report.json ] || fail "without data: a report was written"
log "without data: $(cat err.txt)"
TPUSIM_DATA_DIR="$tmp/nothing" "$bin" run -q --arch arch.json --workload w.json 2>err.txt; rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <err.txt)" = 1 ] && grep -q "TPUSIM_DATA_DIR=$tmp/nothing" err.txt ||
  fail "TPUSIM_DATA_DIR naming no data directory: exit $rc, stderr: $(cat err.txt)"
log "PASS"
