#!/usr/bin/python3
"""`tpusim export chakra` writes traces that a Chakra reader reads back.

    tests/chakra/read_back.py TPUSIM SOURCE_DIR PROTOC

Compiles sim/system/chakra/et_def.proto with protoc for Python (Debian's python3-protobuf),
reads each .et as Chakra lays it out (a varint length, then GlobalMetadata; then a varint length
and a Node, to the end; the varints decoded here, not by protobuf), and checks against the
workload and tpusim's own system report of the same run:
  - one node per op of the program (repeated --repeat times), ids 0..n-1, names as the report's;
  - data dependencies = the workload's inputs by name (copy r's reader of the workload input
    reads copy r-1's last node);
  - compute nodes: COMP_NODE, duration_ps = the op's span in the report = the chip run's
    (end_cycle - start_cycle) x 1000 ps at 1 GHz; duration_micros its rounding; num_ops 2 MACs;
  - collectives: COMM_COLL_NODE with Chakra's comm_type value, comm_size = the workload's bytes,
    involved_dim over the system's axes;
  - the manifest says one trace stands for every chip;
  - send_recv (peer differs per chip) is refused with one line, exit 2, and no trace written.
"""
import importlib
import json
import os
import subprocess
import sys
import tempfile

TPUSIM, SOURCE, PROTOC = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def varint(buf, pos):
    """Decodes a base-128 varint at `pos`; returns (value, next position)."""
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def read_trace(path, pb):
    data = open(path, "rb").read()
    size, pos = varint(data, 0)
    meta = pb.GlobalMetadata()
    meta.ParseFromString(data[pos:pos + size])
    pos += size
    nodes = []
    while pos < len(data):
        size, pos = varint(data, pos)
        n = pb.Node()
        n.ParseFromString(data[pos:pos + size])
        nodes.append(n)
        pos += size
    return meta, nodes


def attrs(node):
    out = {}
    for a in node.attr:
        kind = a.WhichOneof("value")
        v = getattr(a, kind)
        out[a.name] = list(v.values) if kind.endswith("_list") else v
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="tpusim_chakra_")
    subprocess.run([PROTOC, f"--python_out={tmp}", "-I", os.path.join(SOURCE, "sim/system/chakra"),
                    os.path.join(SOURCE, "sim/system/chakra/et_def.proto")], check=True)
    sys.path.insert(0, tmp)
    pb = importlib.import_module("et_def_pb2")

    chip = {"name": "tiny", "clock_mhz": 1000, "array": {"rows": 4, "cols": 4, "dataflow": "ws"},
            "buffers": {"ifmap": {"holds": ["inputs"], "capacity_bytes": 1024},
                        "filter": {"holds": ["weights"], "capacity_bytes": 1024},
                        "ofmap": {"holds": ["outputs"], "capacity_bytes": 1024}},
            "dram": {"bandwidth_gb_per_s": 16, "latency_ns": 10}}
    system = {"name": "grid", "chip": "chip.json", "chips": 8,
              "topology": {"kind": "torus", "axes": [{"name": "x", "size": 4, "wraparound": True},
                                                     {"name": "y", "size": 2}]},
              "link": {"bandwidth_gb_per_s": 1, "latency_ns": 1000}}
    layers = [
        {"name": "g1", "op": "gemm", "m": 8, "n": 8, "k": 8},
        {"name": "ar", "op": "all_reduce", "bytes": 4096, "axes": ["x"], "algorithm": "ring"},
        {"name": "g2", "op": "gemm", "m": 8, "n": 8, "k": 64, "inputs": ["input"]},
        {"name": "ag", "op": "all_gather", "bytes": 2048, "axes": ["x", "y"], "algorithm": "ring", "inputs": ["g2"]},
        {"name": "g3", "op": "matmul", "m": 8, "n": 8, "k": 8, "inputs": ["ar", "ag"]},
    ]
    for name, doc in (("chip.json", chip), ("system.json", system), ("work.json", {"name": "w", "layers": layers})):
        json.dump(doc, open(os.path.join(tmp, name), "w"))
    sys_file, work = os.path.join(tmp, "system.json"), os.path.join(tmp, "work.json")
    repeat = 2
    run_dir, et_dir = os.path.join(tmp, "run"), os.path.join(tmp, "et")
    subprocess.run([TPUSIM, "run", "-q", "--arch", sys_file, "--workload", work, "--repeat", str(repeat),
                    "--out", run_dir], check=True)
    subprocess.run([TPUSIM, "export", "chakra", "-q", "--arch", sys_file, "--workload", work, "--repeat",
                    str(repeat), "--out", et_dir], check=True)
    report = json.load(open(os.path.join(run_dir, "system_report.json")))
    manifest = json.load(open(os.path.join(et_dir, "tpusim.manifest.json")))
    check(manifest["traces"] == [{"file": "tpusim.0.et", "chips": "0-7"}], f"manifest traces {manifest['traces']}")
    meta, nodes = read_trace(os.path.join(et_dir, "tpusim.0.et"), pb)
    meta_attrs = {a.name: a.string_val for a in meta.attr}
    check(meta_attrs.get("producer") == "tpusim" and meta_attrs.get("chips") == "8", f"metadata {meta_attrs}")

    ops = report["ops"]
    n = len(layers)
    check(len(nodes) == n * repeat == len(ops), f"{len(nodes)} nodes, {len(ops)} ops, {n} x {repeat} expected")
    index = {l["name"]: i for i, l in enumerate(layers)}
    chip_layers = report["chip"]["layers"]
    compute_names = [l["name"] for l in layers if l["op"] in ("gemm", "matmul")]
    for i, node in enumerate(nodes):
        r, j = divmod(i, n)
        layer, op = layers[j], ops[i]
        a = attrs(node)
        check(node.id == i and node.name == op["name"] == f"{layer['name']}#{r}", f"node {i}: id/name {node.id} {node.name}")
        # Dependencies from the workload: named inputs, the previous op when unnamed, and the
        # workload input (copy r > 0: copy r-1's last node).
        names = layer.get("inputs", [layers[j - 1]["name"]] if j > 0 else ["input"])
        want = []
        for name in names:
            if name == "input":
                if r > 0:
                    want.append((r - 1) * n + n - 1)
            else:
                want.append(r * n + index[name])
        check(list(node.data_deps) == want, f"{node.name}: data_deps {list(node.data_deps)}, expected {want}")
        span = op["end_ps"] - op["start_ps"]
        check(a["duration_ps"] == span, f"{node.name}: duration_ps {a['duration_ps']} vs report {span}")
        check(node.duration_micros == (span + 500000) // 1000000, f"{node.name}: duration_micros {node.duration_micros}")
        check(a["is_cpu_op"] is False, f"{node.name}: is_cpu_op")
        if layer["op"] in ("gemm", "matmul"):
            check(node.type == pb.COMP_NODE, f"{node.name}: type {node.type}")
            c = chip_layers[compute_names.index(layer["name"])]
            check(span == (c["end_cycle"] - c["start_cycle"]) * 1000, f"{node.name}: {span} ps vs chip cycles")
            check(a["num_ops"] == 2 * layer["m"] * layer["n"] * layer["k"], f"{node.name}: num_ops {a['num_ops']}")
        else:
            check(node.type == pb.COMM_COLL_NODE, f"{node.name}: type {node.type}")
            want_type = {"all_reduce": pb.ALL_REDUCE, "all_gather": pb.ALL_GATHER}[layer["op"]]
            check(a["comm_type"] == want_type, f"{node.name}: comm_type {a['comm_type']}")
            check(a["comm_size"] == layer["bytes"], f"{node.name}: comm_size {a['comm_size']}")
            check(a["involved_dim"] == [ax in layer["axes"] for ax in ("x", "y")], f"{node.name}: involved_dim")
            check(a["algorithm"] == "ring", f"{node.name}: algorithm")

    # send_recv: refused in one line, nothing written.
    bad_dir = os.path.join(tmp, "bad_et")
    json.dump({"name": "p2p", "layers": [{"name": "s", "op": "send_recv", "bytes": 64, "axes": ["x"]}]},
              open(os.path.join(tmp, "p2p.json"), "w"))
    p = subprocess.run([TPUSIM, "export", "chakra", "--arch", sys_file, "--workload", os.path.join(tmp, "p2p.json"),
                        "--out", bad_dir], capture_output=True, text=True)
    check(p.returncode == 2 and p.stderr.count("\n") == 1 and "/layers/0" in p.stderr and "send_recv" in p.stderr,
          f"send_recv: exit {p.returncode}, stderr {p.stderr!r}")
    check(not os.path.exists(bad_dir), "send_recv: the output directory was made")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(nodes)} nodes checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
