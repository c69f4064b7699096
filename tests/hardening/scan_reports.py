#!/usr/bin/env python3
"""No null, NaN or infinity in any report of a run that exits 0.

Runs a broad matrix: every architecture preset in configs/ under each dataflow on three
workloads, SCALE-Sim's configuration in scalesim-v2 timing, the ends of the physical ranges the
loader accepts (slowest and fastest clock, narrowest DRAM, largest buffers, an energy table
scaled to tiny values), model scenarios (prefill, decode, training), a system run and ONNX
imports with skipped nodes of unknown shape. Every report.json (and system_report.json) of a
run that exits 0 is parsed and walked: a null, a NaN
or an infinity anywhere is a failure naming the file and the JSON pointer. layers.csv is checked
for nan/inf fields and for a column named twice. The checked-in golden reports
(results/golden/) are walked too. A run that exits 2 (a refused input) is fine; any other exit
code is a failure.

usage: scan_reports.py TPUSIM ROOT
"""
import csv
import glob
import json
import math
import os
import subprocess
import sys
import tempfile
import time

def bad_values(node, pointer=""):
    if node is None:
        yield pointer, "null"
    elif isinstance(node, float) and not math.isfinite(node):
        yield pointer, repr(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from bad_values(v, f"{pointer}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from bad_values(v, f"{pointer}/{i}")


def check_report(path):
    with open(path) as f:
        doc = json.load(f)  # Python reads NaN and Infinity tokens as floats: caught below
    return [f"{path}: {p or '/'}: {what}" for p, what in bad_values(doc)][:5]


def check_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    problems = []
    header = rows[0] if rows else []
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup:
        problems.append(f"{path}: columns named twice: {', '.join(dup)}")
    for n, row in enumerate(rows[1:], 2):
        for col, cell in zip(header, row):
            if cell.strip().lower() in ("nan", "-nan", "inf", "-inf", "infinity", "-infinity", "null"):
                problems.append(f"{path}: row {n} column {col}: {cell}")
                break
    return problems[:5]


def matrix(root):
    presets = sorted(p for p in glob.glob(os.path.join(root, "configs", "*.json")))
    workloads = ["workloads/gemm_128x64x256.json", "workloads/bert_base_layer.json"]
    for arch in presets:
        for w in workloads:
            for df in ("os", "ws", "is"):
                yield ["run", "-q", "--arch", arch, "--workload", w, "--set", f"/array/dataflow={df}"]
    for df in ("os", "ws", "is"):
        yield ["run", "-q", "--arch", "configs/scalesim/scale.cfg", "--workload", "workloads/resnet50.json",
               "--set", f"/array/dataflow={df}"]
    tiny = "configs/scalesim_32x32.json"
    g = "workloads/gemm_128x64x256.json"
    # The ends of the accepted ranges (configs/README.md): a run either refuses them (exit 2)
    # or reports finite numbers.
    for s in (["/clock_mhz=2e-3"], ["/clock_mhz=1e6"], ["/dram/bandwidth_gb_per_s=2e-3"], ["/dram/latency_ns=0"],
              ["/dram/latency_ns=1e6"], ["/buffers/ifmap/capacity_bytes=1125899906842624"],
              ["/array/rows=1", "/array/cols=1"], ["/array/rows=65536", "/array/cols=1"],
              ["/datatypes/input=fp32", "/datatypes/weight=fp32", "/datatypes/accumulator=fp32", "/datatypes/output=fp32"],
              ["/datatypes/input=int4", "/datatypes/weight=int4"], ["/vector/lanes=1"], ["/core/layer_barrier=true"]):
        args = ["run", "-q", "--arch", tiny, "--workload", g]
        for x in s:
            args += ["--set", x]
        yield args
    yield ["run", "-q", "--arch", tiny, "--workload", "workloads/mobilenet_v2.json"]
    for scenario in ("prefill_b1_p2048.json", "decode_b1_c2048_t128.json", "train_b8_s2048_selective.json"):
        yield ["run", "-q", "--arch", "configs/tpu_v4.json", "--model", "workloads/models/tiny_gqa.json",
               "--scenario", "workloads/scenarios/" + scenario]
    for w in sorted(glob.glob(os.path.join(root, "workloads", "systems", "*.json")))[:2]:
        yield ["run", "-q", "--arch", "configs/systems/tpu_v5e_8x4.json", "--workload", w]
    # ONNX imports with skipped nodes (--allow-unsupported): a custom op leaves its output's shape
    # unknown, which the report says without null (results/README.md, "import").
    for m in ("tests/data/onnx/tiny_cnn.onnx", "tests/data/onnx/tiny_topk.onnx", "tests/data/onnx/custom_op_unknown_shape.onnx"):
        yield ["run", "-q", "--arch", "configs/tpu_v4.json", "--workload", m, "--allow-unsupported"]


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    tpusim, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    problems, runs, refused = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="tpusim_scan_") as tmp:
        for i, args in enumerate(matrix(root)):
            out = os.path.join(tmp, str(i))
            t0 = time.monotonic()
            r = subprocess.run([tpusim] + args + ["--out", out], cwd=root, capture_output=True, timeout=300)
            runs += 1
            what = " ".join(args)
            if r.returncode == 2:
                refused += 1
                print(f"refused ({time.monotonic() - t0:.1f} s): {what}: {r.stderr.decode().strip()[:160]}")
                continue
            if r.returncode != 0:
                problems.append(f"{what}: exit {r.returncode}: {r.stderr.decode()[:300]}")
                continue
            reports = [p for p in (os.path.join(out, "report.json"), os.path.join(out, "system_report.json"))
                       if os.path.exists(p)]
            if not reports:
                problems.append(f"{what}: exit 0 without a report")
            for p in reports:
                problems += [f"{what}: {x}" for x in check_report(p)]
            if os.path.exists(os.path.join(out, "layers.csv")):
                problems += [f"{what}: {x}" for x in check_csv(os.path.join(out, "layers.csv"))]
    golden = sorted(glob.glob(os.path.join(root, "results", "golden", "**", "*.json"), recursive=True))
    for p in golden:
        problems += check_report(p)
    for p in problems:
        print("FAIL " + p)
    print(f"{runs} runs ({refused} refused with exit 2), {len(golden)} golden reports: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
