"""Evaluation benchmark: metrics, fairness (and drift) -- engine on Dask vs the reference libraries.

Data: ``n`` predictions (default 20,000,000) held in memory as NumPy and
wrapped as dask.arrays of ``chunk``-row blocks (default 1,000,000). In one
process run:

1. accuracy + precision + recall + F1 + ROC AUC together: ``engine.metrics.evaluate``
   (one pass, one ``dask.compute``) vs five scikit-learn calls on the NumPy arrays.
2. ``MetricFrame`` over a 5-group sensitive feature (selection rate, TPR, FPR,
   accuracy): ``engine.fairness.MetricFrame`` on the dask arrays vs
   ``fairlearn.metrics.MetricFrame`` on the NumPy arrays.
3. A 4-column KS drift report: ``engine.drift.drift_report(ref, cur, method="ks")``
   on dask arrays vs ``scipy.stats.ks_2samp`` per column -- only when
   ``engine.drift`` is importable (otherwise skipped with a note).

Every variant is warmed up, then timed as the median of ``--repeats`` runs
(threaded Dask scheduler, or the ``--scheduler`` cluster with the data
persisted there first); a reference whose warm-up run already took longer
than ``--slow-reference`` seconds is timed by that single run (marked
``runs=1``). Values are checked: engine vs reference max relative difference
(must be <= 1e-9).

Run: ``python -m benchmarks --only evaluation`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import importlib
import math
import statistics
import time

import dask.array as da
import numpy as np
import scipy.stats
import sklearn.metrics as skm
from _harness import Plot, dask_scheduler, options, place, write_results

import engine.fairness as ef
import engine.metrics as em


def make_data(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n).astype(np.int64)
    group = rng.integers(0, 5, n).astype(np.int64)
    score = np.clip(0.55 * rng.random(n) + 0.35 * y_true + 0.02 * group, 0.0, 1.0)
    score = np.round(score, 6)  # realistic ties in the scores
    y_pred = (score > 0.5).astype(np.int64)
    return {"y_true": y_true, "y_pred": y_pred, "y_score": score, "group": group}


def timed(fn, repeats: int, slow: float) -> tuple[float, int, object]:
    start = time.perf_counter()
    value = fn()
    first = time.perf_counter() - start
    if first > slow:
        return first, 1, value
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), repeats, value


def max_rel_diff(a, b) -> float:
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    both_nan = np.isnan(a) & np.isnan(b)
    denom = np.maximum(np.abs(b), 1e-300)
    diff = np.where(both_nan, 0.0, np.abs(a - b) / denom)
    return float(diff.max()) if diff.size else 0.0


def bench_metrics(data: dict, lazy: dict, repeats: int, slow: float) -> list[dict]:
    names = ["accuracy", "precision", "recall", "f1", "roc_auc"]

    def engine():
        return em.evaluate(lazy["y_true"], lazy["y_pred"], lazy["y_score"], metrics=names)

    def reference():
        t, p, s = data["y_true"], data["y_pred"], data["y_score"]
        return {
            "accuracy": skm.accuracy_score(t, p),
            "precision": skm.precision_score(t, p),
            "recall": skm.recall_score(t, p),
            "f1": skm.f1_score(t, p),
            "roc_auc": skm.roc_auc_score(t, s),
        }

    t_eng, r_eng, v_eng = timed(engine, repeats, math.inf)  # always warmed up
    t_ref, r_ref, v_ref = timed(reference, repeats, slow)
    diff = max_rel_diff([v_eng[k] for k in names], [v_ref[k] for k in names])
    return row(
        "accuracy+precision+recall+F1+ROC AUC",
        "scikit-learn",
        t_eng,
        r_eng,
        t_ref,
        r_ref,
        diff,
        {k: round(float(v_eng[k]), 12) for k in names},
    )


def bench_fairness(data: dict, lazy: dict, repeats: int, slow: float) -> list[dict]:
    import fairlearn.metrics as flm

    def metric_frame(library, columns: dict):
        """``library``'s MetricFrame of the same four metrics on ``columns``: by group, difference."""
        metrics = {
            "selection_rate": library.selection_rate,
            "tpr": library.true_positive_rate,
            "fpr": library.false_positive_rate,
            "accuracy": skm.accuracy_score,
        }
        mf = library.MetricFrame(
            metrics=metrics,
            y_true=columns["y_true"],
            y_pred=columns["y_pred"],
            sensitive_features=columns["group"],
        )
        return mf.by_group, mf.difference()

    def engine():
        return metric_frame(ef, lazy)

    def reference():
        return metric_frame(flm, data)

    t_eng, r_eng, v_eng = timed(engine, repeats, math.inf)  # always warmed up
    t_ref, r_ref, v_ref = timed(reference, repeats, slow)
    diff = max(
        max_rel_diff(v_eng[0].to_numpy(), v_ref[0].to_numpy()), max_rel_diff(v_eng[1], v_ref[1])
    )
    return row(
        "MetricFrame, 5 groups x 4 metrics",
        "fairlearn",
        t_eng,
        r_eng,
        t_ref,
        r_ref,
        diff,
        {k: round(float(v), 12) for k, v in v_eng[1].items()},
    )


def bench_drift(n: int, chunk: int, repeats: int, slow: float) -> list[dict]:
    try:
        drift = importlib.import_module("engine.drift")
        drift_report = drift.drift_report
    except (ImportError, AttributeError) as exc:
        print(f"note: drift section skipped (engine.drift.drift_report not importable: {exc})")
        return []
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(n, 4))
    cur = rng.normal(size=(n, 4)) + np.array([0.0, 0.01, 0.05, 0.2])
    lref, lcur = place(*(da.from_array(x, chunks=(chunk, 4)) for x in (ref, cur)))

    def engine():
        return drift_report(lref, lcur, method="ks").columns["statistic"].to_numpy()

    def reference():
        return np.array([scipy.stats.ks_2samp(ref[:, j], cur[:, j]).statistic for j in range(4)])

    t_eng, r_eng, v_eng = timed(engine, repeats, math.inf)  # always warmed up
    t_ref, r_ref, v_ref = timed(reference, repeats, slow)
    return row(
        "KS drift report, 4 columns (reference and current n rows each)",
        "scipy ks_2samp",
        t_eng,
        r_eng,
        t_ref,
        r_ref,
        max_rel_diff(v_eng, v_ref),
        {"statistics": [round(float(v), 12) for v in v_eng]},
    )


def row(task, reference, t_eng, r_eng, t_ref, r_ref, diff, values) -> list[dict]:
    """The engine's row and the reference's row of one task."""
    return [
        {
            "task": task,
            "variant": "engine",
            "seconds": t_eng,
            "runs": r_eng,
            "time vs engine": 1.0,
            "max_rel_diff": diff,
            "equal": diff <= 1e-9,
            "values": values,
        },
        {
            "task": task,
            "variant": reference,
            "seconds": t_ref,
            "runs": r_ref,
            "time vs engine": t_ref / t_eng,
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000_000)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument(
        "--slow-reference",
        type=float,
        default=120.0,
        help="time a variant by its single warm-up run when that run exceeds this (s)",
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["metrics", "fairness", "drift"])
    args = options(parser=parser)
    n, chunk = (100_000, 10_000) if args.quick else (args.n, args.chunk)
    data = make_data(n)
    rows = []
    with dask_scheduler() as run:
        arrays = place(*(da.from_array(v, chunks=chunk) for v in data.values()))
        lazy = dict(zip(data, arrays, strict=True))
        if "metrics" not in args.skip:
            rows += bench_metrics(data, lazy, args.repeats, args.slow_reference)
        if "fairness" not in args.skip:
            rows += bench_fairness(data, lazy, args.repeats, args.slow_reference)
        if "drift" not in args.skip:
            rows += bench_drift(n, chunk, args.repeats, args.slow_reference)
        scheduler = run.dask_label
    meta = {
        "n": n,
        "chunk": chunk,
        "repeats": args.repeats,
        "engine scheduler": scheduler,
        "slow_reference_s": args.slow_reference,
    }
    columns = ["task", "variant", "seconds", "runs", "time vs engine", "max_rel_diff", "equal"]
    write_results(
        "bench_evaluation",
        rows,
        columns,
        meta,
        plot=Plot(variant="variant", value="seconds", ratio="time vs engine", group=["task"]),
        title="metrics, fairness and drift on Dask vs scikit-learn, fairlearn, scipy",
    )


if __name__ == "__main__":
    main()
