#!/usr/bin/python3
"""torchvision models through ONNX into tpusim.

    tests/onnx/torch_models.py TPUSIM SOURCE_DIR

Exports torchvision's ResNet-50, MobileNetV2 and ViT-B/16 (weights=None: random weights,
nothing downloaded) with scripts/export_torch.py into a temporary directory, then checks:
  1. ResNet-50: `tpusim import` gives the layers of workloads/resnet50.json, op by op with the
     same sizes, and the same edges (each layer reads the same earlier layers); and on every
     preset in configs/ the run's report.json equals the JSON workload's in every total and every
     per-layer figure (cycles, cycle breakdown, MACs, DRAM and SRAM traffic, energy), names aside.
  2. MobileNetV2 and ViT-B/16: the run's MACs equal the counts derived below from the papers'
     architectures, independently of tpusim.
Exit 0 when all hold.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

# MobileNetV2 1.0/224 (Sandler et al., CVPR 2018, Table 2): MACs of each conv are
# out_h x out_w x kernel_h x kernel_w x (in_c / groups) x out_c.
#   stem 3x3 s2, 3 -> 32 at 112x112:                  112^2 x 9 x 3 x 32  = 10,838,016
#   per inverted residual (t, c, n, s) with input h x h x cin, hidden = t x cin:
#     expand 1x1 (t != 1): h^2 x cin x hidden; depthwise 3x3 stride s: (h/s)^2 x 9 x hidden;
#     project 1x1: (h/s)^2 x hidden x c
#   head 1x1 320 -> 1280 at 7x7:                      49 x 320 x 1280     = 20,070,400
#   classifier 1280 -> 1000:                                               1,280,000
# The sum is 300,774,272 (the paper's "300M multiply-adds").
MOBILENET_V2_BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]


def mobilenet_v2_macs():
    h, cin = 112, 32
    macs = 112 * 112 * 9 * 3 * 32
    for t, c, n, s in MOBILENET_V2_BLOCKS:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            if t != 1:
                macs += h * h * cin * hidden
            h //= stride
            macs += h * h * 9 * hidden + h * h * hidden * c
            cin = c
    return macs + 7 * 7 * 320 * 1280 + 1280 * 1000


# ViT-B/16 at 224x224 (Dosovitskiy et al., ICLR 2021; torchvision vit_b_16): 196 patches of
# 16x16x3 embedded to D = 768 by a 16x16 stride-16 conv (196 x 768 x 768), a class token makes
# T = 197 tokens; 12 encoder layers, each: QKV projection T x D x 3D, attention scores and
# context 2 x heads(12) x T x T x (D/12 = 64), output projection T x D x D, MLP 2 x T x D x 4D;
# the head reads the class token only: 768 x 1000.
def vit_b_16_macs():
    T, D, H = 197, 768, 12
    layer = T * D * 3 * D + 2 * H * T * T * (D // H) + T * D * D + 2 * T * D * 4 * D
    return 196 * D * 768 + 12 * layer + D * 1000


def run(cmd, **kw):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p.stdout


def pair(v):
    return list(v) if isinstance(v, list) else [v, v]


def normalised(layer):
    """A layer's sizes with the format's defaults written out (no name, no inputs)."""
    l = {k: v for k, v in layer.items() if k not in ("name", "inputs")}
    l.setdefault("batch", 1)
    if l["op"] == "conv2d":
        for k, d in (("stride", 1), ("padding", 0), ("dilation", 1)):
            l[k] = pair(l.get(k, d))
        l.setdefault("groups", 1)
    if l["op"] in ("maxpool", "avgpool"):
        for k, d in (("kernel", None), ("stride", 1), ("padding", 0)):
            l[k] = pair(l.get(k, d))
    if l["op"] == "linear":
        l.setdefault("tokens", 1)
    return l


def edges(doc):
    """Each layer's inputs as indices of earlier layers (-1: the workload input)."""
    index, out = {}, []
    inp = doc.get("input", "input")
    for i, l in enumerate(doc["layers"]):
        names = l.get("inputs") or ([doc["layers"][i - 1]["name"]] if i else [inp])
        out.append([-1 if n == inp else index[n] for n in names])
        index[l["name"]] = i
    return out


def figures(report):
    """Every figure of a report but names (and the import record, which the JSON run has not)."""
    layers = [{k: v for k, v in l.items() if k != "name"} for l in report["layers"]]
    return report["totals"], layers


def check_resnet50(tpusim, source, onnx_path, tmp):
    imported = json.loads(run([tpusim, "import", "--workload", onnx_path]))
    reference = json.load(open(os.path.join(source, "workloads", "resnet50.json")))
    a, b = imported["layers"], reference["layers"]
    if len(a) != len(b):
        raise SystemExit(f"FAIL: resnet50: {len(a)} imported layers, {len(b)} in workloads/resnet50.json")
    for i, (x, y) in enumerate(zip(a, b)):
        if normalised(x) != normalised(y):
            raise SystemExit(f"FAIL: resnet50 layer {i}: imported {x['name']} {normalised(x)} != {y['name']} {normalised(y)}")
    if edges(imported) != edges(reference):
        diff = [i for i, (p, q) in enumerate(zip(edges(imported), edges(reference))) if p != q]
        raise SystemExit(f"FAIL: resnet50: edges differ at layers {diff[:5]}")
    print(f"resnet50: {len(a)} layers and their edges equal workloads/resnet50.json")
    presets = sorted(f for f in os.listdir(os.path.join(source, "configs")) if f.endswith(".json"))
    for p in presets:
        arch = os.path.join(source, "configs", p)
        reports = []
        for tag, w in (("onnx", onnx_path), ("json", os.path.join(source, "workloads", "resnet50.json"))):
            out = os.path.join(tmp, f"{p}.{tag}")
            run([tpusim, "run", "-q", "--arch", arch, "--workload", w, "--out", out])
            reports.append(json.load(open(os.path.join(out, "report.json"))))
        (ta, la), (tb, lb) = figures(reports[0]), figures(reports[1])
        if ta != tb or la != lb:
            bad = [k for k in ta if ta[k] != tb.get(k)]
            raise SystemExit(f"FAIL: resnet50 on {p}: ONNX and JSON reports differ (totals {bad}; "
                             f"cycles {ta['cycles']} vs {tb['cycles']})")
        print(f"resnet50 on {p}: {ta['cycles']} cycles from ONNX = from JSON (every total and layer figure)")
    return len(presets)


def check_macs(tpusim, source, name, onnx_path, expected, tmp):
    out = os.path.join(tmp, name)
    run([tpusim, "run", "-q", "--arch", os.path.join(source, "configs", "tpu_v1.json"), "--workload", onnx_path,
         "--out", out])
    report = json.load(open(os.path.join(out, "report.json")))
    macs = report["totals"]["macs"]
    if macs != expected:
        raise SystemExit(f"FAIL: {name}: {macs} MACs, derived {expected}")
    skipped = report["import"]["counts"]["skipped"]
    if skipped:
        raise SystemExit(f"FAIL: {name}: {skipped} nodes skipped")
    print(f"{name}: {macs} MACs = derived; {report['import']['counts']}")


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    tpusim, source = os.path.realpath(argv[1]), os.path.realpath(argv[2])
    assert mobilenet_v2_macs() == 300_774_272 and vit_b_16_macs() == 17_563_828_224
    with tempfile.TemporaryDirectory(prefix="tpusim_torch.") as tmp:
        paths = {}
        for model in ("resnet50", "mobilenet_v2", "vit_b_16"):
            start = time.time()
            paths[model] = os.path.join(tmp, model + ".onnx")
            run(["/usr/bin/python3", os.path.join(source, "scripts", "export_torch.py"), model, "-o", paths[model]])
            print(f"exported {model} in {time.time() - start:.1f} s")
        presets = check_resnet50(tpusim, source, paths["resnet50"], tmp)
        check_macs(tpusim, source, "mobilenet_v2", paths["mobilenet_v2"], mobilenet_v2_macs(), tmp)
        check_macs(tpusim, source, "vit_b_16", paths["vit_b_16"], vit_b_16_macs(), tmp)
    print(f"{presets + 3} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
