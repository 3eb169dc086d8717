"""Benchmark: hyperparameter search, engine vs scikit-learn vs dask-ml (issue 3).

make_classification(200_000, 20), Pipeline(StandardScaler, PCA, LogisticRegression),
12 candidates (C x 4, n_components x 3), cv=3. Times are medians of >= 3 runs after
a warm-up. Also: number of fits each tool performs, BayesSearchCV(n_iter=24)
against the grid's best score, and the time to resume a search killed halfway.

With ``--scheduler``, dask-ml's and the engine's searches run on that cluster
(the LocalCluster and BLAS-limited variants are left out); fit counts and the
resume run stay on local threads. ``--quick`` leaves out the LocalCluster variant.

Run: ``python -m benchmarks --only search`` (``--quick``: 5,000 rows).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import dask
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV as SkGridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from _harness import Plot, dask_scheduler, options, write_results  # noqa: E402

from engine.model_selection import BayesSearchCV, GridSearchCV  # noqa: E402

GRID = {"pca__n_components": [5, 10, 15], "clf__C": [0.001, 0.01, 0.1, 1.0]}
COUNTS: dict[str, int] = {}
_LOCK = threading.Lock()


def _count(name):
    with _LOCK:
        COUNTS[name] = COUNTS.get(name, 0) + 1


class CScaler(StandardScaler):
    def fit(self, X, y=None, sample_weight=None):
        _count("scaler")
        return super().fit(X, y, sample_weight)


class CPCA(PCA):
    def fit_transform(self, X, y=None):
        _count("pca")
        return super().fit_transform(X, y)

    def fit(self, X, y=None):
        _count("pca")
        return super().fit(X, y)


class CLR(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        _count("clf")
        return super().fit(X, y, sample_weight)


def pipe(counting=False):
    if counting:
        return Pipeline([("scale", CScaler()), ("pca", CPCA()), ("clf", CLR())])
    return Pipeline([("scale", StandardScaler()), ("pca", PCA()), ("clf", LogisticRegression())])


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_it(fn, repeats):
    """Median wall time, all wall times, median CPU time of this process (all threads), result."""
    fn()  # warm-up
    times, cpus, result = [], [], None
    for _ in range(repeats):
        cpu, start = _cpu(), time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return statistics.median(times), times, statistics.median(cpus), result


def dask_ml_search(X, y, limit):
    """dask-ml's grid search on the active scheduler (``limit``: BLAS to one thread)."""
    from dask_ml.model_selection import GridSearchCV as DaskGridSearchCV

    if limit:
        with threadpool_limits(1):
            return DaskGridSearchCV(pipe(), GRID, cv=3).fit(X, y)
    return DaskGridSearchCV(pipe(), GRID, cv=3).fit(X, y)


def count_fits(X, y):
    """Fits per step for each tool (in-process runs of the same grid on a slice)."""
    from dask_ml.model_selection import GridSearchCV as DaskGridSearchCV

    out = {}
    runs = {
        "scikit-learn": lambda: SkGridSearchCV(pipe(True), GRID, cv=3, refit=False).fit(X, y),
        "dask-ml": lambda: DaskGridSearchCV(pipe(True), GRID, cv=3, refit=False).fit(X, y),
        "engine": lambda: GridSearchCV(pipe(True), GRID, cv=3, refit=False).fit(X, y),
    }
    for name, run in runs.items():
        COUNTS.clear()
        run()
        out[name] = dict(COUNTS, total=sum(COUNTS.values()))
    return out


RESUME_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from bench_search import GRID, pipe
    from sklearn.datasets import make_classification
    from engine.model_selection import GridSearchCV
    X, y = make_classification({n}, 20, random_state=0)
    GridSearchCV(pipe(), GRID, cv=3, checkpoint={path!r}).fit(X, y)
    """
)


def resume_benchmark(X, y, n, full_time):
    """Kill a checkpointed search (SIGKILL) once half its pairs are saved; time the rerun."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    path = tmp / "search.ckpt"
    script = RESUME_SCRIPT.format(root=str(ROOT), n=n, path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=str(ROOT.parent))
    total = 12 * 3
    done = 0
    while proc.poll() is None:
        if path.exists():
            try:
                done = len(json.loads(path.read_text())["records"])
            except ValueError:
                done = 0
            if done >= total // 2:
                os.kill(proc.pid, signal.SIGKILL)
                break
        time.sleep(0.02)
    proc.wait()
    done = len(json.loads(path.read_text())["records"]) if path.exists() else 0
    start = time.perf_counter()
    resumed = GridSearchCV(pipe(), GRID, cv=3, checkpoint=str(path)).fit(X, y)
    elapsed = time.perf_counter() - start
    return {
        "pairs_saved_before_kill": done,
        "pairs_total": total,
        "pairs_refitted_on_resume": resumed.n_fits_,
        "resume_s": elapsed,
        "uninterrupted_s": full_time,
        "result": resumed,
    }


def timing_rows(X, y, repeats: int, run) -> tuple[list[dict], dict]:
    """Every search variant timed; rows and the fitted searches by variant name.

    A quick run leaves out the engine on a LocalCluster it would have to start.
    """
    rows, results = [], {}

    def record(name, fn, n_repeats=repeats):
        median, times, cpu, res = time_it(fn, n_repeats)
        in_process = "n_jobs=2" not in name and "cluster" not in name.lower()
        rows.append(
            {
                "variant": name,
                "seconds": median,
                "runs_s": times,
                "cpu_s": cpu if in_process else None,
            }
        )
        results[name] = res
        print(f"{name:45s} {median:8.3f} s  {[round(t, 3) for t in times]}", flush=True)

    record(
        "scikit-learn GridSearchCV n_jobs=1",
        lambda: SkGridSearchCV(pipe(), GRID, cv=3, n_jobs=1).fit(X, y),
        1,
    )
    record(
        "scikit-learn GridSearchCV n_jobs=2",
        lambda: SkGridSearchCV(pipe(), GRID, cv=3, n_jobs=2).fit(X, y),
    )
    if run.distributed:
        record("dask-ml GridSearchCV cluster", lambda: dask_ml_search(X, y, False))
        record("engine GridSearchCV cluster", lambda: GridSearchCV(pipe(), GRID, cv=3).fit(X, y))
        return rows, results
    record("dask-ml GridSearchCV threads", lambda: dask_ml_search(X, y, False))
    record("dask-ml GridSearchCV threads + BLAS 1 thread", lambda: dask_ml_search(X, y, True))
    record("engine GridSearchCV threads", lambda: GridSearchCV(pipe(), GRID, cv=3).fit(X, y))
    if run.quick:
        return rows, results
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as lc,
        Client(lc),
    ):
        record(
            "engine GridSearchCV LocalCluster(2x1)",
            lambda: GridSearchCV(pipe(), GRID, cv=3).fit(X, y),
        )
    return rows, results


def bayes_search(X, y, grid_best: float) -> dict:
    """BayesSearchCV(n_iter=24) on the grid's space: does it reach the grid's best score?"""
    start = time.perf_counter()
    bayes = BayesSearchCV(
        pipe(),
        {"pca__n_components": (5, 15), "clf__C": loguniform(1e-3, 1.0)},
        n_iter=24,
        batch_size=4,
        cv=3,
        random_state=0,
    ).fit(X, y)
    bayes_s = time.perf_counter() - start
    scores = bayes.cv_results_["mean_test_score"]
    reached = np.flatnonzero(scores >= grid_best - 1e-12)
    return {
        "n_iter": 24,
        "batch_size": 4,
        "time_s": bayes_s,
        "best_score": float(bayes.best_score_),
        "grid_best_score": grid_best,
        "reached_grid_best": bool(reached.size),
        "first_candidate_reaching_it": int(reached[0]) + 1 if reached.size else None,
        "best_params": {k: float(v) for k, v in bayes.best_params_.items()},
    }


def main() -> None:
    args = options(__doc__.splitlines()[0])
    n = 5_000 if args.quick else 200_000
    repeats = args.repeats
    X, y = make_classification(n_samples=n, n_features=20, random_state=0)
    with dask_scheduler() as run:
        rows, results = timing_rows(X, y, repeats, run)
        ref = results["scikit-learn GridSearchCV n_jobs=2"]
        bayes = bayes_search(X, y, float(ref.best_score_))
    sk2 = next(r["seconds"] for r in rows if r["variant"].endswith("n_jobs=2"))
    for row in rows:
        res = results[row["variant"]]
        row["speed-up vs sklearn n_jobs=2"] = sk2 / row["seconds"]
        row["same best_params_"] = res.best_params_ == ref.best_params_
        row["max abs diff mean_test_score"] = float(
            np.max(
                np.abs(
                    np.asarray(res.cv_results_["mean_test_score"])
                    - ref.cv_results_["mean_test_score"]
                )
            )
        )
    # Counting fits and killing a search are about the engine's logic, not the
    # scheduler: both run on local threads, also with --scheduler.
    with dask.config.set(scheduler="threads"):
        fits = count_fits(X[: min(n, 20_000)], y[: min(n, 20_000)])
        engine_local = next(v for k, v in results.items() if k.startswith("engine"))
        engine_time = next(r["seconds"] for r in rows if r["variant"].startswith("engine"))
        resume = resume_benchmark(X, y, n, engine_time)
    resume["same_result_as_uninterrupted"] = bool(
        np.array_equal(
            resume.pop("result").cv_results_["mean_test_score"],
            engine_local.cv_results_["mean_test_score"],
        )
    )
    write_results(
        "bench_search",
        rows,
        [
            "variant",
            "seconds",
            "speed-up vs sklearn n_jobs=2",
            "cpu_s",
            "same best_params_",
            "max abs diff mean_test_score",
        ],
        {
            "data": f"make_classification({n:,}, 20)",
            "pipeline": "StandardScaler, PCA, LogisticRegression",
            "grid": GRID,
            "candidates": 12,
            "cv": 3,
            "repeats": repeats,
            "cpu_s": "CPU seconds of this process (n/a when the work runs in other processes)",
        },
        plot=Plot(variant="variant", value="seconds", ratio="speed-up vs sklearn n_jobs=2"),
        title="grid search (12 candidates, cv=3) vs scikit-learn and dask-ml",
        tables=[
            {
                "title": "Fits per pipeline step (the same grid; shared prefixes fitted once)",
                "columns": ["tool", "scaler", "pca", "clf", "total"],
                "rows": [{"tool": tool, **counts} for tool, counts in fits.items()],
            }
        ],
        notes=[
            f"BayesSearchCV(n_iter=24, batch_size=4): {bayes['time_s']:.2f} s, best "
            f"{bayes['best_score']:.6f} vs grid best {bayes['grid_best_score']:.6f}; reached: "
            f"{bayes['reached_grid_best']} (first at candidate "
            f"{bayes['first_candidate_reaching_it']}); best params {bayes['best_params']}",
            f"Resume after SIGKILL (local threads) with {resume['pairs_saved_before_kill']}/"
            f"{resume['pairs_total']} (candidate, fold) pairs saved: {resume['resume_s']:.2f} s "
            f"refitting {resume['pairs_refitted_on_resume']} pairs (uninterrupted run "
            f"{resume['uninterrupted_s']:.2f} s); same result: "
            f"{resume['same_result_as_uninterrupted']}",
        ],
    )


if __name__ == "__main__":
    main()
