#!/usr/bin/python3
"""Latency against throughput of a tpusim model sweep (a spec with "model" and "scenario").

    scripts/plot_pareto.py DIR [--out FILE]

Reads DIR/points.csv and DIR/pareto.csv (tpusim sweep, sim/sweep/README.md "Model sweeps") and
writes FILE (default DIR/plots/pareto_latency_throughput.png): every ok point as a dot, its
latency (`latency_s`: time per output token for decode and request, time to first token for
prefill, in ms) against tokens/s per chip, the Pareto front (lower latency, more tokens/s per
chip) joined by a line, each point labelled with the axis values that vary (batch, tp, ...).
Prints the front as a table. Needs Debian's python3-matplotlib.
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_csv(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"plot_pareto.py: {path}: {e.strerror}")


def axis_columns(rows):
    """The axis columns (JSON pointers) whose values differ between rows, short names."""
    if not rows:
        return []
    cols = [c for c in rows[0] if c.startswith("/")]
    return [c for c in cols if len({r[c] for r in rows}) > 1]


def label(row, cols):
    return ", ".join(f"{c.rsplit('/', 1)[-1]} {row[c]}" for c in cols)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--out")
    a = ap.parse_args(argv)
    rows = [r for r in read_csv(os.path.join(a.dir, "points.csv")) if r["status"] == "ok"]
    if rows and "latency_s" not in rows[0]:
        sys.exit(f"plot_pareto.py: {a.dir}/points.csv: not a model sweep (no latency_s column)")
    if not rows:
        sys.exit(f"plot_pareto.py: {a.dir}/points.csv: no ok rows")
    front_points = {r["point"] for r in read_csv(os.path.join(a.dir, "pareto.csv"))}
    cols = axis_columns(rows)
    x = [float(r["tokens_per_s_per_chip"]) for r in rows]
    y = [1e3 * float(r["latency_s"]) for r in rows]
    front = sorted((r for r in rows if r["point"] in front_points), key=lambda r: float(r["tokens_per_s_per_chip"]))

    fig, ax = plt.subplots(figsize=(7, 5))
    ax.scatter(x, y, s=18, color="tab:gray", label="points")
    ax.plot([float(r["tokens_per_s_per_chip"]) for r in front], [1e3 * float(r["latency_s"]) for r in front],
            "o-", color="tab:red", label="Pareto front")
    for r, xi, yi in zip(rows, x, y):
        ax.annotate(label(r, cols), (xi, yi), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("tokens/s per chip")
    ax.set_ylabel("latency (ms): time per output token, or time to first token")
    ax.set_title(os.path.basename(os.path.normpath(a.dir)))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    out = a.out or os.path.join(a.dir, "plots", "pareto_latency_throughput.png")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"{'point':>5}  {'latency ms':>11}  {'tokens/s/chip':>13}  axes")
    for r in front:
        print(f"{r['point']:>5}  {1e3 * float(r['latency_s']):>11.4g}  {float(r['tokens_per_s_per_chip']):>13.5g}  "
              f"{label(r, cols)}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
