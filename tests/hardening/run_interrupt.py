#!/usr/bin/env python3
"""A `tpusim run` stopped by SIGINT or SIGTERM leaves nothing behind and says so in one line.

Each trial starts a run that takes seconds (a 512^3 GEMM on a 4x4 array, every fold stepped) with
--out, --timeline and --dump-program pointing into directories that do not exist yet, waits until
the run has staged its files (a hidden .tpusim-tmp-* file appears in the timeline's directory:
the simulation is under way), sends the signal and requires:
- the process died of that signal (what a shell reports as 128 + signal);
- stderr is exactly "tpusim: interrupted by SIG...; its unfinished output files were removed";
- the scratch directory holds only the inputs: no report, no temporary file, and none of the
  directories the run created for its outputs.

usage: run_interrupt.py TPUSIM
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ARCH = {"name": "tiny", "clock_mhz": 1000,
        "array": {"rows": 4, "cols": 4, "dataflow": "ws"},
        "buffers": {"ifmap": {"holds": ["inputs"], "capacity_bytes": 4096},
                    "filter": {"holds": ["weights"], "capacity_bytes": 4096},
                    "ofmap": {"holds": ["outputs"], "capacity_bytes": 4096}},
        "dram": {"bandwidth_gb_per_s": 16, "latency_ns": 10}}
# 512/4 x 512/4 x 512/4... = 262144 folds: about 8 s under load in the Release build
# (sim/cli/commands.cpp, kDefaultMaxFolds), so a signal after the staging lands mid-run.
WORK = {"name": "big", "layers": [{"name": "gemm", "op": "gemm", "m": 512, "n": 512, "k": 512}]}


def listing(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, dirs, files in os.walk(root) for f in files + dirs)


def trial(tpusim, sig, wait_for_staging=True):
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in (("arch.json", ARCH), ("work.json", WORK)):
            with open(os.path.join(tmp, name), "w") as f:
                json.dump(doc, f)
        before = listing(tmp)
        trace_dir = os.path.join(tmp, "traces", "deep")
        cmd = [tpusim, "run", "-q", "--no-fast-forward", "--arch", os.path.join(tmp, "arch.json"),
               "--workload", os.path.join(tmp, "work.json"), "--out", os.path.join(tmp, "out", "run1"),
               "--timeline", os.path.join(trace_dir, "t.json"),
               "--dump-program", os.path.join(tmp, "prog", "p.jsonl")]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait_for_staging:
            deadline = time.time() + 120
            while time.time() < deadline and p.poll() is None:
                if os.path.isdir(trace_dir) and any(n.startswith(".tpusim-tmp-") for n in os.listdir(trace_dir)):
                    break
                time.sleep(0.01)
            else:
                raise SystemExit(f"{signal.Signals(sig).name}: the run finished or never staged its timeline "
                                 f"(rc {p.poll()}): make the workload larger")
        p.send_signal(sig)
        _, err = p.communicate(timeout=120)
        name = signal.Signals(sig).name
        if p.returncode != -sig:
            raise SystemExit(f"{name}: expected death by the signal, got return code {p.returncode}: {err!r}")
        want = (f"tpusim: interrupted by {name}; "
                + ("its unfinished output files were removed" if wait_for_staging else "no output written") + "\n")
        if err.decode() != want:
            raise SystemExit(f"{name}: stderr {err.decode()!r}, expected {want!r}")
        left = [x for x in listing(tmp) if x not in before]
        if left:
            raise SystemExit(f"{name}: left behind {left}")
        print(f"{name}: ok ({want.strip()})")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    tpusim = sys.argv[1]
    trial(tpusim, signal.SIGINT, True)
    trial(tpusim, signal.SIGTERM, True)
    trial(tpusim, signal.SIGHUP, True)


if __name__ == "__main__":
    main()
