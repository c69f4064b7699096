#!/usr/bin/python3
"""The timeline (`tpusim run --timeline FILE`) is a valid Chrome trace that Perfetto and
chrome://tracing load.

    tests/timeline/validate_trace.py TPUSIM SOURCE_DIR

Debian has no Perfetto trace processor (no python3-perfetto), so the trace is checked against
the documented fields of the Trace Event Format (Google, "Trace Event Format", the JSON Object
Format; the same fields Perfetto's JSON importer reads):
  - a JSON object with a `traceEvents` array; `displayTimeUnit` "ms" or "ns" when present;
  - every event an object with a known phase `ph`, an integer `pid`, and `args` an object when
    present; metadata (`M`) events named process_name / thread_name (/ *_sort_index, labels)
    with `args.name` a string;
  - complete events (`X`): `name`, `tid`, `ts` and `dur` numbers >= 0 (microseconds), and on one
    thread they nest or are disjoint (no partial overlap: viewers draw a thread's slices as a stack);
  - async events (`b`/`e`): `cat`, `id`, `name`, `ts`; every `b` closed by one `e` of the same
    cat, id and name, not before it; no `e` without its `b`;
  - every (pid, tid) used is named by a thread_name event;
and against tpusim's own meaning: `ts` = args.start_cycle / clock in MHz, every layer of the
report has one span on the "layers" thread (async: under graph execution layers overlap) with
the report's start and end cycles.
Runs ResNet-50 on tpu_v1 and on the 16x16 Gemmini-like preset, and BERT on the TPU-v4-like one.
"""
import json
import os
import subprocess
import sys
import tempfile

PHASES = set("BEXIibenSTpFsftPNODMCRcv") | {"(", ")"}
METADATA = {"process_name", "thread_name", "process_sort_index", "thread_sort_index", "process_labels"}
EPS_US = 1e-6  # ts and dur are written with 6 decimals


def fail(msg):
    raise SystemExit(f"FAIL: {msg}")


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def validate(doc, clock_mhz, where):
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        fail(f"{where}: not an object with a traceEvents array")
    if "displayTimeUnit" in doc and doc["displayTimeUnit"] not in ("ms", "ns"):
        fail(f"{where}: displayTimeUnit {doc['displayTimeUnit']!r}")
    named_threads, used_threads = set(), set()
    complete, open_async = {}, {}
    counts = {}
    for i, e in enumerate(doc["traceEvents"]):
        at = f"{where}: traceEvents[{i}]"
        if not isinstance(e, dict) or e.get("ph") not in PHASES:
            fail(f"{at}: no known phase: {e!r}")
        ph = e["ph"]
        counts[ph] = counts.get(ph, 0) + 1
        if not isinstance(e.get("pid"), int):
            fail(f"{at}: pid must be an integer")
        if "args" in e and not isinstance(e["args"], dict):
            fail(f"{at}: args must be an object")
        if ph == "M":
            if e.get("name") not in METADATA:
                fail(f"{at}: metadata event named {e.get('name')!r}")
            if e["name"].endswith("_name") and not isinstance(e.get("args", {}).get("name"), str):
                fail(f"{at}: {e['name']} needs args.name")
            if e["name"] == "thread_name":
                named_threads.add((e["pid"], e.get("tid")))
            continue
        if not isinstance(e.get("tid"), int) or not isinstance(e.get("name"), str) or not is_num(e.get("ts")):
            fail(f"{at}: needs an integer tid, a name and a numeric ts")
        if e["ts"] < 0:
            fail(f"{at}: negative ts")
        used_threads.add((e["pid"], e["tid"]))
        args = e.get("args", {})
        if "start_cycle" in args and abs(e["ts"] - args["start_cycle"] / clock_mhz) > EPS_US * max(1, e["ts"]):
            fail(f"{at}: ts {e['ts']} is not start_cycle {args['start_cycle']} / {clock_mhz} MHz")
        if ph == "X":
            if not is_num(e.get("dur")) or e["dur"] < 0:
                fail(f"{at}: X needs dur >= 0")
            complete.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"], i))
        elif ph in "be":
            if not isinstance(e.get("cat"), str) or not isinstance(e.get("id"), (str, int)):
                fail(f"{at}: async events need cat and id")
            key = (e["pid"], e["cat"], e["id"], e["name"])
            if ph == "b":
                if key in open_async:
                    fail(f"{at}: async {key} begun twice")
                open_async[key] = e["ts"]
            else:
                if key not in open_async:
                    fail(f"{at}: async end {key} without a begin")
                if e["ts"] + EPS_US < open_async.pop(key):
                    fail(f"{at}: async {key} ends before it begins")
    if open_async:
        fail(f"{where}: {len(open_async)} async events never end, e.g. {next(iter(open_async))}")
    unnamed = used_threads - named_threads
    if unnamed:
        fail(f"{where}: threads without a thread_name: {sorted(unnamed)}")
    for thread, spans in complete.items():
        stack = []
        for start, end, i in sorted(spans, key=lambda s: (s[0], -s[1])):
            while stack and stack[-1] <= start + EPS_US:
                stack.pop()
            if stack and end > stack[-1] + EPS_US:
                fail(f"{where}: X event {i} on {thread} overlaps the slice it starts in without nesting")
            stack.append(end)
    return counts


def main(argv):
    tpusim, source = os.path.realpath(argv[1]), os.path.realpath(argv[2])
    cases = [("tpu_v1", "resnet50"), ("gemmini_like_16x16", "resnet50"), ("tpu_v4_like_128x128", "bert_base_layer")]
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    passed = 0
    with tempfile.TemporaryDirectory(prefix="tpusim_trace.") as tmp:
        for arch, workload in cases:
            trace, out = os.path.join(tmp, f"{arch}.{workload}.json"), os.path.join(tmp, f"{arch}.{workload}")
            cmd = [tpusim, "run", "-q", "--arch", os.path.join(source, "configs", arch + ".json"), "--workload",
                   os.path.join(source, "workloads", workload + ".json"), "--timeline", trace, "--out", out]
            p = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if p.returncode != 0:
                fail(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
            report = json.load(open(os.path.join(out, "report.json")))
            doc = json.load(open(trace))
            where = f"{arch}/{workload}"
            counts = validate(doc, report["arch"]["clock_mhz"], where)
            layer_tid = [e["tid"] for e in doc["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"
                         and e["args"]["name"] == "layers"]
            spans = {}
            for e in doc["traceEvents"]:
                if e["ph"] in ("X", "b") and layer_tid and e.get("tid") == layer_tid[0]:
                    index = e["args"]["index"]
                    if index in spans:
                        fail(f"{where}: layer {index} has two spans")
                    spans[index] = e
            if sorted(spans) != list(range(len(report["layers"]))):
                fail(f"{where}: the layers thread does not hold one span per report layer")
            for i, l in enumerate(report["layers"]):
                a = spans[i]["args"]
                if spans[i]["name"] != l["name"] or (a["start_cycle"], a["end_cycle"]) != (l["start_cycle"], l["end_cycle"]):
                    fail(f"{where}: layer {i} {l['name']}: span {spans[i]['name']} cycles {a['start_cycle']}..{a['end_cycle']}, "
                         f"report {l['start_cycle']}..{l['end_cycle']}")
            print(f"ok: {where}: {len(doc['traceEvents'])} events {counts}, layer spans = report cycles")
            passed += 1
    print(f"{passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
