"""Shared benchmark harness: warmed-up medians, peak memory in a forked child, result tables."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


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
    code = _PEAK_SCRIPT.format(
        bench_dir=str(Path(__file__).resolve().parent), setup=setup, statement=statement
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return max(0, int(out.stdout.strip().splitlines()[-1]))


def machine() -> dict:
    """A short description of the machine and library versions for the result files."""
    import dask
    import numba
    import numpy
    import sklearn

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "numpy": numpy.__version__,
        "dask": dask.__version__,
        "numba": numba.__version__,
        "scikit-learn": sklearn.__version__,
    }


def write_results(name: str, rows: list[dict], columns: list[str], meta: dict) -> str:
    """Write ``rows`` to ``benchmarks/results/<name>.json`` and ``.md``; return the Markdown."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine(), **meta, "rows": rows}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=str))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(c, "")) for c in columns) + " |")
    header = [f"# {name}", "", *(f"- {k}: {v}" for k, v in meta.items()), ""]
    text = "\n".join(header + lines) + "\n"
    (RESULTS / f"{name}.md").write_text(text)
    return text


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)
