#!/bin/bash
# Outputs on a full disk: every command that writes files exits 2 with one stderr line naming
# the path and "No space left on device", and leaves nothing behind (no file, no directory it
# created); a sweep on a full disk, resumed once there is room, gives the table of a run that
# had room all along. Needs root for a small tmpfs (mount -t tmpfs -o size=...); without it
# (or where mounting is not allowed) it checks only /dev/full and the rest is skipped.
# usage: full_disk.sh TPUSIM ROOT
set -u
tpusim=$(readlink -f "$1"); root=$(readlink -f "$2")
cd "$root" || exit 1
tmp=$(mktemp -d /tmp/tpusim_full_XXXXXX)
mnt=$tmp/mnt
mkdir -p "$mnt"
mounted=0
cleanup() { [ $mounted = 1 ] && umount "$mnt"; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_io_error WHAT PATH_IN_MESSAGE CMD...: exit 2, one line, naming the path and the reason.
expect_io_error() {
  local what=$1 path=$2; shift 2
  "$@" >/dev/null 2>"$tmp/err"; local rc=$?
  local lines; lines=$(wc -l <"$tmp/err")
  [ $rc = 2 ] || fail "$what: exit $rc, expected 2 ($(head -c 300 "$tmp/err"))"
  [ "$lines" = 1 ] || fail "$what: $lines stderr lines, expected 1 ($(head -c 300 "$tmp/err"))"
  grep -q "^tpusim: .*$path.*cannot write (No space left on device)$" "$tmp/err" ||
    fail "$what: the line does not name $path and the reason: $(head -c 300 "$tmp/err")"
  echo "ok   $what: $(cat "$tmp/err")"
}
# expect_empty WHAT: nothing left on the tmpfs (but the filler).
expect_empty() {
  local left; left=$(find "$mnt" -mindepth 1 ! -name filler | head -5)
  [ -z "$left" ] || fail "$1: left behind: $left"
}

arch=configs/tpu_v1.json; r50=workloads/resnet50.json
# /dev/full: every write fails with ENOSPC. Devices are written in place, not replaced.
expect_io_error "run --dump-program /dev/full" /dev/full "$tpusim" run -q --arch $arch --workload workloads/gemm_128x64x256.json --dump-program /dev/full
expect_io_error "run --timeline /dev/full" /dev/full "$tpusim" run -q --arch $arch --workload workloads/gemm_128x64x256.json --timeline /dev/full
expect_io_error "import --out /dev/full" /dev/full "$tpusim" import --workload tests/data/onnx/tiny_cnn.onnx --out /dev/full
# A device is written in place: --dump-program /dev/stdout into a pipe still works.
n=$("$tpusim" run -q --arch $arch --workload workloads/gemm_128x64x256.json --dump-program /dev/stdout | wc -l)
[ "$n" -gt 0 ] && echo "ok   run --dump-program /dev/stdout | wc -l: $n lines" || fail "--dump-program /dev/stdout into a pipe: $n lines"
# Standard output is output too: compare's table into /dev/full.
g=results/golden/tpu_v1/ws/resnet50.json
"$tpusim" compare $g $g >/dev/full 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && [ "$(cat "$tmp/err")" = "tpusim: standard output: cannot write (No space left on device)" ] &&
  echo "ok   compare >/dev/full: $(cat "$tmp/err")" || fail "compare >/dev/full: exit $rc: $(cat "$tmp/err")"
[ -c /dev/full ] || fail "/dev/full is no longer a character device"

if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
  echo "not root or cannot mount a tmpfs: the full-disk cases on a small file system are skipped"
  [ $fails = 0 ] && exit 77 || exit 1
fi
mounted=1
# ResNet-50's report.json is about 700 kB: it cannot fit in 64 kB.
expect_io_error "run --out on a full disk" "$mnt/run/" "$tpusim" run -q --arch $arch --workload $r50 --out "$mnt/run"
expect_empty "run --out"
expect_io_error "run --out --timeline --dump-program on a full disk" "$mnt/" "$tpusim" run -q --arch $arch --workload $r50 \
  --out "$mnt/run" --timeline "$mnt/t/trace.json" --dump-program "$mnt/p/program.jsonl"
expect_empty "run with three outputs"
expect_io_error "scalesim run --out on a full disk" "$mnt/s/" "$tpusim" run -q --arch configs/scalesim/scale.cfg --workload $r50 --out "$mnt/s"
expect_empty "scalesim run"
# Outputs smaller than the disk: fill it first (every block), so their first write fails.
dd if=/dev/zero of="$mnt/filler" bs=4096 2>/dev/null
expect_io_error "run --model --out on a full disk" "$mnt/m/" "$tpusim" run -q --arch configs/tpu_v4.json \
  --model workloads/models/llama3_8b.json --scenario workloads/scenarios/prefill_b1_p2048.json --out "$mnt/m"
expect_empty "run --model"
expect_io_error "export --out on a full disk" "$mnt/lut.csv" "$tpusim" export gemm-table --arch configs/scalesim/scale.cfg \
  --m 128,256 --n 64 --k 256 --jobs 2 --out "$mnt/lut.csv" --format csv
expect_empty "export"
rm -f "$mnt/filler"

# A sweep on a disk that fills up in the middle, then resumed after the disk grew: the table of
# an uninterrupted run. 12 rows of two ResNet-50-like convs on small arrays: each run's files are about
# 100 kB, so a 300 kB tmpfs holds two or three.
cat >"$tmp/work.json" <<'W'
{"name": "w", "layers": [{"name": "c1", "op": "conv2d", "in_h": 56, "in_w": 56, "in_c": 64, "out_c": 64, "kernel_h": 3, "kernel_w": 3, "padding": 1},
 {"name": "c2", "op": "conv2d", "in_h": 28, "in_w": 28, "in_c": 128, "out_c": 128, "kernel_h": 3, "kernel_w": 3, "padding": 1}]}
W
cat >"$tmp/spec.json" <<W
{"name": "full", "arch": "$root/configs/scalesim_32x32.json", "workloads": ["$tmp/work.json"],
 "axes": [{"paths": ["/array/rows", "/array/cols"], "values": [8, 16, 32, 64]}, {"path": "/array/dataflow", "values": ["os", "ws", "is"]}]}
W
"$tpusim" sweep "$tmp/spec.json" -q --jobs 2 --out "$tmp/ref" >/dev/null 2>&1 || fail "reference sweep failed"
umount "$mnt"; mount -t tmpfs -o size=300k tmpfs "$mnt"
"$tpusim" sweep "$tmp/spec.json" -q --jobs 2 --out "$mnt/sw" >/dev/null 2>"$tmp/err"; rc=$?
echo "sweep on a 300 kB disk: exit $rc: $(head -c 300 "$tmp/err")"
if [ -f "$mnt/sw/points.csv" ]; then
  # The sweep finished (the parent's own records fitted): its failed rows say so and resume runs them.
  grep -q "cannot write (No space left on device)" "$mnt/sw/points.csv" || fail "sweep on a full disk: no row names the full disk"
else
  [ $rc = 2 ] || fail "sweep on a full disk: exit $rc without a table, expected 2"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "sweep on a full disk: more than one stderr line"
fi
mount -o remount,size=64m "$mnt"
"$tpusim" sweep "$tmp/spec.json" -q --jobs 2 --out "$mnt/sw" --resume >/dev/null 2>"$tmp/err" || fail "resume after the disk grew: $(cat "$tmp/err")"
for f in points.csv points.jsonl pareto.csv sweep.json; do
  cmp -s "$tmp/ref/$f" "$mnt/sw/$f" || fail "sweep resumed after a full disk: $f differs from the uninterrupted run"
done
[ $fails = 0 ] && echo "ok   sweep on a full disk, resumed: the tables equal the uninterrupted run"
[ $fails = 0 ]
