"""Preprocessing benchmark: engine vs scikit-learn, dask-ml, NumPy, pandas and the copy floor.

On a 10,000,000 x 8 float64 array (640 MB), with and without 1 % NaN, in one
process run: fit+transform of StandardScaler, MinMaxScaler, RobustScaler,
OutlierHandler(iqr, clip), OutlierHandler(zscore, clip) and exact quartiles;
the engine on NumPy input and on a dask.array (threaded scheduler, 1,000,000-row
chunks; with ``--scheduler``, on that cluster). Every variant is warmed up, then
timed as the median of ``--repeats`` runs. Peak extra memory (on top of the
input) is measured in fresh processes on this machine.

Run: ``python -m benchmarks --only preprocessing`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import warnings

import dask.array as da
import numpy as np
import pandas as pd
import sklearn.preprocessing as skp
from _harness import (
    Plot,
    dask_scheduler,
    median_seconds,
    options,
    peak_extra_bytes,
    place,
    write_results,
)
from distributed import wait

import engine.preprocessing as ep
from engine.stats import quantile

QUARTILES = [0.25, 0.5, 0.75]


def make_data(n_rows: int, nan_share: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, 8))
    X[:, 1] = rng.standard_t(3, n_rows) * 10 + 5
    X[:, 2] = rng.lognormal(0, 1, n_rows)
    if nan_share:
        X[rng.random(X.shape) < nan_share] = np.nan
    return X


def numpy_standard(X):
    return (X - np.nanmean(X, axis=0)) / np.nanstd(X, axis=0)


def numpy_minmax(X):
    lo = np.nanmin(X, axis=0)
    return (X - lo) / (np.nanmax(X, axis=0) - lo)


def numpy_iqr_clip(X):
    q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
    width = q3 - q1
    return np.clip(X, q1 - 1.5 * width, q3 + 1.5 * width)


def numpy_zscore_clip(X):
    mean, std = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
    return np.clip(X, mean - 3 * std, mean + 3 * std)


def pandas_iqr_clip(frame):
    q1, q3 = frame.quantile(0.25), frame.quantile(0.75)
    width = q3 - q1
    return frame.clip(q1 - 1.5 * width, q3 + 1.5 * width, axis=1)


def pandas_zscore_clip(frame):
    mean, std = frame.mean(), frame.std(ddof=0)
    return frame.clip(mean - 3 * std, mean + 3 * std, axis=1)


def percentile_error(approx: np.ndarray, X: np.ndarray) -> float:
    """Worst rank error of approximate quartiles, in percentile points."""
    worst = 0.0
    for j in range(X.shape[1]):
        column = np.sort(X[:, j][~np.isnan(X[:, j])])
        for q, value in zip(QUARTILES, approx[:, j], strict=True):
            rank = np.searchsorted(column, value) / len(column)
            worst = max(worst, abs(rank - q) * 100)
    return worst


def variants(X: np.ndarray, chunk_rows: int, has_nan: bool, run):
    """(step, implementation, callable) triples, all producing a fresh output.

    Dask outputs are written into one NumPy array (threads) or persisted on
    the workers (a cluster), so every variant materialises its whole result.
    """
    import dask_ml.preprocessing as dmp

    Xd = place(da.from_array(X, chunks=(chunk_rows, X.shape[1])))
    frame = pd.DataFrame(X)
    out = np.empty_like(X)

    def store(lazy: da.Array) -> None:
        if run.distributed:
            wait(lazy.persist())
        else:
            da.store(lazy, out, lock=False)

    on_dask = f"dask, {run.dask_label}"
    steps = {
        "StandardScaler": (
            ep.StandardScaler,
            skp.StandardScaler,
            dmp.StandardScaler,
            numpy_standard,
            None,
        ),
        "MinMaxScaler": (ep.MinMaxScaler, skp.MinMaxScaler, dmp.MinMaxScaler, numpy_minmax, None),
        "RobustScaler": (ep.RobustScaler, skp.RobustScaler, dmp.RobustScaler, None, None),
        "OutlierHandler(iqr, clip)": (
            lambda: ep.OutlierHandler(method="iqr", action="clip"),
            None,
            None,
            numpy_iqr_clip,
            pandas_iqr_clip,
        ),
        "OutlierHandler(zscore, clip)": (
            lambda: ep.OutlierHandler(method="zscore", action="clip"),
            None,
            None,
            numpy_zscore_clip,
            pandas_zscore_clip,
        ),
    }
    for step, (engine_cls, sk_cls, dm_cls, np_fn, pd_fn) in steps.items():
        yield step, "engine (NumPy)", lambda c=engine_cls: c().fit_transform(X)
        yield step, f"engine ({on_dask})", lambda c=engine_cls: store(c().fit_transform(Xd))
        if sk_cls is not None:
            yield step, "scikit-learn", lambda c=sk_cls: c().fit_transform(X)
        if dm_cls is not None and not has_nan:  # dask-ml's scalers propagate NaN
            yield (
                step,
                f"dask-ml ({on_dask})",
                lambda c=dm_cls: store(c().fit_transform(Xd)),
            )
        if np_fn is not None:
            yield step, "NumPy", lambda f=np_fn: f(X)
        if pd_fn is not None:
            yield step, "pandas", lambda f=pd_fn: f(frame)
    yield "quartiles (exact)", "engine (NumPy)", lambda: quantile(X, QUARTILES)
    yield "quartiles (exact)", f"engine ({on_dask})", lambda: quantile(Xd, QUARTILES).compute()
    yield (
        "quartiles (exact)",
        "numpy.nanpercentile",
        lambda: np.nanpercentile(X, [25, 50, 75], axis=0),
    )
    yield "quartiles (exact)", "pandas", lambda: frame.quantile(QUARTILES)
    if not has_nan:  # dask.array.percentile has no NaN support
        yield (
            "quartiles (exact)",
            "dask.array.percentile (approx.)",
            lambda: np.column_stack(
                [da.percentile(Xd[:, j], [25, 50, 75]).compute() for j in range(X.shape[1])]
            ),
        )


def memory_rows(n_rows: int) -> list[dict]:
    """Peak memory each fit_transform adds on top of its input (a fresh process per variant).

    Imports and a warm-up call on 1,000 rows happen before the baseline, so
    the figure is the call's own working memory (output included).
    """
    cases = {
        "engine StandardScaler": "import engine.preprocessing as m; step = m.StandardScaler",
        "scikit-learn StandardScaler": "import sklearn.preprocessing as m; step = m.StandardScaler",
        "dask-ml StandardScaler (NumPy input)": "import dask_ml.preprocessing as m; step = m.StandardScaler",
        "engine RobustScaler": "import engine.preprocessing as m; step = m.RobustScaler",
        "scikit-learn RobustScaler": "import sklearn.preprocessing as m; step = m.RobustScaler",
    }
    nbytes = n_rows * 8 * 8
    rows = []
    for impl, imports in cases.items():
        setup = (
            f"from bench_preprocessing import make_data\n{imports}\n"
            f"X = make_data({n_rows}, 0.0)\nstep().fit_transform(X[:1000].copy())"
        )
        extra = peak_extra_bytes(setup, "step().fit_transform(X)")
        rows.append({"implementation": impl, "x input": extra / nbytes, "MiB": extra / 2**20})
        print(rows[-1], flush=True)
    return rows


def compile_seconds() -> dict:
    """Numba compile time in a fresh process (empty cache), then with a warm cache."""
    code = textwrap.dedent("""
        import time, numpy as np
        start = time.perf_counter()
        import engine.preprocessing as ep
        from engine.stats import quantile
        X = np.random.default_rng(0).standard_normal((1000, 3))
        for cls in (ep.StandardScaler, ep.MinMaxScaler, ep.RobustScaler, ep.MaxAbsScaler):
            cls().fit_transform(X)
        ep.OutlierHandler(method="iqr").fit_transform(X)
        ep.OutlierHandler(method="zscore").fit_transform(X)
        quantile(X, [0.25, 0.5, 0.75])
        print(time.perf_counter() - start)
    """)
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = [
            float(subprocess.check_output([sys.executable, "-c", code], env=env, text=True))
            for _ in range(2)
        ]
    return {"first process (compiles)": runs[0], "second process (cached)": runs[1]}


def time_rows(X: np.ndarray, nan_share: float, chunk_rows: int, repeats: int, run) -> list[dict]:
    """The copy floor, then every (step, implementation) on ``X``, with their ratios."""
    label = f"{nan_share:.0%} NaN" if nan_share else "no NaN"
    floor = median_seconds(lambda: X.copy(), repeats)
    rows = [
        {
            "data": label,
            "step": "floor",
            "implementation": "X.copy()",
            "seconds": floor,
            "x floor": 1.0,
        }
    ]
    engine_times: dict[str, dict[str, float]] = {}
    for step, impl, fn in variants(X, chunk_rows, bool(nan_share), run):
        seconds = median_seconds(fn, repeats)
        row = {"data": label, "step": step, "implementation": impl, "seconds": seconds}
        row["x floor"] = seconds / floor
        if impl.startswith("engine"):
            engine_times.setdefault(step, {})[impl] = seconds
        ours = engine_times[step]
        row["x engine (NumPy)"] = seconds / ours["engine (NumPy)"]
        if not impl.startswith("engine"):
            row["x engine (dask)"] = seconds / ours[f"engine (dask, {run.dask_label})"]
        if "approx" in impl:
            approx = np.column_stack(
                [
                    da.percentile(da.from_array(X[:, j], chunks=chunk_rows), [25, 50, 75]).compute()
                    for j in range(X.shape[1])
                ]
            )
            row["note"] = f"worst rank error {percentile_error(approx, X):.3g} percentile points"
        print(row, flush=True)
        rows.append(row)
    return rows


MEMORY_TABLE = "Peak extra memory of fit_transform (no NaN), fresh process per variant"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    args = options(parser=parser)
    if args.quick:
        args.rows, args.chunk_rows = 100_000, 25_000
    warnings.simplefilter("ignore")
    rows = []
    with dask_scheduler() as run:
        for nan_share in (0.0, 0.01):
            X = make_data(args.rows, nan_share)
            rows += time_rows(X, nan_share, args.chunk_rows, args.repeats, run)
            del X
    meta = {
        "shape": f"{args.rows} x 8 float64",
        "dask chunks": f"{args.chunk_rows} rows",
        "repeats": args.repeats,
    }
    tables = []
    if not args.quick:  # seven fresh processes (two compile every kernel): not for a smoke run
        memory = memory_rows(args.rows)
        tables.append(
            {"title": MEMORY_TABLE, "columns": ["implementation", "x input", "MiB"], "rows": memory}
        )
        compile_times = compile_seconds()
        tables.append(
            {
                "title": "Numba compile time (fresh process, empty cache vs warm cache)",
                "columns": ["process", "seconds"],
                "rows": [{"process": k, "seconds": v} for k, v in compile_times.items()],
            }
        )
    write_results(
        "bench_preprocessing",
        rows,
        [
            "data",
            "step",
            "implementation",
            "seconds",
            "x floor",
            "x engine (NumPy)",
            "x engine (dask)",
            "note",
        ],
        meta,
        plot=Plot(
            variant="implementation",
            value="seconds",
            ratio="x engine (NumPy)",
            group=["data", "step"],
        ),
        title="preprocessing fit+transform vs scikit-learn, dask-ml, NumPy, pandas",
        tables=tables,
    )


if __name__ == "__main__":
    main()
