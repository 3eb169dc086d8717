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

With ``--scheduler``, the engine's variants run on that cluster.

Run: ``python -m benchmarks --only inspection`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse

import dask.array as da
import numpy as np
from _harness import Plot, dask_scheduler, median_seconds, options, place, write_results
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


def bench_model(model_name: str, n: int, repeats: int, dask_label: str) -> list[dict]:
    X, y = make_data(n)
    model = fit_model(model_name, X, y)
    chunk = -(-n // 8)
    Xd, yd = place(da.from_array(X, chunks=(chunk, 8)), da.from_array(y, chunks=chunk))
    kwargs = {"scoring": "accuracy", "n_repeats": 5, "random_state": 0}
    on_numpy, on_dask = f"engine NumPy ({dask_label})", f"engine dask.array 8 chunks ({dask_label})"
    variants = {
        "scikit-learn n_jobs=1": lambda: sk_permutation_importance(model, X, y, **kwargs),
        "scikit-learn n_jobs=2": lambda: sk_permutation_importance(model, X, y, n_jobs=2, **kwargs),
        on_numpy: lambda: permutation_importance(model, X, y, **kwargs),
        on_dask: lambda: permutation_importance(model, Xd, yd, **kwargs),
    }
    reference = variants["scikit-learn n_jobs=1"]().importances
    np.testing.assert_array_equal(variants[on_numpy]().importances, reference)
    np.testing.assert_allclose(variants[on_dask]().importances, reference, rtol=1e-12, atol=1e-14)
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
    args = options(parser=parser)
    if args.quick:
        sizes = {"logistic": 2_000, "forest": 1_000}
    else:
        sizes = {"logistic": 500_000, "forest": 100_000}
    rows = []
    with dask_scheduler() as run:
        for model_name, n in sizes.items():
            rows.extend(bench_model(model_name, n, args.repeats, run.dask_label))
    ratio = "speed-up vs sklearn n_jobs=1"
    write_results(
        "bench_inspection",
        rows,
        ["model", "rows", "variant", "seconds", ratio],
        {"features": 8, "n_repeats": 5, "repeats": args.repeats},
        plot=Plot(variant="variant", value="seconds", ratio=ratio, group=["model", "rows"]),
        title="permutation importance vs scikit-learn",
    )


if __name__ == "__main__":
    main()
