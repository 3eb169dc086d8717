"""Exact quantiles on real-shaped columns: engine vs numpy, pandas and dask (approximate).

Per column shape, a 10,000,000 x 8 float64 array of eight columns of that
shape, 1 % NaN (``--nan-share``): standard normal; offset and scaled
(1000 + 100 z); lognormal incomes; integers with heavy ties (ages 18-90 in
four columns, counts 0-50 in four); half zeros, half exponential; bimodal;
normal with 0.1 % of the values x 50; sorted (time stamps, time-ordered).
Quartiles by the engine on NumPy and on a dask array of 1,000,000-row chunks
(threaded scheduler), by ``numpy.nanpercentile``, by pandas
``DataFrame.quantile`` and by ``dask.array.percentile`` (approximate; it has
no NaN support, so it gets each column without its NaN, chunked alike, and
its worst rank error is reported in percentile points). For the engine, from
its own accounting: full passes over the data, rows of the first sample, and
bytes gathered per quantile (8 per key, over columns x levels). Then the fits
built on the quantiles, on NumPy input: ``RobustScaler`` (beside
scikit-learn's), ``OutlierHandler(method="iqr")`` (beside numpy's quartiles)
and ``profile`` (beside pandas ``describe``).

Every variant is warmed up, then timed as the median of ``--repeats`` runs
(wall time, and for the quartiles also the process's CPU time over all
threads, which a busy machine disturbs less);
ratios are peer time / engine (NumPy) time in the same run (above 1: the
engine is faster). Writes ``benchmarks/results/bench_quantiles.{json,md,png}``
(one panel of bars per shape); the fits go to a second table.

Run: ``python -m benchmarks --only quantiles`` (``--quick``: 200,000 rows,
20,000-row chunks, one timed run; ``--scheduler ADDRESS``: the Dask variants
on that cluster).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import dask.array as da
import numpy as np
import pandas as pd
import sklearn.preprocessing as skp
from _harness import Plot, dask_scheduler, median_seconds, options, place, write_results

import engine.preprocessing as ep
from engine.stats import profile, quantile, quantile_cost

LEVELS = [0.25, 0.5, 0.75]
PERCENTS = [25, 50, 75]
N_COLUMNS = 8
SHAPES = {
    "standard normal": "normal",
    "offset and scaled (1000 + 100 z)": "offset",
    "lognormal (incomes)": "lognormal",
    "integers (ages 18-90, counts 0-50)": "integers",
    "half zeros, half exponential": "half_zeros",
    "bimodal": "bimodal",
    "0.1 % outliers x 50": "outliers",
    "sorted (time stamps)": "sorted",
}
ENGINE = "engine (NumPy)"
RATIO = "x engine (NumPy)"


def make_column(kind: str, n_rows: int, rng: np.random.Generator, j: int) -> np.ndarray:
    """Column ``j`` of a shape (columns differ in their parameters and draws)."""
    if kind == "normal":
        return rng.standard_normal(n_rows)
    if kind == "offset":
        return 1000 + 100 * rng.standard_normal(n_rows)
    if kind == "lognormal":
        return rng.lognormal(10.5 + 0.1 * j, 0.8, n_rows)
    if kind == "integers":
        if j % 2 == 0:
            return rng.integers(18, 91, n_rows).astype(np.float64)
        return np.minimum(rng.poisson(5 + 4 * j, n_rows), 50).astype(np.float64)
    if kind == "half_zeros":
        return np.where(rng.random(n_rows) < 0.5, 0.0, rng.exponential(50.0 * (j + 1), n_rows))
    if kind == "bimodal":
        low = rng.random(n_rows) < 0.6
        return np.where(low, rng.normal(40, 5, n_rows), rng.normal(70, 8, n_rows))
    if kind == "outliers":
        column = 100 + 15 * rng.standard_normal(n_rows)
        column[rng.random(n_rows) < 0.001] *= 50
        return column
    if kind == "sorted":
        return 1.7e9 + 1000 * j + np.cumsum(rng.exponential(3.0, n_rows))
    raise ValueError(f"unknown shape {kind!r}")


def make_shape(kind: str, n_rows: int, nan_share: float, seed: int = 0) -> np.ndarray:
    """``n_rows`` x 8 float64 of one shape, C order, ``nan_share`` of the values NaN."""
    X = np.empty((n_rows, N_COLUMNS))
    for j in range(N_COLUMNS):
        X[:, j] = make_column(kind, n_rows, np.random.default_rng([seed, j]), j)
    if nan_share:
        X[np.random.default_rng([seed, 99]).random(X.shape) < nan_share] = np.nan
    return X


def rank_error(approx: np.ndarray, X: np.ndarray) -> float:
    """Worst rank error of approximate quartiles, in percentile points."""
    worst = 0.0
    for j in range(X.shape[1]):
        column = np.sort(X[:, j][~np.isnan(X[:, j])])
        for q, value in zip(LEVELS, approx[:, j], strict=True):
            below = np.searchsorted(column, value, side="left")
            at_most = np.searchsorted(column, value, side="right")
            target = q * (len(column) - 1)
            off = (
                0.0
                if below <= target <= at_most
                else min(abs(below - target), abs(at_most - target))
            )
            worst = max(worst, off / len(column) * 100)
    return worst


def quartile_variants(X: np.ndarray, chunk_rows: int, dask_label: str):
    """(implementation, callable) pairs computing the quartiles of every column."""
    Xd = place(da.from_array(X, chunks=(chunk_rows, N_COLUMNS)))
    frame = pd.DataFrame(X)
    columns = place(*[da.from_array(c[~np.isnan(c)], chunks=chunk_rows) for c in X.T])
    return [
        (ENGINE, lambda: quantile(X, LEVELS)),
        (f"engine (dask, {dask_label})", lambda: quantile(Xd, LEVELS).compute()),
        ("numpy.nanpercentile", lambda: np.nanpercentile(X, PERCENTS, axis=0)),
        ("pandas DataFrame.quantile", lambda: frame.quantile(LEVELS)),
        (
            f"dask.array.percentile ({dask_label}; approximate, no NaN)",
            lambda: np.column_stack([da.percentile(c, PERCENTS).compute() for c in columns]),
        ),
    ]


def numpy_iqr_bounds(X: np.ndarray):
    q1, q3 = np.nanpercentile(X, [25, 75], axis=0)
    return q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)


def fit_variants(X: np.ndarray):
    """(step, implementation, callable): the fits built on the quantiles, engine and peer."""
    frame = pd.DataFrame(X)
    return [
        ("RobustScaler.fit", ENGINE, lambda: ep.RobustScaler().fit(X)),
        ("RobustScaler.fit", "scikit-learn", lambda: skp.RobustScaler().fit(X)),
        ("OutlierHandler(iqr).fit", ENGINE, lambda: ep.OutlierHandler(method="iqr").fit(X)),
        ("OutlierHandler(iqr).fit", "numpy (nanpercentile bounds)", lambda: numpy_iqr_bounds(X)),
        ("profile", ENGINE, lambda: profile(X)),
        ("profile", "pandas describe", frame.describe),
    ]


def cost(X, per_quantile: int) -> dict:
    """The engine's own accounting of its selection (it runs it once more)."""
    spent = quantile_cost(X, LEVELS)
    return {
        "passes": spent["passes"],
        "sampled rows": spent["sample_rows"],
        "bytes gathered / quantile": 8 * spent["gathered_keys"] / per_quantile,
    }


def check_exact(X: np.ndarray, Xd) -> None:
    """The engine's quartiles are numpy's, bit for bit, on NumPy and Dask input."""
    expected = np.nanquantile(X, LEVELS, axis=0)
    for got in (quantile(X, LEVELS), quantile(Xd, LEVELS).compute()):
        if not np.array_equal(got.view(np.uint64), expected.view(np.uint64)):
            raise AssertionError("engine quartiles differ from numpy.nanquantile")


def wall_and_cpu_seconds(fn, repeats: int) -> tuple[float, float]:
    """Medians of wall time and of this process's CPU time (all threads) after a warm-up.

    CPU time barely moves when other users load the machine; wall time does.
    """
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def with_ratios(rows: list[dict]) -> list[dict]:
    """Each row's time over the engine's (NumPy) time for the same shape and step."""
    engine = {(r["shape"], r["step"]): r["seconds"] for r in rows if r["implementation"] == ENGINE}
    return [{**r, RATIO: r["seconds"] / engine[r["shape"], r["step"]]} for r in rows]


def run_shape(label: str, kind: str, args, dask_label: str) -> tuple[list[dict], list[dict]]:
    """The quartile rows and the fit rows of one shape."""
    X = make_shape(kind, args.rows, args.nan_share)
    variants = quartile_variants(X, args.chunk_rows, dask_label)
    Xd = place(da.from_array(X, chunks=(args.chunk_rows, N_COLUMNS)))
    check_exact(X, Xd)
    per_quantile = N_COLUMNS * len(LEVELS)
    spent = {ENGINE: cost(X, per_quantile), variants[1][0]: cost(Xd, per_quantile)}
    quartiles = []
    for impl, fn in variants:
        row = {"shape": label, "step": "quartiles", "implementation": impl}
        row["seconds"], row["CPU seconds"] = wall_and_cpu_seconds(fn, args.repeats)
        row.update(spent.get(impl, {}))
        if "approximate" in impl:
            row["note"] = f"rank error {rank_error(fn(), X):.3g} percentile points"
        print(row, flush=True)
        quartiles.append(row)
    fits = []
    for step, impl, fn in fit_variants(X):
        row = {"shape": label, "step": step, "implementation": impl}
        row["seconds"] = median_seconds(fn, args.repeats)
        print(row, flush=True)
        fits.append(row)
    return with_ratios(quartiles), with_ratios(fits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument("--nan-share", type=float, default=0.01)
    parser.add_argument("--shapes", default=",".join(SHAPES.values()), help="comma-separated")
    args = options(parser=parser)
    if args.quick:
        args.rows, args.chunk_rows = 200_000, 20_000
    warnings.simplefilter("ignore")
    wanted = args.shapes.split(",")
    quartiles, fits = [], []
    with dask_scheduler() as run:
        for label, kind in SHAPES.items():
            if kind in wanted:
                rows, fit_rows = run_shape(label, kind, args, run.dask_label)
                quartiles += rows
                fits += fit_rows
    meta = {
        "shape": f"{args.rows} x {N_COLUMNS} float64 per column shape, {args.nan_share:.0%} NaN",
        "dask chunks": f"{args.chunk_rows} rows",
        "repeats": f"median of {args.repeats} after one warm-up",
        "ratios": "seconds / engine (NumPy) seconds, same shape and run (above 1: slower)",
        "passes": "full passes over the data (the row sample is not one)",
        "CPU seconds": "this process's CPU time (all threads), median; steadier than wall "
        "time on a shared machine",
    }
    write_results(
        "bench_quantiles",
        quartiles,
        [
            "shape",
            "implementation",
            "seconds",
            RATIO,
            "CPU seconds",
            "passes",
            "sampled rows",
            "bytes gathered / quantile",
            "note",
        ],
        meta,
        plot=Plot(variant="implementation", value="seconds", ratio=RATIO, group=["shape"]),
        title="exact quartiles on real-shaped columns vs numpy, pandas, dask (approximate)",
        tables=[
            {
                "title": "Fits built on the quantiles (NumPy input)",
                "columns": ["shape", "step", "implementation", "seconds", RATIO],
                "rows": fits,
            }
        ],
    )


if __name__ == "__main__":
    main()
