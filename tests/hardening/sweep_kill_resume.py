#!/usr/bin/env python3
"""A sweep killed at random moments and resumed gives the table of an uninterrupted run.

1. Runs a small sweep (24 rows of a tiny architecture and two GEMMs) without interruption: the
   reference.
2. Twenty trials: starts the same sweep in a fresh directory, sends SIGKILL after a random delay
   (0 to 1.3 times the reference's wall time, so some kills land before the first row, some in
   the middle and some after the end), sometimes kills the first --resume as well, checks that
   the directory never holds a table that looks final while the sweep is not (points.csv present
   only with sweep.json "complete": true), then resumes to the end and requires points.csv,
   points.jsonl, pareto.csv and sweep.json to equal the reference byte for byte.
3. One trial with SIGINT: the interrupted table lists every row, the unfinished ones with status
   "missing: ...", sweep.json says "complete": false with the count of missing rows, pareto.csv
   is absent; --resume completes it to the reference.

usage: sweep_kill_resume.py TPUSIM [TRIALS] (the random delays come from a fixed seed, printed)
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TABLES = ("points.csv", "points.jsonl", "pareto.csv", "sweep.json")

ARCH = {"name": "tiny", "clock_mhz": 1000,
        "array": {"rows": 4, "cols": 4, "dataflow": "ws"},
        "buffers": {"ifmap": {"holds": ["inputs"], "capacity_bytes": 4096},
                    "filter": {"holds": ["weights"], "capacity_bytes": 4096},
                    "ofmap": {"holds": ["outputs"], "capacity_bytes": 4096}},
        "dram": {"bandwidth_gb_per_s": 16, "latency_ns": 10}}


def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def setup(tmp):
    write(os.path.join(tmp, "arch.json"), ARCH)
    for name, (m, n, k) in {"g1": (16, 16, 16), "g2": (32, 8, 24)}.items():
        write(os.path.join(tmp, name + ".json"),
              {"name": name, "layers": [{"name": "gemm", "op": "gemm", "m": m, "n": n, "k": k}]})
    spec = {"name": "kill", "arch": "arch.json", "workloads": ["g1.json", "g2.json"],
            "axes": [{"paths": ["/array/rows", "/array/cols"], "values": [2, 4, 8]},
                     {"path": "/array/dataflow", "values": ["os", "ws"]},
                     {"path": "/dram/bandwidth_gb_per_s", "values": [8, 16]}]}
    write(os.path.join(tmp, "spec.json"), spec)
    return os.path.join(tmp, "spec.json")


def sweep_cmd(tpusim, spec, out, resume=False):
    return [tpusim, "sweep", spec, "-q", "--jobs", "2", "--out", out] + (["--resume"] if resume else [])


def read(path):
    with open(path, "rb") as f:
        return f.read()


def check_not_lying(out, what):
    """A table that looks final only with sweep.json complete: true."""
    meta_path = os.path.join(out, "sweep.json")
    complete = os.path.exists(meta_path) and json.loads(read(meta_path)).get("complete") is True
    if os.path.exists(os.path.join(out, "points.csv")) and not complete:
        raise SystemExit(f"{what}: points.csv exists while sweep.json does not say complete")
    if os.path.exists(os.path.join(out, "pareto.csv")) and not complete:
        raise SystemExit(f"{what}: pareto.csv exists while sweep.json does not say complete")


def killed_run(cmd, delay_s, sig=signal.SIGKILL):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(delay_s)
    p.send_signal(sig)
    _, err = p.communicate()
    return p.returncode, err.decode()


def finish(tpusim, spec, out, ref, what):
    r = subprocess.run(sweep_cmd(tpusim, spec, out, resume=True), capture_output=True)
    if r.returncode != 0:
        raise SystemExit(f"{what}: --resume exited {r.returncode}: {r.stderr.decode()}")
    for t in TABLES:
        if read(os.path.join(out, t)) != ref[t]:
            raise SystemExit(f"{what}: {t} differs from the uninterrupted run")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    tpusim = os.path.abspath(sys.argv[1])
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    seed = 16
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="tpusim_kill_")
    try:
        spec = setup(tmp)
        t0 = time.monotonic()
        r = subprocess.run(sweep_cmd(tpusim, spec, os.path.join(tmp, "ref")), capture_output=True)
        ref_s = time.monotonic() - t0
        if r.returncode != 0:
            raise SystemExit(f"reference sweep exited {r.returncode}: {r.stderr.decode()}")
        ref = {t: read(os.path.join(tmp, "ref", t)) for t in TABLES}
        rows = ref["points.jsonl"].count(b"\n")
        ok = ref["points.jsonl"].count(b'"status":"ok"')
        if rows != 24 or ok != 24:
            raise SystemExit(f"reference: expected 24 rows with status ok, got {rows} rows, {ok} ok: "
                             + ref["points.jsonl"].decode()[:300])
        print(f"reference: 24 rows in {ref_s:.2f} s; seed {seed}")
        for i in range(trials):
            out = os.path.join(tmp, f"t{i}")
            delay = rng.uniform(0, 1.3 * ref_s)
            killed_run(sweep_cmd(tpusim, spec, out), delay)
            check_not_lying(out, f"trial {i} after SIGKILL at {delay:.3f} s")
            note = ""
            if os.path.exists(os.path.join(out, "sweep.json")) and rng.random() < 0.5:
                delay2 = rng.uniform(0, 0.8 * ref_s)
                killed_run(sweep_cmd(tpusim, spec, out, resume=True), delay2)
                check_not_lying(out, f"trial {i} after a second SIGKILL at {delay2:.3f} s")
                note = f", resume killed at {delay2:.3f} s"
            if not os.path.exists(os.path.join(out, "sweep.json")):
                # Killed before the sweep wrote anything: a fresh start, as a user would do.
                shutil.rmtree(out, ignore_errors=True)
                r = subprocess.run(sweep_cmd(tpusim, spec, out), capture_output=True)
                if r.returncode != 0:
                    raise SystemExit(f"trial {i}: rerun exited {r.returncode}")
            finish(tpusim, spec, out, ref, f"trial {i} (SIGKILL at {delay:.3f} s{note})")
            print(f"trial {i}: SIGKILL at {delay:.3f} s{note}: resumed table equals the reference")

        out = os.path.join(tmp, "int")
        # Wait for the first point to finish, then interrupt.
        p = subprocess.Popen(sweep_cmd(tpusim, spec, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        partial = os.path.join(out, "points.partial.jsonl")
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(partial) and read(partial).count(b"\n") >= 1:
                break
            time.sleep(0.002)
        p.send_signal(signal.SIGINT)
        p.communicate()
        meta = json.loads(read(os.path.join(out, "sweep.json")))
        if p.returncode == 0 and meta.get("complete") is True:
            print("SIGINT came after the end: nothing to check (the machine is fast)")
        else:
            if p.returncode != -signal.SIGINT:
                raise SystemExit(f"SIGINT: the sweep exited {p.returncode}, expected to die of SIGINT")
            lines = read(os.path.join(out, "points.jsonl")).decode().splitlines()
            missing = [json.loads(l) for l in lines if json.loads(l)["status"].startswith("missing: ")]
            if len(lines) != 24 or meta.get("complete") is not False or meta.get("missing_rows") != len(missing) \
                    or not missing or meta.get("interrupted_by") != "SIGINT":
                raise SystemExit(f"SIGINT: table of {len(lines)} rows, {len(missing)} missing; sweep.json {meta}")
            if os.path.exists(os.path.join(out, "pareto.csv")):
                raise SystemExit("SIGINT: pareto.csv written for an incomplete sweep")
            print(f"SIGINT: 24 rows listed, {len(missing)} marked missing, sweep.json complete false")
        finish(tpusim, spec, out, ref, "SIGINT trial")
        print("SIGINT trial: resumed table equals the reference")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
