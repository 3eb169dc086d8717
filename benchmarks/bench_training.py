"""Models at scale: Dask-native XGBoost training beyond one worker's memory, and its grid search.

Sections (each a function returning rows; add a section by adding one to
``SECTIONS``):

* ``training``: ``engine.models.StreamingDaskXGBRegressor`` (XGBoost's Dask
  regressor streaming one partition at a time per worker into XGBoost's
  external memory, what the searches switch to when a training part cannot fit)
  and ``xgboost.dask.DaskXGBRegressor`` itself, each fitted on a Parquet dataset
  ``--multiple`` times one worker's memory limit (16 MiB files), each on fresh
  workers (a local cluster of two single-threaded processes): seconds, rows/s
  and the highest memory of any worker (sampled every 0.1 s), beside
  ``xgboost.XGBRegressor`` in memory on the largest part of the data that one
  worker's limit holds.
  ``--quick`` is a smoke run: 768 MiB workers and data of a tenth of one worker's
  limit (an engine worker holds about 400 MiB of imports before its first task),
  both fits on one cluster shared with the search.
* ``search``: ``GridSearchCV`` of 8 ``DaskXGBClassifier`` candidates x 3 folds
  with early stopping (the engine, on two workers of 4 GiB) vs scikit-learn's
  ``GridSearchCV(XGBClassifier, n_jobs=2)`` on the same in-memory data (the
  peer trains the full number of rounds: scikit-learn has no per-fold
  validation split). Both times and best scores in one table. ``--quick``:
  5,000 rows, 2 candidates x 2 folds (each Dask fit costs about a second of
  xgboost.dask's set-up), on the training section's workers.

The benchmark starts its own clusters (worker memory limits are part of the
measure): one per limit shared by the sections, but a fresh one for each fit of
the full training section. It skips itself with ``--scheduler``.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _harness import Plot, median_seconds, options, section_rows, skip, write_results  # noqa: E402

BOOSTING_FEATURES = 20
IN_MEMORY = "xgboost.XGBRegressor in memory (largest part that fits)"
#: columns of the training section's data: XGBoost keeps tens of bytes per row in
#: memory whatever streams (label, gradient pair, prediction cache, row index), so data
#: 4x a worker's limit fits two workers only when its rows are wide (404 bytes here)
TRAINING_FEATURES = 100


class Clusters:
    """Local clusters of two single-threaded worker processes, one per memory limit.

    A section asks for the workers' memory limit it measures with; sections
    asking for the same limit share one cluster (started once: a cluster's
    start is seconds of a quick run). Closed on leaving the block.
    """

    def __init__(self):
        self._started: dict[str, tuple] = {}

    def client(self, memory_limit: str):
        """The client of the cluster whose workers have ``memory_limit`` (started on first use)."""
        if memory_limit not in self._started:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                memory_limit=memory_limit,
                dashboard_address=None,
            )
            self._started[memory_limit] = cluster, Client(cluster)
        return self._started[memory_limit][1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for cluster, client in self._started.values():
            client.close()
            cluster.close()
        self._started.clear()


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


class PeakMemory:
    """Highest resident memory of every worker while the block runs (sampled every 0.1 s)."""

    def __init__(self, client):
        self.client, self.peak, self._stop = client, {}, threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            try:
                for address, rss in self.client.run(_rss).items():
                    self.peak[address] = max(self.peak.get(address, 0), rss)
            except Exception:  # a worker restarting: keep sampling the others
                pass
            time.sleep(0.1)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _write_parquet(directory: Path, n_rows: int, n_parts: int) -> None:
    import pandas as pd

    rows = n_rows // n_parts
    coef = np.random.default_rng(0).standard_normal(TRAINING_FEATURES)
    for part in range(n_parts):
        rng = np.random.default_rng(1_000 + part)
        X = rng.standard_normal((rows, TRAINING_FEATURES)).astype(np.float32)
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(TRAINING_FEATURES)])
        frame["y"] = X @ coef + rng.standard_normal(rows).astype(np.float32)
        frame.to_parquet(directory / f"part-{part:04d}.parquet")


_IN_MEMORY_FIT = """
import json, resource, sys, time
import pandas as pd, xgboost
files = sys.argv[3:]
frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
X, y = frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()
del frame
start = time.perf_counter()
xgboost.XGBRegressor(**json.loads(sys.argv[1]), n_jobs=int(sys.argv[2])).fit(X, y)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rows": len(X), "seconds": seconds, "peak": peak}))
"""


def _in_memory_fit(files: list[Path], params: dict) -> dict:
    """``xgboost.XGBRegressor`` on ``files`` in a fresh process: rows, seconds, peak RSS."""
    import json
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", _IN_MEMORY_FIT, json.dumps(params), "2", *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.splitlines()[-1])


def _largest_in_memory_fit(
    directory: Path, n_parts: int, params: dict, limit: int, row_bytes: int, n_rows: int
) -> dict:
    """The in-memory peer on the most parts whose fit peaks under ``limit``.

    Data under the limit is tried whole first (one fit when it fits, as in a
    quick run); otherwise, or when it does not fit, on 1/16, 1/8, ... of the
    parts while its peak stays under ``limit``.
    """
    files = sorted(directory.glob("*.parquet"))
    if n_rows * row_bytes < limit:
        whole = _in_memory_fit(files, params)
        if whole["peak"] <= limit:
            return _in_memory_row(whole, limit, row_bytes, n_rows)
    fitted = None
    n_files = max(1, n_parts // 16)
    while n_files <= n_parts:
        run = _in_memory_fit(files[:n_files], params)
        if run["peak"] > limit:
            break
        fitted = run
        n_files *= 2
    if fitted is None:
        return {
            "variant": IN_MEMORY,
            "rows": 0,
            "outcome": "no part fits: one process alone is over the limit",
        }
    return _in_memory_row(fitted, limit, row_bytes, n_rows)


def _in_memory_row(fitted: dict, limit: int, row_bytes: int, n_rows: int) -> dict:
    return {
        "variant": IN_MEMORY,
        "rows": fitted["rows"],
        "data (x one worker's limit)": round(fitted["rows"] * row_bytes / limit, 2),
        "outcome": f"{fitted['rows'] / n_rows:.0%} of the rows fit",
        "seconds": round(fitted["seconds"], 3),
        "rows/s": round(fitted["rows"] / fitted["seconds"]),
        "peak memory (x one worker's limit)": round(fitted["peak"] / limit, 2),
    }


def _training_limit(args) -> int:
    """Each worker's memory limit in bytes for the training section."""
    # an engine worker holds about 400 MiB of imports before its first task, and Dask
    # pauses a worker at 80 % of its limit: 768 MiB is the smallest worker that runs
    return (768 if args.quick else 1024) * 2**20


def search_grid(quick: bool) -> tuple[dict, int]:
    """The grid search's grid and folds: 8 candidates x 3 folds, or 2 x 2 in a quick run.

    Each ``DaskXGBClassifier`` fit costs about a second of xgboost.dask's
    set-up on two workers whatever the data, so a quick run keeps both
    peers and early stopping but fits 4 folds and the refit instead of 25.
    """
    if quick:
        return {"max_depth": [3, 5], "learning_rate": [0.3], "min_child_weight": [1]}, 2
    return {"max_depth": [3, 5], "learning_rate": [0.1, 0.3], "min_child_weight": [1, 5]}, 3


def _cluster_fit(
    variant: str, make, directory: str, client, limit: int, n_rows: int, row_bytes: int
):
    """``make().fit`` on the Parquet files on ``client``'s two workers: the result row."""
    import dask.dataframe as dd

    # one array of every column, sliced: X and y keep the files' partitions (a
    # projected column alone would have its small files fused into fewer partitions)
    table = dd.read_parquet(directory).to_dask_array(lengths=True)
    X, y = table[:, :TRAINING_FEATURES], table[:, TRAINING_FEATURES]
    with client.as_current(), PeakMemory(client) as peak:
        start = time.perf_counter()
        try:
            make().fit(X, y)
            outcome = "trained"
        except Exception as exc:  # a worker over its limit is killed by its nanny
            outcome = f"failed: {type(exc).__name__}: {exc}"[:160]
        seconds = time.perf_counter() - start
    top = max(peak.peak.values()) if peak.peak else float("nan")
    return {
        "variant": variant,
        "rows": n_rows,
        "data (x one worker's limit)": round(n_rows * row_bytes / limit, 2),
        "outcome": outcome,
        "seconds": round(seconds, 3),
        "rows/s": round(n_rows / seconds) if outcome == "trained" else None,
        "peak memory (x one worker's limit)": round(top / limit, 2),
    }


def training_section(args, clusters: Clusters) -> list[dict]:
    import xgboost.dask as xgb_dask

    from engine.models import StreamingDaskXGBRegressor

    limit = _training_limit(args)
    row_bytes = 4 * (TRAINING_FEATURES + 1)
    multiple = min(args.multiple, 0.1) if args.quick else args.multiple
    n_rows = int(multiple * limit / row_bytes)
    params = {"n_estimators": 10, "max_depth": 6, "tree_method": "hist"}
    variants = {
        # the engine's: one partition at a time per worker, into XGBoost's external memory
        "engine: StreamingDaskXGBRegressor, 2 workers": StreamingDaskXGBRegressor,
        # xgboost.dask's own: every partition of a worker in its memory at once
        "xgboost.dask: DaskXGBRegressor, 2 workers": xgb_dask.DaskXGBRegressor,
    }
    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmp:
        # 16 MiB files: the streaming worker holds one (and its copies) at a time
        n_parts = max(16, -(-n_rows * row_bytes // (16 * 2**20)))
        _write_parquet(Path(tmp), n_rows, n_parts=n_parts)
        rows = []
        for variant, cls in variants.items():
            # a quick (smoke) run fits both on the shared cluster; a full run gives each
            # fresh workers (xgboost.dask's fit gets its workers killed at 4x their limit)
            with contextlib.nullcontext(clusters) if args.quick else Clusters() as pool:
                client = pool.client(str(limit))
                fit = partial(cls, **params)
                rows.append(_cluster_fit(variant, fit, tmp, client, limit, n_rows, row_bytes))
        rows.append(_largest_in_memory_fit(Path(tmp), n_parts, params, limit, row_bytes, n_rows))
    return rows


def search_section(args, clusters: Clusters) -> list[dict]:
    import xgboost
    import xgboost.dask as xgb_dask
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV as SkGridSearchCV
    from sklearn.model_selection import ParameterGrid

    from engine.model_selection import GridSearchCV

    n = 5_000 if args.quick else 100_000
    X, y = make_classification(n, BOOSTING_FEATURES, n_informative=10, random_state=0)
    grid, cv = search_grid(args.quick)
    base = {"n_estimators": 50, "tree_method": "hist"}
    results = {}
    # quick: the training section's workers (a 5,000-row search fits them), not a second cluster
    client = clusters.client(str(_training_limit(args)) if args.quick else "4GiB")

    def engine_search():
        import dask

        with dask.config.set(scheduler=client):
            search = GridSearchCV(
                xgb_dask.DaskXGBClassifier(**base, early_stopping_rounds=5), grid, cv=cv
            ).fit(X, y)
        results["engine"] = search

    def sklearn_search():
        search = SkGridSearchCV(xgboost.XGBClassifier(**base, n_jobs=1), grid, cv=cv, n_jobs=2).fit(
            X, y
        )
        results["sklearn"] = search

    seconds = {
        "sklearn": median_seconds(sklearn_search, args.repeats),
        "engine": median_seconds(engine_search, args.repeats),
    }
    names = {
        "engine": "engine GridSearchCV(DaskXGBClassifier, early stopping), 2 workers",
        "sklearn": "scikit-learn GridSearchCV(XGBClassifier, n_jobs=2)",
    }
    return [
        {
            "variant": names[key],
            "rows": n,
            "candidates x folds": f"{len(ParameterGrid(grid))} x {cv}",
            "seconds": round(seconds[key], 3),
            "x scikit-learn time": round(seconds[key] / seconds["sklearn"], 2),
            "best score": round(float(results[key].best_score_), 4),
            "best params": str(results[key].best_params_),
        }
        for key in ("engine", "sklearn")
    ]


SECTIONS = {"training": training_section, "search": search_section}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multiple", type=float, default=4.0, help="data / one worker's limit")
    parser.add_argument("--section", choices=sorted(SECTIONS), nargs="*", default=list(SECTIONS))
    args = options(parser=parser)
    if args.scheduler:
        skip("bench_training starts its own clusters (worker memory limits are measured)")
    with Clusters() as clusters:
        sections = {name: partial(fn, clusters=clusters) for name, fn in SECTIONS.items()}
        rows, columns = section_rows(args, sections)
    grid, cv = search_grid(args.quick)
    write_results(
        "bench_training",
        rows,
        columns,
        {
            "multiple": args.multiple,
            "repeats": args.repeats,
            "quick": args.quick,
            "search grid": f"{grid}, cv={cv}",
            "clusters": (
                "one of 768 MiB workers shared by every fit"
                if args.quick
                else "a fresh one of 1 GiB workers for each training fit; 4 GiB workers for "
                "the search"
            ),
        },
        plot=Plot(variant="variant", value="seconds", group=["section"]),
        title="Dask-native XGBoost: training beyond one worker's memory; grid search vs scikit-learn",
        notes=[
            "The machine is shared with other developers' jobs (see the load average): "
            "compare the rows of one run, not across runs.",
        ],
    )


if __name__ == "__main__":
    main()
