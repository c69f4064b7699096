#!/usr/bin/python3
"""Plot of a `tpusim choose` directory (DIR/choose.csv).

    scripts/plot_choose.py DIR [--out FILE]

Writes FILE (default DIR/plots/choose.png): one bar per architecture in four panels, latency,
energy per inference (both log scale), TOPS/W and utilization, each bar labelled with what bounds
it (compute, memory, dependency, interconnect). Bars of architectures that break a constraint are
red and hatched, with the constraints named under them; failed runs are left out and listed in
the title. Needs Debian's python3-matplotlib.
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PANELS = [("latency_ms", "latency (ms)", True), ("energy_per_inference_mj", "energy per inference (mJ)", True),
          ("tops_per_w", "TOPS/W", False), ("utilization", "utilization", False)]


def load(directory):
    path = os.path.join(directory, "choose.csv")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"plot_choose.py: {path}: cannot read ({e.strerror})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--out")
    args = ap.parse_args()
    rows = load(args.dir)
    ok = [r for r in rows if r["status"] == "ok"]
    failed = [os.path.splitext(os.path.basename(r["arch"]))[0] for r in rows if r["status"] != "ok"]
    if not ok:
        sys.exit(f"plot_choose.py: {args.dir}/choose.csv: no successful run to plot")
    names = [os.path.splitext(os.path.basename(r["arch"]))[0] for r in ok]
    labels = [n + ("\n(" + r["violates"].replace(";", ", ") + ")" if r["violates"] else "") for n, r in zip(names, ok)]
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4.2 * len(PANELS), 4.8))
    for ax, (key, title, log) in zip(axes, PANELS):
        values = [float(r[key]) for r in ok]
        colors = ["tab:red" if r["violates"] else "tab:blue" for r in ok]
        bars = ax.bar(range(len(ok)), values, color=colors)
        for bar, r in zip(bars, ok):
            if r["violates"]:
                bar.set_hatch("//")
            ax.annotate(r["bound"], (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                        va="bottom", fontsize=7)
        if log and min(values) > 0:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xticks(range(len(ok)))
        ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    unit = ok[0]["throughput_unit"]
    fig.suptitle(f"tpusim choose: {len(ok)} architectures ({unit})" + (f"; failed: {', '.join(failed)}" if failed else ""))
    fig.tight_layout()
    out = args.out or os.path.join(args.dir, "plots", "choose.png")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
