"""What every benchmark script uses: common options, the Dask scheduler, timing, result files.

A benchmark script calls :func:`options` for its command line (``--quick``,
``--scheduler``, ``--results-dir`` and its own flags), runs its Dask variants
inside :func:`dask_scheduler`, times with :func:`median_seconds` and ends with
:func:`write_results`, declaring its plot with :class:`Plot` (which column is
the variant, which the time or throughput, which the ratio). A benchmark that
cannot run on a remote scheduler calls :func:`skip`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from _machine import machine
from _plot import Plot
from _results import write

__all__ = [
    "Plot",
    "dask_scheduler",
    "median_seconds",
    "options",
    "peak_extra_bytes",
    "place",
    "skip",
    "write_results",
]

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
#: Exit status of a benchmark that skipped itself (the suite reports it, not a failure).
SKIPPED = 77


@dataclass
class Settings:
    """The run's common options and the scheduler its Dask variants used."""

    quick: bool = False
    scheduler: str | None = None
    results_dir: Path | None = None
    scheduler_used: dict = field(default_factory=dict)
    client: object = None

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full"

    @property
    def distributed(self) -> bool:
        return self.scheduler is not None

    @property
    def dask_label(self) -> str:
        """How variant names call the Dask scheduler: ``threads`` or ``cluster``."""
        return "cluster" if self.distributed else "threads"

    def output_dir(self) -> Path:
        if self.results_dir is not None:
            return self.results_dir
        return RESULTS / "quick" if self.quick else RESULTS


_SETTINGS = Settings()


def options(
    description: str | None = None, parser: argparse.ArgumentParser | None = None
) -> argparse.Namespace:
    """Parse the command line: the suite's common options plus ``parser``'s own.

    ``--quick`` (small sizes, one timed run per variant; results go to
    ``results/quick/``), ``--scheduler ADDRESS`` (Dask variants run on that
    scheduler), ``--repeats N``, ``--results-dir DIR``.
    """
    parser = parser or argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes (results/quick/)")
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run the Dask variants on this Dask scheduler (e.g. tcp://host:8786)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs per variant after one warm-up (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=None,
        help="where result files go (default: benchmarks/results, or results/quick with --quick)",
    )
    args = parser.parse_args()
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    _SETTINGS.quick, _SETTINGS.scheduler, _SETTINGS.results_dir = (
        args.quick,
        args.scheduler,
        args.results_dir,
    )
    return args


def skip(reason: str) -> None:
    """End this benchmark without results, saying why (the suite shows the reason)."""
    print(f"SKIPPED: {reason}", flush=True)
    raise SystemExit(SKIPPED)


@contextlib.contextmanager
def dask_scheduler() -> Iterator[Settings]:
    """Run the enclosed Dask work on ``--scheduler``'s cluster, else on local threads.

    The scheduler used is recorded for the result files. On a cluster, the
    workers must be able to import ``engine`` (the same environment).
    """
    if _SETTINGS.scheduler is None:
        _SETTINGS.scheduler_used = {"kind": "threads", "threads": os.cpu_count()}
        import dask

        with dask.config.set(scheduler="threads"):
            yield _SETTINGS
        return
    from engine.cluster import connect

    with connect(_SETTINGS.scheduler) as client:
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        _SETTINGS.scheduler_used = {
            "kind": "distributed",
            "address": _SETTINGS.scheduler,
            "workers": len(workers),
            "threads": sum(w["nthreads"] for w in workers),
            "memory_gib": sum(w["memory_limit"] for w in workers) / 2**30,
        }
        _SETTINGS.client = client
        try:
            yield _SETTINGS
        finally:
            _SETTINGS.client = None


def place(*collections):
    """The Dask collections, persisted on the cluster when one is used (sent once, not per run)."""
    if _SETTINGS.client is None:
        return collections if len(collections) > 1 else collections[0]
    import dask
    from distributed import wait

    persisted = dask.persist(*collections)
    wait(persisted)
    return persisted if len(persisted) > 1 else persisted[0]


def median_seconds(fn: Callable[[], object], repeats: int = 3, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_median_seconds(
    fns: dict[str, Callable[[], object]], repeats: int = 3, warmup: int = 1
) -> dict[str, float]:
    """Median wall time of each ``fns[name]()``, the variants timed in turn within each round.

    Every variant is warmed up first; then each of ``repeats`` rounds times
    every variant once, so a change in the machine's load reaches all of them
    alike (on a shared machine, better than timing one variant's runs in a row).
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


_PEAK_SCRIPT = """
import sys
sys.path.insert(0, {bench_dir!r})
{setup}
float(X.sum())  # touch the input so its pages count in the baseline


def status(field):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(field))


with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak-RSS high-water mark (VmHWM) to the current RSS
baseline = status("VmRSS:")
{statement}
print(status("VmHWM:") - baseline)
"""


def peak_extra_bytes(setup: str, statement: str) -> int:
    """Peak resident memory ``statement`` adds on top of the input ``X`` made by ``setup``.

    Runs in a fresh interpreter (a fork of a process that already runs OpenMP
    threads is unsafe), so each figure has its own clean high-water mark.
    """
    code = _PEAK_SCRIPT.format(bench_dir=str(BENCH_DIR), setup=setup, statement=statement)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return max(0, int(out.stdout.strip().splitlines()[-1]))


def section_rows(args, sections: dict) -> tuple[list[dict], list[str]]:
    """Rows of the chosen ``args.section`` functions, tagged by section, and their columns.

    ``section`` and ``variant`` come first; the other columns in name order.
    """
    rows = []
    for name in args.section:
        rows += [{"section": name, **row} for row in sections[name](args)]
    columns = sorted(
        {c for row in rows for c in row}, key=lambda c: (c != "section", c != "variant")
    )
    return rows, columns


def _command() -> str:
    parts = ["python", "-m", "benchmarks", "--only", Path(sys.argv[0]).stem.removeprefix("bench_")]
    if _SETTINGS.quick:
        parts.append("--quick")
    if _SETTINGS.scheduler:
        parts += ["--scheduler", _SETTINGS.scheduler]
    return shlex.join(parts)


def write_results(
    name: str,
    rows: list[dict],
    columns: list[str],
    meta: Mapping[str, object],
    *,
    plot: Plot | None = None,
    title: str = "",
    tables: Sequence[dict] = (),
    notes: Sequence[str] = (),
) -> Path:
    """Write ``<name>.json``, ``.md`` and the plot ``.png`` to the results folder.

    Parameters
    ----------
    name : str
        The benchmark's name (its script's stem, e.g. ``bench_split``).
    rows, columns : list of dict, list of str
        The main table, one row per (task, variant); ``columns`` in order.
    meta : mapping
        The run's parameters (sizes, repeats, ...), listed under the table.
    plot : Plot, optional
        Which columns make the bar chart (see :class:`Plot`).
    title : str
        One line saying what is measured.
    tables : sequence of dict
        Extra tables, each ``{"title": ..., "columns": [...], "rows": [...]}``.
    notes : sequence of str
        Markdown paragraphs after the tables.

    Returns
    -------
    pathlib.Path
        The JSON file written.
    """
    if _SETTINGS.scheduler and not _SETTINGS.scheduler_used:
        raise RuntimeError(
            f"{name} ran with --scheduler but never used dask_scheduler(); call skip() instead"
        )
    payload = {
        "benchmark": name,
        "title": title,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": _SETTINGS.mode,
        "scheduler": _SETTINGS.scheduler_used or {"kind": "local"},
        "command": _command(),
        "machine": machine(),
        "load_average": round(os.getloadavg()[0], 1),  # > cores: others were busy too
        "parameters": dict(meta),
        "columns": list(columns),
        "plot": None if plot is None else {**asdict(plot), "group": list(plot.group)},
        "rows": rows,
        "tables": list(tables),
        "notes": list(notes),
    }
    written = write(payload, _SETTINGS.output_dir())
    print(f"wrote {', '.join(str(p) for p in written)}", flush=True)
    return written[0]
