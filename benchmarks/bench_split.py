"""Splits and resampling benchmark: engine vs scikit-learn, dask-ml and imbalanced-learn.

In one process run, on the same data (``n`` x 8 float64 with 5 imbalanced
classes): ``train_test_split`` (plain and stratified) on NumPy against
scikit-learn, on a dask.array (threaded scheduler, 8 row chunks, both parts
computed) against dask-ml's ``train_test_split`` (which shuffles only within
blocks and cannot stratify), and ``RandomUnderSampler`` /
``RandomOverSampler`` on NumPy against imbalanced-learn and on Dask. Every
variant is warmed up, then timed as the median of ``--repeats`` runs; the
ratio is peer time / engine time (above 1: the engine is faster).

Run: ``python benchmarks/bench_split.py`` (``--quick`` for a smoke run).
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
from _harness import median_seconds, write_results

from engine.model_selection._split import train_test_split
from engine.preprocessing._resampling import RandomOverSampler, RandomUnderSampler


def make_data(n: int):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 8))
    y = rng.choice(5, n, p=[0.6, 0.2, 0.1, 0.07, 0.03])
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = 100_000 if args.quick else 2_000_000
    X, y = make_data(n)
    chunk = -(-n // 8)
    Xd, yd = da.from_array(X, chunks=(chunk, 8)), da.from_array(y, chunks=chunk)
    from dask_ml.model_selection import train_test_split as dml_split

    def dask_engine(strat):
        return lambda: dask.compute(
            *train_test_split(Xd, yd, test_size=0.25, random_state=0, stratify=strat),
            scheduler="threads",
        )

    def dask_ml():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = dml_split(Xd, yd, test_size=0.25, random_state=0, shuffle=True)
        return dask.compute(*parts, scheduler="threads")

    cases = [
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
        (
            "train_test_split, dask (threads)",
            "dask-ml (blockwise shuffle)",
            dask_engine(None),
            dask_ml,
        ),
        (
            "train_test_split stratified, dask (threads)",
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
            "RandomUnderSampler, dask (threads)",
            "(none on Dask)",
            lambda: dask.compute(
                *RandomUnderSampler(random_state=0).fit_resample(Xd, yd), scheduler="threads"
            ),
            None,
        ),
        (
            "RandomOverSampler, dask (threads)",
            "(none on Dask)",
            lambda: dask.compute(
                *RandomOverSampler(random_state=0).fit_resample(Xd, yd), scheduler="threads"
            ),
            None,
        ),
    ]
    rows = []
    for task, peer, ours, theirs in cases:
        t_ours = median_seconds(ours, repeats=args.repeats)
        t_peer = median_seconds(theirs, repeats=args.repeats) if theirs else None
        rows.append(
            {
                "task": task,
                "engine_s": round(t_ours, 4),
                "peer": peer,
                "peer_s": None if t_peer is None else round(t_peer, 4),
                "peer/engine": None if t_peer is None else round(t_peer / t_ours, 2),
            }
        )
        print(rows[-1], flush=True)
    name = "bench_split_quick" if args.quick else "bench_split"
    md = write_results(
        name,
        rows,
        ["task", "engine_s", "peer", "peer_s", "peer/engine"],
        {"n_rows": n, "n_columns": 8, "dask_chunks": 8, "repeats": args.repeats},
    )
    print(md)


if __name__ == "__main__":
    main()
