"""Splits and resampling benchmark: engine vs scikit-learn, dask-ml and imbalanced-learn.

In one process run, on the same data (``n`` x 8 float64 with 5 imbalanced
classes): ``train_test_split`` (plain and stratified) on NumPy against
scikit-learn, on a dask.array (threaded scheduler, 8 row chunks, both parts
computed) against dask-ml's ``train_test_split`` (which shuffles only within
blocks and cannot stratify), and ``RandomUnderSampler`` /
``RandomOverSampler`` on NumPy against imbalanced-learn and on Dask. Every
variant is warmed up, then timed as the median of ``--repeats`` runs; the
ratio is the variant's time / the engine's time (above 1: the engine is faster).
With ``--scheduler``, the Dask variants run on that cluster (the data
persisted there first); the NumPy ones in this process.

Run: ``python -m benchmarks --only split`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import warnings

import dask
import dask.array as da
import imblearn.over_sampling as imb_over
import imblearn.under_sampling as imb_under
import numpy as np
import sklearn.model_selection as skms
from _harness import Plot, dask_scheduler, median_seconds, options, place, write_results

from engine.model_selection import train_test_split
from engine.preprocessing import RandomOverSampler, RandomUnderSampler


def make_data(n: int):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 8))
    y = rng.choice(5, n, p=[0.6, 0.2, 0.1, 0.07, 0.03])
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    args = options(parser=parser)
    n = 20_000 if args.quick else 2_000_000
    X, y = make_data(n)
    chunk = -(-n // 8)
    from dask_ml.model_selection import train_test_split as dml_split

    with dask_scheduler() as run:
        Xd, yd = place(da.from_array(X, chunks=(chunk, 8)), da.from_array(y, chunks=chunk))
        rows = measure(cases(X, y, Xd, yd, dml_split, run.dask_label), args.repeats)
    write_results(
        "bench_split",
        rows,
        ["task", "variant", "seconds", "time vs engine", "note"],
        {"n_rows": n, "n_columns": 8, "dask_chunks": 8, "repeats": args.repeats},
        plot=Plot(variant="variant", value="seconds", ratio="time vs engine", group=["task"]),
        title="splits and resampling vs scikit-learn, dask-ml, imbalanced-learn",
    )


def cases(X, y, Xd, yd, dml_split, dask_label: str) -> list[tuple]:
    """(task, peer name, engine callable, peer callable or None) for every task."""

    def dask_engine(strat):
        return lambda: dask.compute(
            *train_test_split(Xd, yd, test_size=0.25, random_state=0, stratify=strat)
        )

    def dask_ml():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = dml_split(Xd, yd, test_size=0.25, random_state=0, shuffle=True)
        return dask.compute(*parts)

    on_dask = f"dask ({dask_label})"
    return [
        (
            "train_test_split, NumPy",
            "scikit-learn",
            lambda: train_test_split(X, y, test_size=0.25, random_state=0),
            lambda: skms.train_test_split(X, y, test_size=0.25, random_state=0),
        ),
        (
            "train_test_split stratified, NumPy",
            "scikit-learn",
            lambda: train_test_split(X, y, test_size=0.25, random_state=0, stratify=y),
            lambda: skms.train_test_split(X, y, test_size=0.25, random_state=0, stratify=y),
        ),
        (f"train_test_split, {on_dask}", "dask-ml (blockwise shuffle)", dask_engine(None), dask_ml),
        (
            f"train_test_split stratified, {on_dask}",
            "(none: dask-ml cannot stratify)",
            dask_engine(yd),
            None,
        ),
        (
            "RandomUnderSampler, NumPy",
            "imbalanced-learn",
            lambda: RandomUnderSampler(random_state=0).fit_resample(X, y),
            lambda: imb_under.RandomUnderSampler(random_state=0).fit_resample(X, y),
        ),
        (
            "RandomOverSampler, NumPy",
            "imbalanced-learn",
            lambda: RandomOverSampler(random_state=0).fit_resample(X, y),
            lambda: imb_over.RandomOverSampler(random_state=0).fit_resample(X, y),
        ),
        (
            f"RandomUnderSampler, {on_dask}",
            "(none on Dask)",
            lambda: dask.compute(*RandomUnderSampler(random_state=0).fit_resample(Xd, yd)),
            None,
        ),
        (
            f"RandomOverSampler, {on_dask}",
            "(none on Dask)",
            lambda: dask.compute(*RandomOverSampler(random_state=0).fit_resample(Xd, yd)),
            None,
        ),
    ]


def measure(tasks: list[tuple], repeats: int) -> list[dict]:
    """One row per (task, variant): the engine's and the peer's median seconds."""
    rows = []
    for task, peer, ours, theirs in tasks:
        t_ours = median_seconds(ours, repeats=repeats)
        rows.append({"task": task, "variant": "engine", "seconds": t_ours, "time vs engine": 1.0})
        if theirs is None:
            rows[-1]["note"] = peer
        else:
            t_peer = median_seconds(theirs, repeats=repeats)
            rows.append(
                {
                    "task": task,
                    "variant": peer,
                    "seconds": t_peer,
                    "time vs engine": t_peer / t_ours,
                }
            )
        print(rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    main()
