"""Permutation importance benchmark: engine vs scikit-learn, same data, one process run.

Models: LogisticRegression (cheap predictions: copying and permuting dominate)
and RandomForestClassifier (predictions dominate), fitted on ``n`` x 8
float64 rows; ``n_repeats=5``; scoring accuracy. Variants:
scikit-learn ``n_jobs=1`` and ``n_jobs=2`` (loky processes), the engine on
NumPy (one Dask task per (feature, repeat), threaded scheduler) and on a
dask.array of 8 row chunks (blockwise predictions). Every variant is warmed
up, then timed as the median of ``--repeats`` runs; the ratio is
scikit-learn ``n_jobs=1`` time / variant time (above 1: faster). Values are
checked: engine NumPy is bit-identical to scikit-learn, Dask equal to 1e-12.

Run: ``python benchmarks/bench_inspection.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse

import dask
import dask.array as da
import numpy as np
from _harness import median_seconds, write_results
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LogisticRegression

from engine.inspection import permutation_importance


def make_data(n: int):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 8))
    y = (X[:, 0] + 0.5 * X[:, 1] - 0.25 * X[:, 2] + rng.standard_normal(n) > 0).astype(int)
    return X, y


def fit_model(model_name: str, X, y):
    if model_name == "logistic":
        return LogisticRegression().fit(X, y)
    return RandomForestClassifier(n_estimators=20, max_depth=8, random_state=0, n_jobs=1).fit(X, y)


def bench_model(model_name: str, n: int, repeats: int) -> list[dict]:
    X, y = make_data(n)
    model = fit_model(model_name, X, y)
    chunk = -(-n // 8)
    Xd, yd = da.from_array(X, chunks=(chunk, 8)), da.from_array(y, chunks=chunk)
    kwargs = {"scoring": "accuracy", "n_repeats": 5, "random_state": 0}
    variants = {
        "scikit-learn n_jobs=1": lambda: sk_permutation_importance(model, X, y, **kwargs),
        "scikit-learn n_jobs=2": lambda: sk_permutation_importance(model, X, y, n_jobs=2, **kwargs),
        "engine NumPy (threads)": lambda: permutation_importance(model, X, y, **kwargs),
        "engine dask.array 8 chunks (threads)": lambda: permutation_importance(
            model, Xd, yd, **kwargs
        ),
    }
    reference = variants["scikit-learn n_jobs=1"]().importances
    with dask.config.set(scheduler="threads"):
        np.testing.assert_array_equal(variants["engine NumPy (threads)"]().importances, reference)
        np.testing.assert_allclose(
            variants["engine dask.array 8 chunks (threads)"]().importances,
            reference,
            rtol=1e-12,
            atol=1e-14,
        )
        times = {name: median_seconds(fn, repeats=repeats) for name, fn in variants.items()}
    base = times["scikit-learn n_jobs=1"]
    return [
        {
            "model": model_name,
            "rows": n,
            "variant": name,
            "seconds": seconds,
            "speed-up vs sklearn n_jobs=1": base / seconds,
        }
        for name, seconds in times.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        sizes = {"logistic": 20_000, "forest": 5_000}
    else:
        sizes = {"logistic": 500_000, "forest": 100_000}
    rows = []
    for model_name, n in sizes.items():
        rows.extend(bench_model(model_name, n, args.repeats))
    name = "bench_inspection_quick" if args.quick else "bench_inspection"
    columns = ["model", "rows", "variant", "seconds", "speed-up vs sklearn n_jobs=1"]
    meta = {
        "features": 8,
        "n_repeats": 5,
        "repeats": args.repeats,
        "note": "shared 2-core machine: timings noisy",
    }
    print(write_results(name, rows, columns, meta))


if __name__ == "__main__":
    main()
