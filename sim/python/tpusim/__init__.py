"""tpusim from Python (sim/python/README.md).

    import tpusim
    r = tpusim.run("configs/tpu_v1.json", "workloads/resnet50.json", {"/array/dataflow": "os"})
    r.cycles, r.totals["energy_pj"], r.layers        # layers: a pandas DataFrame (or a list of dicts)
    tpusim.sweep("configs/sweeps/df_x_size.json", jobs=2)   # the points table
    tpusim.describe("configs/tpu_v1.json")["peak_tops"]

Loading, mapping, describe, energy, compare and the sweep planner run in this process (the native
module _tpusim). Simulations run the tpusim binary, one process per run, as `tpusim sweep` does:
SystemC elaborates one model per process. Errors raise tpusim.InputError (a ValueError) or
tpusim.InternalError (a RuntimeError) with the same one-line message the command line prints
after "tpusim: ".
"""
import concurrent.futures
import csv
import json
import os
import shutil
import subprocess
import tempfile

from . import _config


def _default_data_dir():
    # The native module finds the data relative to the running executable, which here is python:
    # tell it (and the runs) where this package's data is, unless the user already did.
    if os.environ.get("TPUSIM_DATA_DIR"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for d in _config.data_dirs(here):
        if os.path.isdir(os.path.join(d, "configs")):
            os.environ["TPUSIM_DATA_DIR"] = d
            return


_default_data_dir()

from . import _tpusim  # noqa: E402  (after the data directory is known)
from ._tpusim import InputError, InternalError  # noqa: E402

__all__ = ["InputError", "InternalError", "Report", "run", "run_many", "sweep", "describe", "load_arch",
           "load_workload", "map_workload", "energy", "compare", "plan_sweep", "binary", "data_dir", "version"]
version = _tpusim.version

try:  # pandas is optional: tables are DataFrames when it is installed, lists of dicts otherwise
    if os.environ.get("TPUSIM_NO_PANDAS"):
        raise ImportError("TPUSIM_NO_PANDAS is set")
    import pandas as _pd
except ImportError:
    _pd = None


def _overrides(overrides):
    """--set texts from {"/pointer": value} (values as JSON) or an iterable of "/pointer=value"."""
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return [str(o) for o in overrides]


def binary():
    """The tpusim executable runs use: $TPUSIM_BINARY, else the one installed (or built) with this
    package, else tpusim on the PATH."""
    env = os.environ.get("TPUSIM_BINARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in _config.binaries(here):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("tpusim")
    if not found:
        raise InternalError("no tpusim binary: set TPUSIM_BINARY, or install tpusim (cmake --install)")
    return found


def data_dir():
    """The data directory (presets, DRAM parts, energy tables) the native module reads."""
    return _tpusim.data_dir()


def _flatten(row, prefix=""):
    out = {}
    for k, v in row.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _table(rows):
    rows = [_flatten(r) for r in rows]
    return _pd.DataFrame(rows) if _pd is not None else rows


class Report:
    """A run's report.json (results/README.md): `json` the whole document, `totals` its totals,
    `layers` one row per layer (nested objects flattened to dotted columns: cycle_breakdown.idle,
    mapping.tile_rows, ...) as a DataFrame when pandas is installed, else a list of dicts."""

    def __init__(self, doc):
        self.json = doc
        self.totals = doc["totals"]
        self.layers = _table(doc["layers"])
        self.imported = doc.get("import")

    @property
    def cycles(self):
        return self.totals["cycles"]

    @property
    def name(self):
        return self.json["workload"]["name"]

    def __repr__(self):
        return (f"<tpusim.Report {self.name}: {self.cycles} cycles, {self.totals['macs']} MACs, "
                f"{len(self.json['layers'])} layers>")


def _raise_from(proc, what):
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    message = lines[-1] if lines else f"{what} exited {proc.returncode}"
    if message.startswith("tpusim: "):
        message = message[len("tpusim: "):]
    if proc.returncode == 2:
        raise InputError(message)
    raise InternalError(message if proc.returncode == 3 else f"{what} exited {proc.returncode}: {message}")


def run(arch, workload, overrides=None, *, allow_unsupported=False, timeout_s=None, out=None):
    """Simulates `workload` on `arch` (paths, as `tpusim run --arch --workload`) with `--set`
    overrides; returns a Report. `out`: keep report.json and layers.csv in that directory."""
    args = [binary(), "run", "-q", "--arch", os.fspath(arch), "--workload", os.fspath(workload)]
    for s in _overrides(overrides):
        args += ["--set", s]
    if allow_unsupported:
        args.append("--allow-unsupported")
    with tempfile.TemporaryDirectory(prefix="tpusim_py.") as tmp:
        target = os.fspath(out) if out is not None else tmp
        env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
        proc = subprocess.run(args + ["--out", target], capture_output=True, text=True, env=env, timeout=timeout_s)
        if proc.returncode != 0:
            _raise_from(proc, "tpusim run")
        with open(os.path.join(target, "report.json")) as f:
            return Report(json.load(f))


def run_many(cases, jobs=None, **options):
    """Runs (arch, workload[, overrides]) cases, each in its own process, `jobs` at a time
    (default: the CPU count); returns their Reports in order. The first error is raised."""
    jobs = jobs or os.cpu_count() or 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run, *case, **options) for case in cases]
        return [f.result() for f in futures]


def _spec_file(spec, tmp):
    """A sweep spec path as is, or a dict written to a file (its relative paths resolved against
    the current directory, as a file's resolve against its own)."""
    if not isinstance(spec, dict):
        return os.fspath(spec)
    doc = dict(spec)
    if "arch" in doc:
        doc["arch"] = os.path.abspath(doc["arch"])
    if "workloads" in doc:
        doc["workloads"] = [os.path.abspath(w) for w in doc["workloads"]]
    path = os.path.join(tmp, "spec.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def _number(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def sweep(spec, jobs=None, out=None, timeout_s=None):
    """Runs a sweep (a spec file, or the spec as a dict: sim/sweep/README.md) with `tpusim sweep`
    and returns its points table (points.csv) as a DataFrame, or a list of dicts without pandas."""
    with tempfile.TemporaryDirectory(prefix="tpusim_sweep.") as tmp:
        target = os.fspath(out) if out is not None else os.path.join(tmp, "out")
        args = [binary(), "sweep", _spec_file(spec, tmp), "--jobs", str(jobs or os.cpu_count() or 1), "--out", target, "-q"]
        if timeout_s:
            args += ["--timeout-s", str(timeout_s)]
        env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
        proc = subprocess.run(args, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            _raise_from(proc, "tpusim sweep")
        path = os.path.join(target, "points.csv")
        if _pd is not None:
            return _pd.read_csv(path)
        with open(path, newline="") as f:
            return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]


def describe(arch, overrides=None):
    """`tpusim describe --json`: peak MAC/s and TOPS, bandwidth, ridge point, capacities, data_dir, arch."""
    return json.loads(_tpusim.describe(os.fspath(arch), _overrides(overrides)))


def load_arch(arch, overrides=None):
    """The effective architecture config (defaults filled in), as report.json's `arch`."""
    return json.loads(_tpusim.load_arch(os.fspath(arch), _overrides(overrides)))


def load_workload(workload, allow_unsupported=False):
    """A workload (JSON, SCALE-Sim CSV, ONNX) as tpusim reads it: its layers with their GEMM or
    vector sizes and inputs, and for ONNX the import record (`import`, results/README.md)."""
    doc = json.loads(_tpusim.load_workload(os.fspath(workload), allow_unsupported))
    doc["layers"] = _table(doc["layers"])
    return doc


def map_workload(arch, workload, overrides=None, allow_unsupported=False):
    """The mapper's plan of each layer (tiles, folds, loop order, what stays on chip, estimated
    DRAM bytes), without simulating."""
    return _table(json.loads(_tpusim.map_workload(os.fspath(arch), _overrides(overrides), os.fspath(workload),
                                                  allow_unsupported)))


def energy(arch, overrides=None):
    """The energy model's coefficients for `arch` (pJ per MAC, per SRAM byte of each buffer, per
    DRAM bit, per DMA byte, per vector lane-operation), its area (mm^2) and static power (mW)."""
    return json.loads(_tpusim.energy(os.fspath(arch), _overrides(overrides)))


def compare(base, current, rtol=0.0, tolerances=None):
    """`tpusim compare`: two reports (report.json or a run directory) or two sweep tables;
    returns passed, verdict and the changes worst first."""
    return json.loads(_tpusim.compare(os.fspath(base), os.fspath(current), float(rtol),
                                      os.fspath(tolerances) if tolerances else ""))


def plan_sweep(spec):
    """The rows a sweep spec expands to (points with their overrides, jobs with their keys),
    without running them."""
    with tempfile.TemporaryDirectory(prefix="tpusim_plan.") as tmp:
        return json.loads(_tpusim.plan_sweep(_spec_file(spec, tmp)))
