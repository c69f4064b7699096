#!/usr/bin/python3
"""Every ONNX operator test model Debian ships (libonnx-testdata) loads and is costed, or is
refused with one clear line; none crashes.

    tests/onnx/testdata_sweep.py TPUSIM ARCH [--data DIR] [--jobs N] [--every K] [--list FILE]

Runs `TPUSIM run -q --arch ARCH --workload MODEL` on each model.onnx under DIR (default
/usr/share/libonnx-testdata/data, about 1,070 models: node/, pytorch-converted/,
pytorch-operator/, simple/; every K-th when --every K). A model passes when the run exits 0
(imported, mapped and simulated) or exits 2 with exactly one line on stderr that starts with
"tpusim: " and names the model's path (refused: an unsupported op, a dynamic shape, nothing to
cost). Anything else (a signal, exit 3, a traceback, several lines) fails. Prints the counts and
the refusals grouped by reason; --list FILE writes one line per model (exit code, path, message).
"""
import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys
import time


def run_one(tpusim, arch, model):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    p = subprocess.run([tpusim, "run", "-q", "--arch", arch, "--workload", model], env=env,
                       capture_output=True, text=True, timeout=120)
    return model, p.returncode, p.stderr


def reason_of(message):
    """The kind of refusal, for the summary: the op of an unsupported node, else the message's gist."""
    m = re.search(r"unsupported op (\S+?);", message)
    if m:
        return f"unsupported op {m.group(1)}"
    m = re.search(r"\.onnx: (?:node \d+ \"[^\"]*\" \(([^)]*)\): )?(.*)", message)
    text = m.group(2) if m else message
    text = re.sub(r"\"[^\"]*\"", "\"...\"", text)
    text = re.sub(r"\d+", "N", text)
    return (f"{m.group(1)}: " if m and m.group(1) else "") + text[:90]


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("tpusim")
    ap.add_argument("arch")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--list")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.data):
        print(f"FAIL: {args.data}: no such directory (scripts/setup.sh installs libonnx-testdata)")
        return 1
    models = sorted(os.path.join(d, "model.onnx") for d, _, files in os.walk(args.data) if "model.onnx" in files)
    models = models[::args.every]
    start = time.time()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for r in pool.map(lambda m: run_one(args.tpusim, args.arch, m), models):
            results.append(r)
    costed, refused, failed = 0, collections.Counter(), []
    lines = []
    for model, rc, err in results:
        err_lines = err.rstrip("\n").split("\n") if err.strip() else []
        message = err_lines[0] if err_lines else ""
        lines.append(f"{rc}\t{model}\t{message}")
        if rc == 0:
            costed += 1
        elif rc == 2 and len(err_lines) == 1 and message.startswith("tpusim: ") and model in message:
            refused[reason_of(message)] += 1
        else:
            failed.append(f"{model}: exit {rc}, stderr: {err.strip()[:500]!r}")
    if args.list:
        with open(args.list, "w") as f:
            f.write("\n".join(lines) + "\n")
    for reason, n in sorted(refused.items(), key=lambda x: (-x[1], x[0])):
        print(f"  refused {n:4d}  {reason}")
    for f in failed:
        print(f"FAIL: {f}")
    print(f"{len(models)} models in {time.time() - start:.1f} s: {costed} costed, {sum(refused.values())} refused "
          f"with one line, {len(failed)} failed")
    print(f"{len(models) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
