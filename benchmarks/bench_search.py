"""Benchmark: hyperparameter search, engine vs scikit-learn vs dask-ml (issue 3).

make_classification(200_000, 20), Pipeline(StandardScaler, PCA, LogisticRegression),
12 candidates (C x 4, n_components x 3), cv=3. Times are medians of >= 3 runs after
a warm-up, the variants timed in interleaved rounds (one run of each per round).
Also: number of fits each tool performs, BayesSearchCV(n_iter=24) against the
grid's best score, and the time to resume a search killed halfway.

Locally: scikit-learn (n_jobs=1, 2), dask-ml on threads (BLAS limited to one
thread or not) and on a LocalCluster(2 processes x 1 thread) kept alive, the
engine on threads, on Dask's "processes" scheduler (the engine's worker
processes, kept alive across searches) and on the same LocalCluster. With
``--scheduler``, dask-ml's and the engine's searches run on that cluster; fit
counts and the resume run stay on local threads. ``--quick`` leaves out the
LocalCluster variants.

Run: ``python -m benchmarks --only search`` (``--quick``: 5,000 rows).
"""

from __future__ import annotations

import contextlib
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


def interleaved(variants: dict, repeats: int) -> dict:
    """Each variant warmed up once, then timed in rounds (every variant once per round).

    Returns ``{name: (median s, all runs, median CPU s of this process, last result)}``:
    variants measured side by side see the same load on a shared machine.
    """
    runs = {name: ([], []) for name in variants}
    results = {}
    for name, fn in variants.items():
        results[name] = fn()
    for _ in range(repeats):
        for name, fn in variants.items():
            cpu, start = _cpu(), time.perf_counter()
            results[name] = fn()
            runs[name][0].append(time.perf_counter() - start)
            runs[name][1].append(_cpu() - cpu)
            print(f"{name:50s} {runs[name][0][-1]:8.3f} s", flush=True)
    return {
        name: (statistics.median(t), t, statistics.median(c), results[name])
        for name, (t, c) in runs.items()
    }


def _threads(fn):
    def run():
        with dask.config.set(scheduler="threads"):
            return fn()

    return run


def timing_rows(X, y, repeats: int, run, extras: bool = True) -> tuple[list[dict], dict]:
    """Every search variant timed in interleaved rounds; rows and fitted searches by name.

    Local run: the engine on Dask's threads, on Dask's ``"processes"`` scheduler
    (the engine's worker processes kept alive across searches, arrays shared
    through memory) and on a ``LocalCluster`` of 2 single-threaded processes
    kept alive for every run, beside dask-ml on threads (with and without BLAS
    limited to one thread) and on the same LocalCluster. A quick run leaves
    out the LocalCluster. With ``--scheduler``: both on that cluster.
    """
    engine = lambda: GridSearchCV(pipe(), GRID, cv=3).fit(X, y)  # noqa: E731
    first = {}
    if extras:
        first["scikit-learn GridSearchCV n_jobs=1"] = lambda: SkGridSearchCV(
            pipe(), GRID, cv=3, n_jobs=1
        ).fit(X, y)
    variants = {
        "scikit-learn GridSearchCV n_jobs=2": lambda: SkGridSearchCV(
            pipe(), GRID, cv=3, n_jobs=2
        ).fit(X, y),
    }
    cluster = contextlib.nullcontext()
    if run.distributed:
        variants["dask-ml GridSearchCV cluster"] = lambda: dask_ml_search(X, y, False)
        variants["engine GridSearchCV cluster"] = engine
    else:
        variants["dask-ml GridSearchCV threads"] = _threads(lambda: dask_ml_search(X, y, False))
        variants["dask-ml GridSearchCV threads + BLAS 1 thread"] = _threads(
            lambda: dask_ml_search(X, y, True)
        )
        variants["engine GridSearchCV threads"] = _threads(engine)

        def processes():
            with dask.config.set(scheduler="processes"):
                return engine()

        variants["engine GridSearchCV processes (kept alive)"] = processes
        if not run.quick:
            cluster = _local_cluster(variants, X, y, engine)
    rows, results = [], {}
    with cluster:
        timed = interleaved(first, 1) | interleaved(variants, repeats)
    for name, (median, times, cpu, res) in timed.items():
        in_process = "threads" in name or name.endswith("n_jobs=1")
        rows.append(
            {
                "variant": name,
                "seconds": median,
                "runs_s": times,
                "cpu_s": cpu if in_process else None,
            }
        )
        results[name] = res
    return rows, results


@contextlib.contextmanager
def _local_cluster(variants: dict, X, y, engine):
    """A LocalCluster(2 processes x 1 thread) alive for every run; its variants join ``variants``."""
    from distributed import Client, LocalCluster

    lc = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(lc, set_as_default=False)

    def on_cluster(fn):
        def run_it():
            with client.as_current(), dask.config.set(scheduler=client):
                return fn()

        return run_it

    variants["dask-ml GridSearchCV LocalCluster(2x1)"] = on_cluster(
        lambda: dask_ml_search(X, y, False)
    )
    variants["engine GridSearchCV LocalCluster(2x1)"] = on_cluster(engine)
    try:
        yield
    finally:
        client.close()
        lc.close()


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


def extras(X, y, n, rows, results, bayes) -> tuple[list, list]:
    """The fit-count table and the Bayes and resume notes."""
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
    tables = [
        {
            "title": "Fits per pipeline step (the same grid; shared prefixes fitted once)",
            "columns": ["tool", "scaler", "pca", "clf", "total"],
            "rows": [{"tool": tool, **counts} for tool, counts in fits.items()],
        }
    ]
    notes = [
        f"BayesSearchCV(n_iter=24, batch_size=4): {bayes['time_s']:.2f} s, best "
        f"{bayes['best_score']:.6f} vs grid best {bayes['grid_best_score']:.6f}; reached: "
        f"{bayes['reached_grid_best']} (first at candidate "
        f"{bayes['first_candidate_reaching_it']}); best params {bayes['best_params']}",
        f"Resume after SIGKILL (local threads) with {resume['pairs_saved_before_kill']}/"
        f"{resume['pairs_total']} (candidate, fold) pairs saved: {resume['resume_s']:.2f} s "
        f"refitting {resume['pairs_refitted_on_resume']} pairs (uninterrupted run "
        f"{resume['uninterrupted_s']:.2f} s); same result: "
        f"{resume['same_result_as_uninterrupted']}",
    ]
    return tables, notes


def _same_results(a: dict, b: dict) -> bool:
    """Every split score, mean, std and rank bit-identical (times aside)."""
    keys = [k for k in b if k.startswith(("split", "mean_test", "std_test", "rank_"))]
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in keys)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-extras",
        action="store_true",
        help="only the timed rows without scikit-learn n_jobs=1 (no Bayes, fit counts, resume)",
    )
    args = options(parser=parser)
    n = 5_000 if args.quick else 200_000
    repeats = args.repeats
    X, y = make_classification(n_samples=n, n_features=20, random_state=0)
    with dask_scheduler() as run:
        rows, results = timing_rows(X, y, repeats, run, not args.no_extras)
        ref = results["scikit-learn GridSearchCV n_jobs=2"]
        bayes = None if args.no_extras else bayes_search(X, y, float(ref.best_score_))
    sk2 = next(r["seconds"] for r in rows if r["variant"].endswith("n_jobs=2"))
    dask_ml_best = min(r["seconds"] for r in rows if r["variant"].startswith("dask-ml"))
    engine_ref = next(v for k, v in results.items() if k.startswith("engine")).cv_results_
    for row in rows:
        res = results[row["variant"]]
        row["speed-up vs sklearn n_jobs=2"] = sk2 / row["seconds"]
        row["speed-up vs dask-ml best"] = dask_ml_best / row["seconds"]
        if row["variant"].startswith("engine"):
            row["cv_results_ identical to engine's first row"] = _same_results(
                res.cv_results_, engine_ref
            )
        row["same best_params_"] = res.best_params_ == ref.best_params_
        row["max abs diff mean_test_score"] = float(
            np.max(
                np.abs(
                    np.asarray(res.cv_results_["mean_test_score"])
                    - ref.cv_results_["mean_test_score"]
                )
            )
        )
    tables, notes = ([], []) if bayes is None else extras(X, y, n, rows, results, bayes)
    notes.append(
        "The machine is shared with other developers' jobs (see the load average): compare "
        "the rows of one run (timed in interleaved rounds), not across runs."
    )
    write_results(
        "bench_search",
        rows,
        [
            "variant",
            "seconds",
            "speed-up vs sklearn n_jobs=2",
            "speed-up vs dask-ml best",
            "cpu_s",
            "cv_results_ identical to engine's first row",
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
            "timing": "every variant warmed up once, then timed once per round, rounds interleaved",
        },
        plot=Plot(variant="variant", value="seconds", ratio="speed-up vs sklearn n_jobs=2"),
        title="grid search (12 candidates, cv=3) vs scikit-learn and dask-ml",
        tables=tables,
        notes=notes,
    )


if __name__ == "__main__":
    main()
