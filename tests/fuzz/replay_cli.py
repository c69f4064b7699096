#!/usr/bin/env python3
"""Replays a fuzz corpus through the tpusim binary, past the loaders the harnesses stop at.

A harness checks a loader (any bytes: accepted, or one InputError of one line). A corpus input
the loader accepts still goes on to be mapped, simulated and written as report.json, where other
defects live: a name that is not UTF-8 reached the report's JSON dump (exit 3); a skipped ONNX
node of unknown shape was reported as null. This runs every input of build-fuzz/corpus/NAME as
the CLI takes it and requires: exit 0 or 2 (compare: 0, 1 or 2); on exit 2 exactly one stderr
line starting "tpusim: " and no output left behind; on exit 0 a report.json with no null, NaN or
infinity (compare --format json: output that parses; sweep --merge: the three tables).

usage: replay_cli.py TPUSIM ROOT HARNESS [CORPUS_DIR] [--limit N]
  HARNESS: onnx, workload_json, scalesim_topology, arch_json, scalesim_cfg, system, model_config,
  scenario, compare, sweep_merge. CORPUS_DIR defaults to ROOT/build-fuzz/corpus/HARNESS. JSON harnesses replay
  only the inputs that are JSON objects (the rest the loader refuses, which the harness checked).
Exit 0 when every input passed, 1 otherwise (each failure printed), 2 on bad usage.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hardening"))
from scan_reports import bad_values  # noqa: E402  (one walk for null, NaN and infinity)

GEMM = "workloads/gemm_128x64x256.json"
# HARNESS: (file name the input is written as, the command around it; {in} is the input's path)
COMMANDS = {
    "onnx": ("m.onnx", ["run", "-q", "--arch", "configs/tpu_v4.json", "--workload", "{in}", "--allow-unsupported"]),
    "workload_json": ("w.json", ["run", "-q", "--arch", "configs/tpu_v1.json", "--workload", "{in}"]),
    "scalesim_topology": ("t.csv", ["run", "-q", "--arch", "configs/tpu_v1.json", "--workload", "{in}"]),
    "arch_json": ("a.json", ["run", "-q", "--arch", "{in}", "--workload", GEMM]),
    "scalesim_cfg": ("a.cfg", ["run", "-q", "--arch", "{in}", "--workload", GEMM]),
    "system": ("s.json", ["run", "-q", "--arch", "{in}", "--model", "workloads/models/maxtext_22b.json",
                          "--scenario", "workloads/scenarios/maxtext_v4_22b_64chip.json"]),
    "model_config": ("m.json", ["run", "-q", "--arch", "configs/tpu_v4.json", "--model", "{in}",
                                "--scenario", "workloads/scenarios/request_p1024_t256_gpt2.json"]),
    "scenario": ("s.json", ["run", "-q", "--arch", "configs/tpu_v4.json", "--model", "workloads/models/tiny_gqa.json",
                            "--scenario", "{in}"]),
}
JSON_INPUTS = {"workload_json", "arch_json", "system", "model_config", "scenario"}


def check_refusal(r, out_dir):
    err = r.stderr.decode("utf-8", "replace")
    problems = []
    if err.count("\n") != 1 or not err.startswith("tpusim: "):
        problems.append(f"stderr is not one 'tpusim: ' line: {err[:200]!r}")
    if out_dir and os.path.exists(out_dir) and os.listdir(out_dir):
        problems.append(f"output left behind: {sorted(os.listdir(out_dir))[:5]}")
    return problems


def replay_run(tpusim, root, harness, src, tmp):
    name, template = COMMANDS[harness]
    path = os.path.join(tmp, name)
    shutil.copy(src, path)
    out = os.path.join(tmp, "out")
    argv = [tpusim] + [a.replace("{in}", path) for a in template] + ["--out", out]
    try:
        r = subprocess.run(argv, cwd=root, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return ["no answer within 120 s"]
    if r.returncode == 2:
        return check_refusal(r, out)
    if r.returncode != 0:
        return [f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace')[-300:]!r}"]
    report = os.path.join(out, "report.json")
    if not os.path.exists(report):
        return ["exit 0 without report.json"]
    with open(report) as f:
        return [f"report.json {p or '/'}: {what}" for p, what in bad_values(json.load(f))][:3]


def replay_compare(tpusim, root, src, tmp):
    problems = []
    for name in ("report.json", "points.csv", "points.jsonl"):
        path = os.path.join(tmp, name)
        shutil.copy(src, path)
        for fmt in ("text", "markdown", "json"):
            r = subprocess.run([tpusim, "compare", path, path, "--format", fmt], cwd=root, capture_output=True, timeout=120)
            if r.returncode == 2:
                problems += [f"{name} --format {fmt}: {p}" for p in check_refusal(r, None)]
            elif r.returncode not in (0, 1):
                problems.append(f"{name} --format {fmt}: exit {r.returncode}: {r.stderr.decode('utf-8', 'replace')[:200]!r}")
            elif fmt == "json":
                try:
                    json.loads(r.stdout)
                except ValueError as e:
                    problems.append(f"{name} --format json: output does not parse: {e}")
    return problems


def replay_merge(tpusim, root, src, tmp):
    # The harness's input: sweep.json, a line "--- points.jsonl", points.jsonl; beside one run.
    with open(src, "rb") as f:
        data = f.read()
    meta, sep, rows = data.partition(b"\n--- points.jsonl\n")
    shard = os.path.join(tmp, "s")
    os.makedirs(os.path.join(shard, "points", "0-g"))
    for name, content in (("sweep.json", meta), ("points.jsonl", rows), ("points/0-g/report.json", b"{}\n")):
        with open(os.path.join(shard, name), "wb") as f:
            f.write(content)
    out = os.path.join(tmp, "out")
    r = subprocess.run([tpusim, "sweep", "-q", "--merge", shard, "--out", out], cwd=root, capture_output=True, timeout=120)
    if r.returncode == 2:
        return check_refusal(r, out)
    if r.returncode != 0:
        return [f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace')[-300:]!r}"]
    return [f"merged without {n}" for n in ("sweep.json", "points.csv", "points.jsonl", "pareto.csv")
            if not os.path.exists(os.path.join(out, n))]


def is_json_object(path):
    try:
        with open(path, encoding="utf-8") as f:
            return isinstance(json.load(f), dict)
    except (ValueError, UnicodeDecodeError):
        return False


def main():
    args = sys.argv[1:]
    limit = None
    if "--limit" in args:
        i = args.index("--limit")
        limit = int(args[i + 1])
        del args[i:i + 2]
    if len(args) not in (3, 4) or (args[2] not in COMMANDS and args[2] not in ("compare", "sweep_merge")):
        print(__doc__, file=sys.stderr)
        return 2
    tpusim, root, harness = os.path.abspath(args[0]), os.path.abspath(args[1]), args[2]
    corpus = args[3] if len(args) == 4 else os.path.join(root, "build-fuzz", "corpus", harness)
    if not os.access(tpusim, os.X_OK) or not os.path.isdir(corpus):
        print(f"replay_cli: no binary {tpusim} or no corpus directory {corpus}", file=sys.stderr)
        return 2
    files = sorted(os.path.join(corpus, n) for n in os.listdir(corpus))
    if harness in JSON_INPUTS:
        files = [f for f in files if is_json_object(f)]
    files = files[:limit] if limit else files
    failed = 0
    for src in files:
        with tempfile.TemporaryDirectory(prefix="tpusim_replay_") as tmp:
            try:
                problems = (replay_compare(tpusim, root, src, tmp) if harness == "compare"
                            else replay_merge(tpusim, root, src, tmp) if harness == "sweep_merge"
                            else replay_run(tpusim, root, harness, src, tmp))
            except FileNotFoundError:
                if os.path.exists(src):
                    raise
                continue  # a running fuzzer removed the input (its corpus shrinks as it reduces)
        if problems:
            failed += 1
            print(f"FAIL {src}: " + "; ".join(problems))
    print(f"replay_cli {harness}: {len(files)} inputs, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
