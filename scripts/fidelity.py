#!/usr/bin/env python3
"""Fidelity harness: runs GEMMs measured on real hardware through tpusim and scores the result.

The measured file has the format of ../shared/reference/hardware/tpu_v4_gemm_calibration.json:
an object whose "cases" list holds, per case, "id" (unique), "set", "m", "n", "k", an optional
"dtype" ("float16", "bfloat16", "float32", "int8") and "measured": {"value", "unit"}.

Speed: the selected cases go into a few workloads of one GEMM layer each (one workload per job
and datatype), so 1198 cases cost a handful of tpusim processes. A case's prediction is the
`seconds` of its own layer: tpusim runs layers one after another with a barrier between them,
so each layer's time is what that GEMM alone takes. `--verify-isolation N` re-runs N of the
cases alone and fails if a batched layer's time differs (it would once layers overlap).

Only Python's standard library is used (Debian's python3). Exit codes: 0 fine, 1 a bound given
with --max-* / --min-* was missed, 2 invalid input (one line naming the file and JSON pointer or
the option), 3 tpusim failed or broke an assumption of the harness.
"""

import argparse
import concurrent.futures
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "reference", "hardware",
                            "tpu_v4_gemm_calibration.json")
DEFAULT_ARCH = os.path.join(ROOT, "configs", "tpu_v4.json")
DEFAULT_TPUSIM = os.path.join(ROOT, "build", "tpusim")

# Stored datatype names of measured files (NumPy/JAX spelling) -> tpusim's /datatypes names.
DTYPES = {"float16": "fp16", "bfloat16": "bf16", "float32": "fp32", "int8": "int8"}
SECONDS_PER_UNIT = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
WITHIN = 0.20  # the "within +-20 %" band of the targets (a ratio)


class InputError(Exception):
    """Invalid input: exit 2 with one line."""


class RunError(Exception):
    """tpusim failed, or a result broke the harness's assumptions: exit 3."""


def fail(where, expected, found):
    raise InputError(f"{where}: expected {expected}, got {json.dumps(found)}")


def positive_int(value, where):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fail(where, "a positive integer", value)
    return value


def load_cases(path):
    """Reads and validates the measured file; returns a list of plain case dicts."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON: {e.msg} at line {e.lineno}")
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list) or not doc["cases"]:
        fail(f"{path}: /cases", "a non-empty array of cases", type(doc.get("cases", None)).__name__
             if isinstance(doc, dict) else type(doc).__name__)
    cases, seen = [], set()
    for i, c in enumerate(doc["cases"]):
        p = f"{path}: /cases/{i}"
        if not isinstance(c, dict):
            fail(p, "an object", c)
        cid, cset = c.get("id"), c.get("set")
        if not isinstance(cid, str) or not cid:
            fail(p + "/id", "a non-empty string", cid)
        if cid in seen:
            fail(p + "/id", "an id not used by an earlier case", cid)
        seen.add(cid)
        if not isinstance(cset, str) or not cset:
            fail(p + "/set", "a non-empty string", cset)
        dims = {d: positive_int(c.get(d), f"{p}/{d}") for d in ("m", "n", "k")}
        dtype = c.get("dtype")
        if dtype is not None and dtype not in DTYPES:
            fail(p + "/dtype", "one of " + ", ".join(DTYPES), dtype)
        meas = c.get("measured")
        if not isinstance(meas, dict):
            fail(p + "/measured", "an object with value and unit", meas)
        value, unit = meas.get("value"), meas.get("unit")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            fail(p + "/measured/value", "a positive number", value)
        if unit not in SECONDS_PER_UNIT:
            fail(p + "/measured/unit", "one of " + ", ".join(SECONDS_PER_UNIT), unit)
        cases.append(dict(id=cid, set=cset, dtype=dtype, measured_s=value * SECONDS_PER_UNIT[unit],
                          **dims))
    return doc.get("name", os.path.basename(path)), cases


def select(cases, args):
    """Deterministic selection: sets, then every N-th case (from an offset), then a seeded sample."""
    if args.sets:
        wanted = args.sets.split(",")
        known = sorted({c["set"] for c in cases})
        for s in wanted:
            if s not in known:
                raise InputError(f"--sets: unknown set {json.dumps(s)}; the file has {', '.join(known)}")
        cases = [c for c in cases if c["set"] in wanted]
    if args.every > 1 or args.offset:
        if args.offset >= args.every:
            raise InputError(f"--offset: expected an integer in [0, {args.every - 1}], got {args.offset}")
        cases = cases[args.offset::args.every]
    if args.sample:
        import random  # only here: the sample is the one random choice, seeded
        rng = random.Random(args.seed)
        if args.sample > len(cases):
            raise InputError(f"--sample: expected at most {len(cases)} (the selected cases), got {args.sample}")
        keep = set(rng.sample(range(len(cases)), args.sample))
        cases = [c for i, c in enumerate(cases) if i in keep]
    if not cases:
        raise InputError("the selection holds no case")
    return cases


def unit_shape(case, args):
    """The GEMM one unit runs: with --split-m/--split-n the case is cut evenly over that many
    units running side by side (a stand-in for a chip on single-unit presets), and one share's
    time is the prediction."""
    return {"m": math.ceil(case["m"] / args.split_m), "n": math.ceil(case["n"] / args.split_n),
            "k": case["k"]}


def run_tpusim(args, cases, dtype, workdir, tag):
    """Runs `cases` as one workload (one gemm layer per case); returns {id: seconds}."""
    wl_path = os.path.join(workdir, f"{tag}.json")
    layers = [dict(name=c["id"], op="gemm", **unit_shape(c, args)) for c in cases]
    with open(wl_path, "w", encoding="utf-8") as f:
        json.dump({"name": f"fidelity_{tag}", "source": "scripts/fidelity.py", "layers": layers}, f)
    out_dir = os.path.join(workdir, tag)
    # Each case is a kernel of its own: the layer barrier keeps the batched layers from
    # overlapping, so each layer's time is the GEMM's alone (checked by --verify-isolation).
    cmd = [args.tpusim, "run", "-q", "--arch", args.arch, "--workload", wl_path, "--out", out_dir,
           "--set", "/core/layer_barrier=true"]
    if dtype is not None and not args.no_dtype:
        for slot in ("input", "weight", "output"):
            cmd += ["--set", f"/datatypes/{slot}={DTYPES[dtype]}"]
    for s in args.set:
        cmd += ["--set", s]
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    except OSError as e:
        raise InputError(f"--tpusim {args.tpusim}: cannot run: {e.strerror}")
    if proc.returncode != 0:
        msg = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "(no message)"
        err = InputError if proc.returncode == 2 else RunError
        raise err(f"tpusim exited {proc.returncode}: {msg}")
    with open(os.path.join(out_dir, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    got = {l["name"]: l["seconds"] for l in report["layers"]}
    if len(report["layers"]) != len(cases) or set(got) != {c["id"] for c in cases}:
        raise RunError(f"report of {wl_path} has {len(report['layers'])} layers that do not "
                       f"match its {len(cases)} cases")
    return got


def predict(args, cases):
    """Predicted seconds per case id, from `args.jobs` batched tpusim runs per datatype."""
    groups = {}
    for c in cases:
        groups.setdefault(c["dtype"], []).append(c)
    with tempfile.TemporaryDirectory(prefix="fidelity_") as workdir:
        batches = []
        for gi, (dtype, members) in enumerate(sorted(groups.items(), key=lambda kv: str(kv[0]))):
            jobs = max(1, min(args.jobs, len(members)))
            for j in range(jobs):  # round-robin: sizes are sorted by set, so chunks balance
                batches.append((members[j::jobs], dtype, f"g{gi}_j{j}"))
        pred = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_tpusim, args, b, d, workdir, t) for b, d, t in batches]
            for fut in futures:
                pred.update(fut.result())
        if args.verify_isolation:
            verify_isolation(args, cases, pred, workdir)
    return pred


def verify_isolation(args, cases, pred, workdir):
    """Re-runs a few cases alone: the batched prediction must be exactly the lone GEMM's time."""
    n = min(args.verify_isolation, len(cases))
    step = len(cases) / n
    for i in range(n):
        c = cases[int(i * step)]
        alone = run_tpusim(args, [c], c["dtype"], workdir, f"alone{i}")[c["id"]]
        if alone != pred[c["id"]]:
            raise RunError(f"case {c['id']}: {pred[c['id']]!r} s in the batched workload but "
                           f"{alone!r} s alone: layers no longer run in isolation, so the "
                           f"harness must run each case on its own (or with a layer barrier)")


def summarize(rows):
    """MAPE, median APE, share within +-20 %, bias (mean signed relative error); ratios."""
    errs = [r["error"] for r in rows]
    abs_errs = [abs(e) for e in errs]
    worst = max(rows, key=lambda r: abs(r["error"]))
    return {"cases": len(rows), "mape": sum(abs_errs) / len(errs),
            "median_ape": statistics.median(abs_errs),
            "share_within_20pct": sum(a <= WITHIN for a in abs_errs) / len(errs),
            "bias": sum(errs) / len(errs), "worst_case": worst["id"], "worst_error": worst["error"]}


def score(cases, pred):
    rows = []
    for c in cases:
        p = pred[c["id"]]
        rows.append(dict(id=c["id"], set=c["set"], m=c["m"], n=c["n"], k=c["k"], dtype=c["dtype"],
                         measured_s=c["measured_s"], predicted_s=p,
                         error=(p - c["measured_s"]) / c["measured_s"]))
    per_set = {}
    for r in rows:
        per_set.setdefault(r["set"], []).append(r)
    summary = {"sets": {s: summarize(rs) for s, rs in per_set.items()}, "all": summarize(rows)}
    return rows, summary


def check_bounds(args, summary):
    """Returns the list of missed bounds (human lines)."""
    missed = []
    overall = summary["all"]
    if args.max_mape is not None and overall["mape"] * 100 > args.max_mape:
        missed.append(f"MAPE {overall['mape'] * 100:.2f} % > bound {args.max_mape} %")
    if args.max_set_mape is not None:
        for s, st in summary["sets"].items():
            if st["mape"] * 100 > args.max_set_mape:
                missed.append(f"set {s}: MAPE {st['mape'] * 100:.2f} % > bound {args.max_set_mape} %")
    if args.min_within is not None and overall["share_within_20pct"] * 100 < args.min_within:
        missed.append(f"within +-20 %: {overall['share_within_20pct'] * 100:.2f} % of cases "
                      f"< bound {args.min_within} %")
    return missed


def print_human(name, args, rows, summary, missed):
    split = f", each case split {args.split_m} (M) x {args.split_n} (N)" \
        if args.split_m * args.split_n > 1 else ""
    sets = "".join(f" --set {s}" for s in args.set)
    print(f"fidelity: {name}, {len(rows)} cases, arch {os.path.relpath(args.arch)}{sets}{split}")
    if not args.summary_only:
        print(f"{'case':<34} {'M':>5} {'N':>5} {'K':>5} {'measured us':>12} {'predicted us':>12} {'error %':>8}")
        for r in rows:
            print(f"{r['id']:<34} {r['m']:>5} {r['n']:>5} {r['k']:>5} {r['measured_s'] * 1e6:>12.3f} "
                  f"{r['predicted_s'] * 1e6:>12.3f} {r['error'] * 100:>+8.1f}")
        print()
    if args.worst:
        print(f"largest errors ({args.worst}):")
        for r in sorted(rows, key=lambda r: -abs(r["error"]))[:args.worst]:
            print(f"  {r['id']:<34} {r['measured_s'] * 1e6:>10.3f} us measured, "
                  f"{r['predicted_s'] * 1e6:>10.3f} us predicted, {r['error'] * 100:+.1f} %")
        print()
    print(f"{'set':<12} {'cases':>5} {'MAPE %':>7} {'median APE %':>12} {'within 20 %':>11} {'bias %':>7}")
    for label, st in list(summary["sets"].items()) + [("all", summary["all"])]:
        print(f"{label:<12} {st['cases']:>5} {st['mape'] * 100:>7.1f} {st['median_ape'] * 100:>12.1f} "
              f"{st['share_within_20pct'] * 100:>11.1f} {st['bias'] * 100:>+7.1f}")
    for m in missed:
        print(f"fidelity: FAIL: {m}")


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Score tpusim against GEMMs measured on real hardware.")
    ap.add_argument("--data", default=DEFAULT_DATA, help="measured file (default: %(default)s)")
    ap.add_argument("--arch", default=DEFAULT_ARCH, help="architecture (default: %(default)s)")
    ap.add_argument("--set", action="append", default=[], metavar="/PTR=VALUE",
                    help="config override passed to tpusim (repeatable; after the datatype sets)")
    ap.add_argument("--tpusim", default=DEFAULT_TPUSIM, help="binary (default: %(default)s)")
    ap.add_argument("--sets", help="comma-separated sets to run (default: all)")
    ap.add_argument("--every", type=int, default=1, help="keep every N-th case of the selection")
    ap.add_argument("--offset", type=int, default=0, help="first case kept by --every (0-based)")
    ap.add_argument("--sample", type=int, default=0, help="then keep N cases drawn with --seed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--split-m", type=int, default=1, help="cut M over this many units (stand-in)")
    ap.add_argument("--split-n", type=int, default=1, help="cut N over this many units (stand-in)")
    ap.add_argument("--no-dtype", action="store_true", help="do not set /datatypes from the cases")
    ap.add_argument("--jobs", type=int, default=2, help="tpusim processes at once (default 2)")
    ap.add_argument("--verify-isolation", type=int, default=0, metavar="N",
                    help="re-run N cases alone and require the batched time exactly")
    ap.add_argument("--summary-only", action="store_true", help="no per-case rows")
    ap.add_argument("--worst", type=int, default=0, metavar="N", help="list the N largest errors")
    ap.add_argument("--json", action="store_true", help="print JSON (ratios 0..1, seconds)")
    ap.add_argument("--max-mape", type=float, help="fail (exit 1) if the overall MAPE %% is above")
    ap.add_argument("--max-set-mape", type=float, help="fail if any set's MAPE %% is above")
    ap.add_argument("--min-within", type=float, help="fail if under this %% of cases are within 20 %%")
    args = ap.parse_args(argv)
    for opt in ("every", "split_m", "split_n", "jobs"):
        if getattr(args, opt) < 1:
            raise InputError(f"--{opt.replace('_', '-')}: expected an integer >= 1, got {getattr(args, opt)}")
    for opt in ("offset", "sample", "verify_isolation", "worst"):
        if getattr(args, opt) < 0:
            raise InputError(f"--{opt.replace('_', '-')}: expected an integer >= 0, got {getattr(args, opt)}")
    for s in args.set:
        if not s.startswith("/") or "=" not in s:
            raise InputError(f"--set {s}: expected /json/pointer=value")
    return args


def main(argv):
    try:
        args = parse_args(argv)
        name, cases = load_cases(args.data)
        cases = select(cases, args)
        pred = predict(args, cases)
    except InputError as e:
        print(f"fidelity.py: {e}", file=sys.stderr)
        return 2
    except RunError as e:
        print(f"fidelity.py: {e}", file=sys.stderr)
        return 3
    rows, summary = score(cases, pred)
    missed = check_bounds(args, summary)
    if args.json:
        json.dump({"data": name, "arch": args.arch, "set": args.set,
                   "split": {"m": args.split_m, "n": args.split_n}, "cases": rows,
                   "summary": summary, "missed_bounds": missed}, sys.stdout, indent=1)
        print()
    else:
        print_human(name, args, rows, summary, missed)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
