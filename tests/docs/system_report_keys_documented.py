#!/usr/bin/python3
"""Every key of a system_report.json is documented in results/README.md ("system_report.json").

    tests/docs/system_report_keys_documented.py TPUSIM SOURCE_DIR

Runs tpusim on systems with compute ops and collectives, with --repeat, a partitioned training
graph and a pipeline, collects the dotted path of every key (the `chip` object is a report.json,
whose keys report_keys_documented.py checks), and checks each is in the first column of a table
of results/README.md. Exit 0 when every key is documented; 1 lists the missing ones.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from report_keys_documented import documented  # noqa: E402


def paths(value, path, out):
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{path}.{k}" if path else k
            if p == "chip":
                out.add(p)
            else:
                paths(v, p, out)
    elif isinstance(value, list):
        for v in value:
            paths(v, path + "[]", out)
    else:
        out.add(path)


def main(argv):
    tpusim, source = os.path.realpath(argv[1]), os.path.realpath(argv[2])
    docs = documented(open(os.path.join(source, "results", "README.md"), encoding="utf-8").read())
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    with tempfile.TemporaryDirectory(prefix="tpusim_syskeys.") as tmp:
        work = os.path.join(tmp, "work.json")
        json.dump({"name": "w", "layers": [
            {"name": "g1", "op": "gemm", "m": 64, "n": 64, "k": 64},
            {"name": "ar", "op": "all_reduce", "bytes": 65536, "axes": ["y"], "algorithm": "ring"},
            {"name": "g2", "op": "gemm", "m": 64, "n": 64, "k": 64, "inputs": ["ar"]}]}, open(work, "w"))
        model = os.path.join(tmp, "model.json")
        json.dump({"name": "m", "layers": [
            {"name": "fc", "op": "gemm", "m": 64, "n": 256, "k": 128, "split": "column_parallel"},
            {"name": "dw", "op": "gemm", "m": 256, "n": 128, "k": 64, "data_dim": "k", "gradient_bytes": 65536}]},
            open(model, "w"))
        par = os.path.join(tmp, "par.json")
        json.dump({"dp": {"degree": 8, "axes": ["x"]}, "tp": {"degree": 2, "axes": ["y"]},
                   "pp": {"degree": 2, "axes": ["z"]}, "microbatches": 4}, open(par, "w"))
        system = "configs/systems/tpu_v5e_8x4.json"
        three_d = os.path.join(tmp, "sys3d.json")
        json.dump({"name": "s", "chip": os.path.join(source, "configs/tpu_v5e.json"), "chips": 32,
                   "topology": {"kind": "torus", "axes": [{"name": "x", "size": 8}, {"name": "y", "size": 2},
                                                          {"name": "z", "size": 2}]},
                   "link": {"bandwidth_gb_per_s": 50, "latency_ns": 1000}}, open(three_d, "w"))
        cases = [[system, work, []], [system, work, ["--repeat", "3"]],
                 [three_d, model, ["--parallelism", par, "--repeat", "2"]]]
        found = {}
        for i, (arch, w, extra) in enumerate(cases):
            out = os.path.join(tmp, str(i))
            cmd = [tpusim, "run", "-q", "--arch", arch, "--workload", w, *extra, "--out", out]
            p = subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True)
            if p.returncode != 0:
                print(f"FAIL: {' '.join(cmd[1:])} exited {p.returncode}: {p.stderr.strip()}")
                return 1
            keys = set()
            paths(json.load(open(os.path.join(out, "system_report.json"))), "", keys)
            for k in keys:
                found.setdefault(k, " ".join(cmd[1:]))
    missing = sorted(k for k in found if k not in docs)
    for k in missing:
        print(f"undocumented system_report key: {k} (first seen in: {found[k]})")
    for need in ("energy.energy_split_pj.interconnect", "memory.fits", "utilization.mfu", "pipeline.step_ps"):
        if need not in found:
            print(f"FAIL: no case produced {need}")
            return 1
    print(f"system_report keys: {len(found)} seen, {len(missing)} undocumented")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
