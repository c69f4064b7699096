#!/usr/bin/env bash
# An installed tpusim finds its data under its prefix, wherever the prefix is moved:
#   1. `cmake --install BUILD --prefix TMP/a`, then the tree is moved to TMP/b (relocated);
#   2. TMP/b/bin/tpusim runs from outside the source tree on the installed presets: `describe`
#      reports TMP/b/share/tpusim as its data directory, and a run that needs a DRAM preset and a
#      shipped energy table succeeds on an architecture copied outside every data directory;
#   3. TPUSIM_DATA_DIR overrides the data directory (describe reports it, runs use it);
#   4. the CMake package: a project outside the source tree (tests/install/consumer) finds
#      tpusim with find_package (CMAKE_PREFIX_PATH=TMP/b), links the imported library target
#      tpusim::tpusim, and maps ResNet-50 and a 1024^3 GEMM in process: the GEMM's MACs are
#      1024^3 and TPU v1's array 256 x 256 (by hand), ResNet-50's MACs and every matrix layer's
#      folds equal the installed binary's report; the package names the binary and the data;
#   5. the Python package installed under the prefix: `import tpusim` with only that directory on
#      PYTHONPATH runs the installed binary on the installed data, equal to the binary's report;
#   6. with the data removed and no TPUSIM_DATA_DIR, the run fails with exit 2 and one line that
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

# folds_of RUN_DIR: the matrix folds (groups x row x col x stream) of every layer of a report.
folds_of() {
  /usr/bin/python3 -c 'import json, sys
f = [l["mapping"]["folds"] for l in json.load(open(sys.argv[1]))["layers"] if "folds" in l.get("mapping", {})]
print(sum(x["groups"] * x["row"] * x["col"] * x["stream"] for x in f))' "$1/report.json"
}
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

# The CMake package, from a project outside the source tree.
"$bin" run -q --arch arch.json --workload "$data/workloads/resnet50.json" --out r50 || fail "installed binary cannot run ResNet-50"
cmake -S "$src/tests/install/consumer" -B consumer -DCMAKE_PREFIX_PATH="$tmp/b" >consumer.log 2>&1 ||
  fail "find_package(tpusim) from outside the tree: $(tail -5 consumer.log)"
cmake --build consumer >>consumer.log 2>&1 || fail "building against tpusim::tpusim: $(tail -5 consumer.log)"
grep -qx "cli=$bin" consumer/found.txt && grep -qx "data=$data" consumer/found.txt &&
  grep -q "^python=$tmp/b/lib/" consumer/found.txt || fail "the package names: $(cat consumer/found.txt)"
gemm="$(TPUSIM_DATA_DIR="$data" consumer/consumer arch.json w.json)" || fail "consumer on the GEMM: $gemm"
# 1024^3 MACs; TPU v1's 256 x 256 array is 65,536 PEs.
[ "$gemm" = "version 0.1.0 pes 65536 layers 1 macs 1073741824 matrix_folds $(folds_of run1)" ] ||
  fail "consumer on the GEMM printed '$gemm'"
r50="$(TPUSIM_DATA_DIR="$data" consumer/consumer arch.json "$data/workloads/resnet50.json")" || fail "consumer on ResNet-50: $r50"
want="$(/usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(len(r["layers"]), r["totals"]["macs"])' r50/report.json)"
[ "$r50" = "version 0.1.0 pes 65536 layers ${want% *} macs ${want#* } matrix_folds $(folds_of r50)" ] ||
  fail "consumer on ResNet-50 printed '$r50', the binary's report: layers and MACs $want, folds $(folds_of r50)"
log "find_package(tpusim): tpusim::tpusim maps in process as the binary does ($r50)"

# The installed Python package, nothing of the source or build tree on the path.
pydir="$(sed -n 's/^python=//p' consumer/found.txt)"
[ -f "$pydir/tpusim/__init__.py" ] || fail "no Python package under $pydir"
env -u TPUSIM_BINARY PYTHONPATH="$pydir" /usr/bin/python3 - "$bin" "$data" r50/report.json "$pydir" <<'PY' || fail "the installed Python package"
import json, sys
import tpusim
binary, data, ref, pydir = sys.argv[1:]
assert tpusim.__file__.startswith(pydir + "/"), tpusim.__file__
assert tpusim.binary() == binary, (tpusim.binary(), binary)
assert tpusim.data_dir() == data, (tpusim.data_dir(), data)
r = tpusim.run("arch.json", data + "/workloads/resnet50.json")
assert r.json["totals"] == json.load(open(ref))["totals"], "totals differ from the binary's report"
assert tpusim.describe("arch.json")["peak_macs_per_cycle"] == 256 * 256
print(f"install_test: import tpusim from {tpusim.__file__}: {r.cycles} cycles, equal to the binary's report")
PY

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
