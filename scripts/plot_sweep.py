#!/usr/bin/python3
"""Plots of a tpusim sweep directory (DIR/points.csv and the reports it names).

    scripts/plot_sweep.py DIR [--out PLOTDIR] [--roofline-point N]

Writes PNGs into PLOTDIR (default DIR/plots), one set per workload W:

  array_W.png       cycles and utilization against array size (PEs), one line per dataflow;
                    where other axes vary too, each marker is the point with the fewest
                    cycles at that size and dataflow
  energy_W.png      energy breakdown (stacked bars) of the Pareto points, or of every point
                    when there are at most 24
  roofline_W.png    each layer of one point (the fewest cycles, or --roofline-point N) as a
                    dot: MACs per DRAM byte against attained MAC/s, under the roofs of that
                    point's array (rows x cols x clock) and DRAM bandwidth
  pareto_W.png      cycles against energy of every ok point, the Pareto front highlighted
                    (colour = area in mm^2 when the reports have it)

Needs Debian's python3-matplotlib (apt-get install python3-matplotlib).
"""
import argparse
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

DATAFLOW_STYLE = {"os": ("tab:blue", "o"), "ws": ("tab:orange", "s"), "is": ("tab:green", "^")}
MAX_BARS = 24


def load_rows(sweep_dir):
    path = os.path.join(sweep_dir, "points.csv")
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"plot_sweep.py: {path}: {e.strerror}")
    pareto_keys = set()
    with open(os.path.join(sweep_dir, "pareto.csv"), newline="") as f:
        for r in csv.DictReader(f):
            pareto_keys.add((r["point"], r["workload"]))
    for r in rows:
        r["pareto"] = (r["point"], r["workload"]) in pareto_keys
    return rows


def load_report(sweep_dir, row, cache={}):
    path = os.path.join(sweep_dir, row["report"])
    if path not in cache:
        with open(path) as f:
            cache[path] = json.load(f)
    return cache[path]


def by_workload(rows):
    out = {}
    for r in rows:
        if r["status"] == "ok":
            out.setdefault(r["workload"], []).append(r)
    return out


def format_value(column, value):
    if column.endswith("_bytes") and value.isdigit():
        n = int(value)
        for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
            if n >= div and n % div == 0:
                return f"{n // div} {unit}"
    return value


def label_columns(rows, columns):
    """The axis columns worth showing for these rows: those that vary and are not implied by
    the columns before them (the other paths of a linked axis)."""
    shown = []
    for c in columns:
        if len({r[c] for r in rows}) < 2:
            continue
        implied = {}
        if all(implied.setdefault(tuple(r[s] for s in shown), r[c]) == r[c] for r in rows) and shown:
            continue
        shown.append(c)
    if "/array/rows" in shown and "/array/cols" in columns and "/array/cols" not in shown:
        shown.append("/array/cols")  # shapes read as "64x64" even when cols is linked to rows
    return shown


def axis_label(row, columns):
    """Short label of a point from the given axis columns: "64x64 os bw_gb_per_s=20"."""
    parts = []
    vals = {c: row[c] for c in columns}
    if "/array/rows" in vals and "/array/cols" in vals:
        parts.append(f"{vals.pop('/array/rows')}x{vals.pop('/array/cols')}")
    for c, v in vals.items():
        parts_of = c.strip("/").split("/")
        # /buffers/ifmap/capacity_bytes reads as "ifmap"; other buffer keys keep both names.
        name = parts_of[-1]
        if c.startswith("/buffers/") and len(parts_of) == 3:
            name = parts_of[1] if parts_of[2] == "capacity_bytes" else f"{parts_of[1]}.{parts_of[2]}"
        parts.append(v if name == "dataflow" else f"{name}={format_value(c, v)}")
    return " ".join(parts) if parts else f"point {row['point']}"


def cycles_axis(axis):
    """Log axis of cycles with readable labels (2M, 5M, 10M) rather than bare powers of ten;
    call after plotting (a narrow range gets a label at every integer multiple)."""
    lo, hi = axis.get_view_interval()
    subs = (1.0, 2.0, 5.0) if hi > 8 * max(lo, 1) else tuple(float(i) for i in range(1, 10))
    axis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=subs))
    axis.set_major_formatter(matplotlib.ticker.EngFormatter(sep=""))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def energy_scale(max_pj):
    for unit, div in (("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3)):
        if max_pj >= div:
            return unit, div
    return "pJ", 1.0


def plot_array(sweep_dir, workload, rows, out_dir):
    # The fewest cycles per (dataflow, PEs): other axes collapse to their best value.
    best = {}
    for r in rows:
        arch = load_report(sweep_dir, r)["arch"]
        pes = arch["array"]["rows"] * arch["array"]["cols"]
        key = (arch["array"]["dataflow"], pes)
        if key not in best or int(r["cycles"]) < int(best[key]["cycles"]):
            best[key] = r
    collapsed = len(best) < len(rows)
    fig, (ax_c, ax_u) = plt.subplots(1, 2, figsize=(12, 4.8))
    for df in sorted({k[0] for k in best}):
        pts = sorted((pes, r) for (d, pes), r in best.items() if d == df)
        color, marker = DATAFLOW_STYLE.get(df, (None, "x"))
        xs = [p for p, _ in pts]
        ax_c.plot(xs, [int(r["cycles"]) for _, r in pts], marker=marker, color=color, label=df)
        ax_u.plot(xs, [100 * float(r["utilization"]) for _, r in pts], marker=marker, color=color, label=df)
    for ax in (ax_c, ax_u):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("array size (PEs = rows x cols)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(title="dataflow")
    ax_c.set_yscale("log")
    ax_c.set_ylabel("cycles (core clock)")
    ax_c.set_title("Cycles")
    ax_u.set_ylabel("utilization (% of PE-cycles doing useful MACs)")
    ax_u.set_ylim(0, 105)
    ax_u.set_title("Utilization")
    cycles_axis(ax_c.yaxis)
    note = " (best point per size and dataflow)" if collapsed else ""
    fig.suptitle(f"{workload}: cycles and utilization against array size{note}")
    fig.tight_layout()
    path = os.path.join(out_dir, f"array_{workload}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def select_points(rows):
    """Every point when there are at most MAX_BARS; else the Pareto points and an even spread
    over the range of cycles, MAX_BARS in all."""
    if len(rows) <= MAX_BARS:
        return rows, "every point"
    ordered = sorted(rows, key=lambda r: int(r["cycles"]))
    chosen = {id(r): r for r in ordered if r["pareto"]}
    spare = MAX_BARS - min(len(chosen), MAX_BARS)
    for i in range(spare):
        r = ordered[round(i * (len(ordered) - 1) / max(1, spare - 1))]
        chosen.setdefault(id(r), r)
    picked = sorted(chosen.values(), key=lambda r: int(r["cycles"]))[:MAX_BARS]
    return picked, f"{len(picked)} of {len(rows)} points: the Pareto front and a spread over cycles"


def plot_energy(sweep_dir, workload, rows, columns, out_dir):
    chosen, which = select_points(rows)
    breakdowns = [load_report(sweep_dir, r)["totals"]["energy_breakdown_pj"] for r in chosen]
    components = sorted({c for b in breakdowns for c in b if any(bb.get(c, 0) > 0 for bb in breakdowns)})
    unit, div = energy_scale(max(sum(b.values()) for b in breakdowns))
    fig, ax = plt.subplots(figsize=(max(10, 0.6 * len(chosen) + 3), 5.5))
    bottom = [0.0] * len(chosen)
    cmap = plt.get_cmap("tab20")
    for i, comp in enumerate(components):
        vals = [b.get(comp, 0.0) / div for b in breakdowns]
        ax.bar(range(len(chosen)), vals, bottom=bottom, label=comp, color=cmap(i % 20))
        bottom = [a + v for a, v in zip(bottom, vals)]
    ax.set_xticks(range(len(chosen)))
    shown = label_columns(chosen, columns)
    ax.set_xticklabels([axis_label(r, shown) for r in chosen], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(f"energy ({unit})")
    ax.set_title(f"{workload}: energy breakdown by component\n({which}; fewest cycles first)")
    ax.legend(title="component", fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    path = os.path.join(out_dir, f"energy_{workload}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_roofline(sweep_dir, workload, rows, columns, out_dir, point=None):
    if point is not None:
        chosen = [r for r in rows if r["point"] == str(point)]
        if not chosen:
            return None
        row = chosen[0]
    else:
        row = min(rows, key=lambda r: int(r["cycles"]))
    report = load_report(sweep_dir, row)
    arch = report["arch"]
    peak = arch["array"]["rows"] * arch["array"]["cols"] * arch["clock_mhz"] * 1e6  # MAC/s
    bandwidth = arch["dram"]["bandwidth_gb_per_s"] * 1e9  # bytes/s
    fig, ax = plt.subplots(figsize=(8, 5.5))
    by_op = {}
    for layer in report["layers"]:
        traffic = layer["dram_read_bytes"] + layer["dram_write_bytes"]
        if layer["macs"] == 0 or traffic == 0 or layer["seconds"] <= 0:
            continue  # vector layers do no MACs; a layer without DRAM traffic has no intensity
        by_op.setdefault(layer["op"], []).append((layer["macs"] / traffic, layer["macs"] / layer["seconds"]))
    if not by_op:
        plt.close(fig)
        return None
    xs_all = [x for pts in by_op.values() for x, _ in pts]
    ridge = peak / bandwidth
    lo = min(min(xs_all), ridge) / 4
    hi = max(max(xs_all), ridge) * 4
    n = 200
    grid = [lo * (hi / lo) ** (i / (n - 1)) for i in range(n)]
    ax.plot(grid, [min(peak, x * bandwidth) / 1e9 for x in grid], color="black", lw=2,
            label=f"roof: peak {peak / 1e9:.0f} GMAC/s, DRAM {bandwidth / 1e9:g} GB/s")
    ax.axvline(ridge, color="grey", ls=":", label=f"ridge point {ridge:.1f} MAC/B")
    for op, pts in sorted(by_op.items()):
        ax.scatter([x for x, _ in pts], [y / 1e9 for _, y in pts], label=f"{op} layers", alpha=0.75, s=22)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("operational intensity (MACs per DRAM byte read + written)")
    ax.set_ylabel("attained performance (GMAC/s)")
    ax.set_title(f"{workload}: roofline of point {row['point']} ({axis_label(row, label_columns(rows, columns))})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path = os.path.join(out_dir, f"roofline_{workload}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_pareto(workload, rows, columns, out_dir):
    have_area = all(r.get("area_mm2") not in (None, "") for r in rows)
    energy = [float(r["energy_pj"]) for r in rows]
    unit, div = energy_scale(max(energy))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    xs = [int(r["cycles"]) for r in rows]
    ys = [e / div for e in energy]
    if have_area:
        sc = ax.scatter(xs, ys, c=[float(r["area_mm2"]) for r in rows], cmap="viridis", s=18, label="points")
        fig.colorbar(sc, ax=ax, label="area (mm^2)")
    else:
        ax.scatter(xs, ys, color="tab:grey", s=14, alpha=0.6, label="points")
    front = sorted((r for r in rows if r["pareto"]), key=lambda r: int(r["cycles"]))
    fx = [int(r["cycles"]) for r in front]
    fy = [float(r["energy_pj"]) / div for r in front]
    if have_area:
        # Three objectives: the front is not a curve in this plane, so its points are only ringed.
        ax.scatter(fx, fy, s=110, facecolors="none", edgecolors="tab:red", linewidths=1.5,
                   label=f"Pareto front over cycles, energy and area ({len(front)} points)")
    else:
        ax.plot(fx, fy, "o-", color="tab:red", mfc="none", ms=9, label=f"Pareto front ({len(front)} points)")
    if len(front) <= 8:  # more labels than that overlap; pareto.csv lists them all
        shown = label_columns(front, columns) if len(front) > 1 else label_columns(rows, columns)
        for r, x, y in zip(front, fx, fy):
            ax.annotate(axis_label(r, shown), (x, y), fontsize=7, xytext=(5, 5), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    # Plain numbers on the energy axis: a sweep often spans less than a decade.
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.set_xlabel("cycles (core clock)")
    ax.set_ylabel(f"energy ({unit})")
    cycles_axis(ax.xaxis)
    ax.set_title(f"{workload}: energy against cycles, {len(rows)} points")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, f"pareto_{workload}.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="sweep directory (holds points.csv)")
    ap.add_argument("--out", help="directory for the PNGs (default: DIR/plots)")
    ap.add_argument("--roofline-point", type=int, help="point index for the roofline (default: fewest cycles)")
    args = ap.parse_args()
    out_dir = args.out or os.path.join(args.dir, "plots")
    os.makedirs(out_dir, exist_ok=True)
    rows = load_rows(args.dir)
    with open(os.path.join(args.dir, "sweep.json")) as f:
        columns = json.load(f)["columns"]
    groups = by_workload(rows)
    if not groups:
        sys.exit(f"plot_sweep.py: {args.dir}/points.csv has no ok rows to plot")
    for workload, wrows in groups.items():
        for path in (plot_array(args.dir, workload, wrows, out_dir),
                     plot_energy(args.dir, workload, wrows, columns, out_dir),
                     plot_roofline(args.dir, workload, wrows, columns, out_dir, args.roofline_point),
                     plot_pareto(workload, wrows, columns, out_dir)):
            if path:
                print(path)


if __name__ == "__main__":
    main()
