"""Models at scale: lazy blockwise inference (issue 9, row a).

Sections (each a function returning rows; add a section by adding one to
``SECTIONS``):

* ``blockwise``: ``predict_proba`` of a fitted ``Pipeline(StandardScaler,
  LogisticRegression)`` on a 10,000,000 x 8 dask DataFrame (40 partitions,
  threaded scheduler, the result computed into one pandas frame): the
  engine's ``Pipeline`` vs dask-ml's ``ParallelPostFit`` around scikit-learn's
  pipeline vs the in-memory ``predict_proba`` of both pipelines on the pandas
  frame. Every variant is warmed up, then timed as the median of
  ``--repeats`` rounds, each round timing every variant in turn
  (interleaved, so the shared machine's load reaches all variants alike);
  ``x engine`` is the variant's time / the engine's
  (above 1: the engine is faster). The engine's values are checked against
  its in-memory method with one BLAS thread (bit-identical).

Run: ``python -m benchmarks --only models`` (``--quick``: 200,000 rows).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dask.dataframe as dd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _harness import (  # noqa: E402
    Plot,
    dask_scheduler,
    interleaved_median_seconds,
    options,
    place,
    section_rows,
    write_results,
)

N_FEATURES = 8
N_PARTITIONS = 40


def _blockwise_data(n_rows: int):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        rng.standard_normal((n_rows, N_FEATURES)) * np.arange(1, N_FEATURES + 1),
        columns=[f"f{j}" for j in range(N_FEATURES)],
    )
    signal = X.to_numpy()[:, :3] @ np.array([1.0, -0.5, 0.25])
    y = np.where(signal + rng.standard_normal(n_rows) > 0, "yes", "no")
    return X, y


def blockwise_section(args) -> list[dict]:
    """Row a): blockwise predict_proba, engine vs dask-ml vs in memory."""
    from dask_ml.wrappers import ParallelPostFit as DaskMLParallelPostFit
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline as sk_make_pipeline
    from sklearn.preprocessing import StandardScaler as SkStandardScaler
    from threadpoolctl import threadpool_limits

    from engine.preprocessing import StandardScaler, make_pipeline

    n_rows = 200_000 if args.quick else 10_000_000
    X, y = _blockwise_data(n_rows)
    fit_rows = slice(0, min(n_rows, 200_000))
    ours = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[fit_rows], y[fit_rows])
    theirs = sk_make_pipeline(SkStandardScaler(), LogisticRegression()).fit(
        X[fit_rows], y[fit_rows]
    )
    peer = DaskMLParallelPostFit(theirs)
    with dask_scheduler() as run:
        Xd = place(dd.from_pandas(X, npartitions=N_PARTITIONS))
        variants = [
            (f"engine Pipeline, dask ({run.dask_label})", lambda: ours.predict_proba(Xd).compute()),
            (
                f"dask-ml ParallelPostFit, dask ({run.dask_label})",
                lambda: peer.predict_proba(Xd).compute(),
            ),
            ("in memory, scikit-learn Pipeline", lambda: theirs.predict_proba(X)),
            ("in memory, engine Pipeline", lambda: ours.predict_proba(X)),
        ]
        seconds = interleaved_median_seconds(dict(variants), repeats=args.repeats)
        rows = [{"variant": name, "seconds": seconds[name]} for name, _ in variants]
        lazy = ours.predict_proba(Xd).compute()
    with threadpool_limits(1):
        identical = np.array_equal(lazy.to_numpy(), ours.predict_proba(X))
    base = rows[0]["seconds"]
    for row in rows:
        row["x engine"] = row["seconds"] / base
        row["rows"] = n_rows
        row["bit-identical to in memory"] = identical if row is rows[0] else ""
        print(row, flush=True)
    return rows


SECTIONS = {"blockwise": blockwise_section}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=sorted(SECTIONS), nargs="*", default=list(SECTIONS))
    args = options(parser=parser)
    rows, columns = section_rows(args, SECTIONS)
    write_results(
        "bench_models",
        rows,
        columns,
        {"repeats": args.repeats, "quick": args.quick, "partitions": N_PARTITIONS},
        plot=Plot(variant="variant", value="seconds", ratio="x engine", group=["section"]),
        title="Models at scale: blockwise predict_proba vs dask-ml and in memory",
        notes=[
            "The machine is shared with other developers' jobs (see the load average): "
            "compare the rows of one run, not across runs.",
        ],
    )


if __name__ == "__main__":
    main()
