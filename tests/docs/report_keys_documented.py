#!/usr/bin/python3
"""Every key of a report.json is documented in results/README.md.

    tests/docs/report_keys_documented.py TPUSIM SOURCE_DIR

Runs tpusim on cases that exercise every part of a report (native timing on every preset,
vector layers, grouped and padded convs, batches, N:M and unstructured sparsity under every
dataflow, SCALE-Sim timing from a .cfg with its CSV topology and with JSON workloads, packed
MACs) and model runs (--model/--scenario on a chip and a system), collects the dotted path of every key under the top level, `totals` and `layers[]`
(`arch` is the effective config, documented key by key in configs/README.md), and checks that
each is in the first column of a table of results/README.md. Keys named by the config (buffer
names) or by a fixed list (cycle categories, energy and area components, registry counters) are
documented as `<buffer>`, `<class>`, `<component>`, `<counter>`: the names themselves must then
appear in the file (a counter of a buffer as `top.<buffer>.<name>`).
Exit 0 when every key is documented; 1 lists the missing ones.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

CASES = [  # (arch, workload, extra options)
    *[(f"configs/{a}.json", f"workloads/{w}.json", [])
      for a in ("tpu_v1", "scalesim_32x32", "eyeriss_like_12x14", "gemmini_like_16x16", "tpu_v4_like_128x128")
      for w in ("resnet50", "mobilenet_v2", "bert_base_layer")],
    *[("configs/eyeriss_like_12x14.json", "tests/data/sparsity/dense_vs_2of4.json", ["--set", f"/array/dataflow={df}"])
      for df in ("os", "ws", "is")],
    ("configs/tpu_v1.json", "tests/data/memory/conv3x3_256_56_batch8.json", []),
    ("configs/scalesim/scale.cfg", "tests/data/scalesim/resnet50.csv", []),
    ("configs/scalesim/scale.cfg", "workloads/mobilenet_v2.json", []),
    ("configs/scalesim/scale.cfg", "tests/data/memory/conv3x3_256_56_batch8.json", []),
    ("configs/scalesim/scale.cfg", "tests/data/sparsity/dense_vs_2of4.json", ["--set", "/array/macs_per_pe_per_cycle=2"]),
    ("configs/tpu_v4.json", "workloads/bert_base_layer.json", []),
    ("configs/tpu_v4.json", "tests/data/attention/fused_attention.json", []),
    ("configs/zhang2015_vx485t.json", "workloads/alexnet.json", []),
    ("configs/tpu_v1.json", "tests/data/onnx/tiny_cnn.onnx", []),
    ("configs/tpu_v1.json", "tests/data/onnx/tiny_topk.onnx", ["--allow-unsupported"]),
]
# Model runs (report kind "model"): every scenario kind on a chip, and tp x dp on a system (the
# system, axes and link-energy keys). Scenarios written to the temporary directory.
MODEL = "workloads/models/tiny_gqa.json"
MODEL_CASES = [  # (arch, scenario)
    ("configs/tpu_v4_like_128x128.json", {"name": "r", "kind": "request", "batch": 2, "prompt": 16, "tokens": 4}),
    ("configs/tpu_v4_like_128x128.json", {"name": "t", "kind": "train_step", "batch": 1, "sequence": 16}),
    ("configs/systems/tpu_v5e_8x4.json", {"name": "d", "kind": "decode", "batch": 8, "context": 64, "tokens": 2,
                                          "parallelism": {"tp": 4, "dp": 8}}),
]
# Parents whose children are named by the config or by a fixed list, and the placeholder that
# documents them.
NAMED_CHILDREN = {"sram_reads": "<buffer>", "sram_writes": "<buffer>", "cycle_breakdown": "<class>",
                  "sram_port_utilization": "<buffer>", "counters": "<counter>",
                  "energy_breakdown_pj": "<component>", "area_breakdown_mm2": "<component>",
                  "static_power_breakdown_mw": "<component>", "buffers": "<buffer>"}
# Parents whose children are named by a fixed list and have children of their own: the children
# are folded to the placeholder and walked (each name must appear in the file).
FOLDED_CHILDREN = {"phases": "<phase>"}


def counter_name(name, buffers):
    """A registry counter's name with a buffer's instance name written `<buffer>`."""
    parts = name.split(".")
    return ".".join(["top", "<buffer>", *parts[2:]]) if len(parts) > 2 and parts[1] in buffers else name


def key_paths(value, path, names, out, buffers=()):
    """Dotted paths of the leaves and objects of `value`, children of NAMED_CHILDREN folded."""
    if isinstance(value, dict):
        parent = path.rsplit(".", 1)[-1]
        for k, v in value.items():
            if parent in FOLDED_CHILDREN and path.count(".") == 0:
                names.add(k)
                key_paths(v, f"{path}.{FOLDED_CHILDREN[parent]}", names, out, buffers)
            elif parent in NAMED_CHILDREN:
                # Buffer names come from the config; categories and components must be listed.
                if NAMED_CHILDREN[parent] == "<counter>":
                    names.add(counter_name(k, buffers))
                elif NAMED_CHILDREN[parent] != "<buffer>":
                    names.add("sram.<buffer>" if k.startswith("sram.") else k)
                out.add(f"{path}.{NAMED_CHILDREN[parent]}")
            else:
                key_paths(v, f"{path}.{k}" if path else k, names, out, buffers)
    elif isinstance(value, list):
        for v in value:
            key_paths(v, path + "[]", names, out, buffers)
    else:
        out.add(path)


def documented(readme_text):
    """Dotted paths named in the first cell of the README's table rows (`a.b`, `.c` = sibling)."""
    keys = set()
    for line in readme_text.split("\n"):
        if not line.startswith("| `"):
            continue
        full = None
        for span in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if span.startswith(".") and full:
                span = full.rsplit(".", 1)[0] + span
            full = span
            keys.add(span)
    return keys


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    tpusim, source = os.path.realpath(argv[1]), os.path.realpath(argv[2])
    readme = open(os.path.join(source, "results", "README.md"), encoding="utf-8").read()
    docs = documented(readme)
    found, names = {}, set()
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    with tempfile.TemporaryDirectory(prefix="tpusim_keys.") as tmp:
        for i, (arch, workload, extra) in enumerate(CASES):
            out = os.path.join(tmp, str(i))
            cmd = [tpusim, "run", "-q", "--arch", arch, "--workload", workload, *extra, "--out", out]
            p = subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True)
            if p.returncode != 0:
                print(f"FAIL: {' '.join(cmd[1:])} exited {p.returncode}: {p.stderr.strip()}")
                return 1
            report = json.load(open(os.path.join(out, "report.json")))
            buffers = set(report.pop("arch")["buffers"])
            paths = set()
            key_paths(report, "", names, paths, buffers)
            for k in paths:
                found.setdefault(k, " ".join(cmd[1:6] + extra))
        for i, (arch, scenario) in enumerate(MODEL_CASES):
            out = os.path.join(tmp, f"model{i}")
            os.makedirs(out)
            path = os.path.join(out, "scenario.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(scenario, f)
            cmd = [tpusim, "run", "-q", "--arch", arch, "--model", MODEL, "--scenario", path, "--out", out]
            p = subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True)
            if p.returncode != 0:
                print(f"FAIL: {' '.join(cmd[1:])} exited {p.returncode}: {p.stderr.strip()}")
                return 1
            paths = set()
            key_paths(json.load(open(os.path.join(out, "report.json"))), "", names, paths)
            for k in paths:
                found.setdefault(k, f"--model on {arch}, {scenario['kind']}")
    # The fused attention's step plans (`mapping.scores.<key>` ...) have the keys of a layer's own
    # mapping: each must be documented there, and the step row once.
    step = re.compile(r"^layers\[\]\.mapping\.(scores|softmax|context)\.(.+)$")

    def is_documented(k):
        m = step.match(k)
        if m:
            return f"layers[].mapping.{m.group(1)}.<key>" in docs and f"layers[].mapping.{m.group(2)}" in docs
        return k in docs

    missing = sorted(k for k in found if not is_documented(k))
    unnamed = sorted(n for n in names if f"`{n}`" not in readme)
    for k in missing:
        print(f"undocumented report key: {k} (first seen in: {found[k]})")
    for n in unnamed:
        print(f"undocumented name in a breakdown or buffer map: `{n}`")
    print(f"report keys: {len(found)} seen in {len(CASES) + len(MODEL_CASES)} reports, {len(missing) + len(unnamed)} undocumented")
    if missing or unnamed:
        print("document them in results/README.md (one table row per key)")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
