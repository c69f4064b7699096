#!/usr/bin/python3
"""The Python API (sim/python): the same numbers and messages as the command line.

    PYTHONPATH=BUILD/python tests/python/test_api.py TPUSIM SOURCE_DIR

1. tpusim.run on ResNet-50 gives, on every preset in configs/, the report `tpusim run` writes:
   equal totals and equal per-layer figures (the DataFrame's rows against report.json's layers).
2. tpusim.describe equals `tpusim describe --json`; load_arch equals the report's echoed arch.
3. Errors raise tpusim.InputError carrying the exact line the CLI prints after "tpusim: ", for a
   bad --set (run), a bad architecture (describe, in process) and an unsupported ONNX op.
4. The pure layers answer in process: an ONNX import record, the mapper's plans (as many as
   layers, tiles within the array), energy coefficients, compare of a report with itself (passes)
   and with another dataflow's (fails on cycles), the sweep planner's row count (3 x 2 points).
5. sweep(dict) returns the points table; without pandas (TPUSIM_NO_PANDAS) tables are lists.
The notebook of sim/python/README.md runs in readme_commands:sim/python/README.md.
"""
import json
import os
import subprocess
import sys
import tempfile


def cli(tpusim, *args):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    return subprocess.run([tpusim, *args], capture_output=True, text=True, env=env)


def check(cond, what):
    if not cond:
        raise SystemExit(f"FAIL: {what}")
    print(f"ok: {what}")


def flat(row, prefix=""):
    """report.json's nested layer objects as the dotted columns of Report.layers."""
    out = {}
    for k, v in row.items():
        out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def same(a, b):
    # A DataFrame column holding a null for some layers stores NaN there; ints stay equal as floats.
    if b is None:
        return a is None or a != a
    return a == b


def layer_mismatch(rows, layers):
    """'' when every figure of every report.json layer is in the matching row, else the first miss."""
    if len(rows) != len(layers):
        return f"{len(rows)} rows for {len(layers)} layers"
    for i, (row, layer) in enumerate(zip(rows, layers)):
        for k, v in flat(layer).items():
            if k not in row or not same(row[k], v):
                return f"layer {i} {layer['name']}: {k} = {row.get(k)!r}, report.json {v!r}"
    return ""


def rows_of(layers):
    return layers.to_dict("records") if hasattr(layers, "to_dict") else layers


def main(argv):
    tpusim_bin, source = os.path.realpath(argv[1]), os.path.realpath(argv[2])
    os.chdir(source)
    os.environ["TPUSIM_BINARY"] = tpusim_bin
    import tpusim
    passed = 0
    presets = sorted(f for f in os.listdir("configs") if f.endswith(".json"))
    with tempfile.TemporaryDirectory(prefix="tpusim_pyapi.") as tmp:
        for p in presets:
            arch = os.path.join("configs", p)
            r = tpusim.run(arch, "workloads/resnet50.json")
            out = os.path.join(tmp, p)
            res = cli(tpusim_bin, "run", "-q", "--arch", arch, "--workload", "workloads/resnet50.json", "--out", out)
            check(res.returncode == 0, f"CLI run on {p}")
            ref = json.load(open(os.path.join(out, "report.json")))
            rows = rows_of(r.layers)
            bad = layer_mismatch(rows, ref["layers"])
            check(r.totals == ref["totals"] and not bad,
                  f"tpusim.run == tpusim run on {p}: {r.cycles} cycles, every total and every layer figure {bad}")
            passed += 1

        d = json.loads(cli(tpusim_bin, "describe", "--arch", "configs/tpu_v1.json", "--json").stdout)
        check(tpusim.describe("configs/tpu_v1.json") == d, "describe == describe --json")
        check(tpusim.load_arch("configs/tpu_v1.json", {"/array/rows": 128})["array"]["rows"] == 128,
              "load_arch applies overrides")
        passed += 2

        res = cli(tpusim_bin, "run", "-q", "--arch", "configs/tpu_v1.json", "--workload", "workloads/resnet50.json",
                  "--set", "/array/rows=0")
        try:
            tpusim.run("configs/tpu_v1.json", "workloads/resnet50.json", {"/array/rows": 0})
            check(False, "a bad --set raises")
        except tpusim.InputError as e:
            check(res.returncode == 2 and res.stderr == f"tpusim: {e}\n", f"run's InputError is the CLI's line: {e}")
        bad = os.path.join(tmp, "bad.json")
        json.dump({**json.load(open("configs/tpu_v1.json")), "rwos": 4}, open(bad, "w"))
        res = cli(tpusim_bin, "describe", "--arch", bad)
        try:
            tpusim.describe(bad)
            check(False, "a bad architecture raises")
        except tpusim.InputError as e:
            check(isinstance(e, ValueError) and res.stderr == f"tpusim: {e}\n", f"describe's InputError is the CLI's line: {e}")
        res = cli(tpusim_bin, "run", "-q", "--arch", "configs/tpu_v1.json", "--workload", "tests/data/onnx/tiny_topk.onnx")
        try:
            tpusim.load_workload("tests/data/onnx/tiny_topk.onnx")
            check(False, "an unsupported ONNX op raises")
        except tpusim.InputError as e:
            check(res.stderr == f"tpusim: {e}\n", f"load_workload's InputError is the CLI's line: {e}")
        passed += 3

        w = tpusim.load_workload("tests/data/onnx/tiny_topk.onnx", allow_unsupported=True)
        check(w["import"]["counts"]["skipped"] == 1 and len(rows_of(w["layers"])) == 2, "ONNX import record in process")
        plans = rows_of(tpusim.map_workload("configs/gemmini_like_16x16.json", "workloads/resnet50.json"))
        matrix = [p for p in plans if "tile_rows" in p and p["tile_rows"] == p["tile_rows"]]
        check(len(plans) == 121 and len(matrix) == 54 and all(p["tile_rows"] <= 16 and p["tile_cols"] <= 16 for p in matrix),
              "map_workload: 121 layers, 54 matrix plans with tiles within the 16x16 array")
        e = tpusim.energy("configs/tpu_v1.json")
        check(e["mac_datatype"] == "int8" and e["mac_pj"] > 0 and set(e["buffers"]) ==
              {b for b in tpusim.load_arch("configs/tpu_v1.json")["buffers"]}, "energy: int8 MACs, every buffer priced")
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        tpusim.run("configs/tpu_v1.json", "workloads/resnet50.json", out=a)
        tpusim.run("configs/tpu_v1.json", "workloads/resnet50.json", {"/array/dataflow": "os"}, out=b)
        same, diff = tpusim.compare(a, a), tpusim.compare(a, b)
        check(same["passed"] and not diff["passed"] and any(c["metric"] == "cycles" for c in diff["changes"]),
              f"compare: a report with itself passes; ws against os fails ({diff['verdict']})")
        spec = {"name": "t", "arch": "configs/scalesim_32x32.json", "workloads": ["workloads/gemm_128x64x256.json"],
                "axes": [{"paths": ["/array/rows", "/array/cols"], "values": [[8, 8], [16, 16], [32, 32]]},
                         {"path": "/array/dataflow", "values": ["os", "ws"]}]}
        plan = tpusim.plan_sweep(spec)
        check(len(plan["points"]) == 6 and len(plan["jobs"]) == 6, "plan_sweep: 3 sizes x 2 dataflows = 6 rows")
        points = tpusim.sweep(spec, jobs=2)
        pts = rows_of(points)
        single = tpusim.run("configs/scalesim_32x32.json", "workloads/gemm_128x64x256.json",
                            {"/array/rows": 16, "/array/cols": 16, "/array/dataflow": "ws"})
        row = [p for p in pts if p["/array/rows"] == 16 and p["/array/dataflow"] == "ws"]
        check(len(pts) == 6 and len(row) == 1 and row[0]["cycles"] == single.cycles,
              f"sweep: 6 points; the 16x16 ws point's cycles equal a single run's ({single.cycles})")
        passed += 5

        env = dict(os.environ, TPUSIM_NO_PANDAS="1")
        code = ("import tpusim; r = tpusim.run('configs/tpu_v1.json', 'workloads/gemm_1024.json'); "
                "assert isinstance(r.layers, list) and isinstance(r.layers[0], dict), type(r.layers); print('lists')")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        check(res.returncode == 0 and "lists" in res.stdout, f"without pandas the rows are lists of dicts {res.stderr[-300:]}")
        passed += 1
    print(f"{passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
