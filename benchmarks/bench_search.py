"""Benchmark: hyperparameter search, engine vs scikit-learn vs dask-ml (issue 3).

make_classification(200_000, 20), Pipeline(StandardScaler, PCA, LogisticRegression),
12 candidates (C x 4, n_components x 3), cv=3. Times are medians of >= 3 runs after
a warm-up. Also: number of fits each tool performs, BayesSearchCV(n_iter=24)
against the grid's best score, and the time to resume a search killed halfway.

Run: ``python benchmarks/bench_search.py [--quick]``; writes
``benchmarks/results/bench_search.{json,md}``.
"""

from __future__ import annotations

import argparse
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
    from dask_ml.model_selection import GridSearchCV as DaskGridSearchCV

    with dask.config.set(scheduler="threads"):
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
        with dask.config.set(scheduler="threads"):
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


def main(quick: bool) -> None:
    n = 20_000 if quick else 200_000
    repeats = 1 if quick else 3
    X, y = make_classification(n_samples=n, n_features=20, random_state=0)
    rows, results = [], {}

    def record(name, fn, n_repeats=repeats):
        median, times, cpu, res = time_it(fn, n_repeats)
        in_process = "n_jobs=2" not in name and "LocalCluster" not in name
        rows.append(
            {
                "variant": name,
                "median_s": median,
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
    record("dask-ml GridSearchCV threads", lambda: dask_ml_search(X, y, False))
    record("dask-ml GridSearchCV threads + BLAS 1 thread", lambda: dask_ml_search(X, y, True))

    def engine_threads():
        with dask.config.set(scheduler="threads"):
            return GridSearchCV(pipe(), GRID, cv=3).fit(X, y)

    record("engine GridSearchCV threads", engine_threads)
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

    ref = results["scikit-learn GridSearchCV n_jobs=2"]
    sk2 = next(r["median_s"] for r in rows if r["variant"].endswith("n_jobs=2"))
    for row in rows:
        res = results[row["variant"]]
        row["speedup_vs_sklearn_n_jobs2"] = sk2 / row["median_s"]
        row["best_params_identical"] = res.best_params_ == ref.best_params_
        row["max_abs_diff_mean_test_score"] = float(
            np.max(
                np.abs(
                    np.asarray(res.cv_results_["mean_test_score"])
                    - ref.cv_results_["mean_test_score"]
                )
            )
        )
    fits = count_fits(X[: min(n, 20_000)], y[: min(n, 20_000)])
    grid_best = float(ref.best_score_)

    with dask.config.set(scheduler="threads"):
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
    bayes_row = {
        "n_iter": 24,
        "batch_size": 4,
        "time_s": bayes_s,
        "best_score": float(bayes.best_score_),
        "grid_best_score": grid_best,
        "reached_grid_best": bool(reached.size),
        "first_candidate_reaching_it": int(reached[0]) + 1 if reached.size else None,
        "best_params": {k: float(v) for k, v in bayes.best_params_.items()},
    }
    engine_time = next(r["median_s"] for r in rows if r["variant"] == "engine GridSearchCV threads")
    resume = resume_benchmark(X, y, n, engine_time)
    resume["same_result_as_uninterrupted"] = bool(
        np.array_equal(
            resume.pop("result").cv_results_["mean_test_score"],
            results["engine GridSearchCV threads"].cv_results_["mean_test_score"],
        )
    )
    out = {
        "n_samples": n,
        "n_features": 20,
        "candidates": 12,
        "cv": 3,
        "repeats": repeats,
        "cpu_count": os.cpu_count(),
        "grid": GRID,
        "timings": rows,
        "fits": fits,
        "bayes": bayes_row,
        "resume": resume,
    }
    write(out, quick)


def write(out, quick):
    res_dir = ROOT / "results"
    res_dir.mkdir(exist_ok=True)
    name = "bench_search_quick" if quick else "bench_search"
    (res_dir / f"{name}.json").write_text(json.dumps(out, indent=2, default=str))
    lines = [
        f"# Search benchmark ({out['n_samples']:,} x 20, 12 candidates, cv=3, "
        f"{out['cpu_count']} cores, median of {out['repeats']})",
        "",
        "| variant | median s | speed-up vs sklearn n_jobs=2 | CPU s of this process | same best_params_ "
        "| max abs diff mean_test_score |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for r in out["timings"]:
        cpu = "n/a (other processes)" if r["cpu_s"] is None else f"{r['cpu_s']:.2f}"
        lines.append(
            f"| {r['variant']} | {r['median_s']:.3f} | {r['speedup_vs_sklearn_n_jobs2']:.2f}x | {cpu} | "
            f"{r['best_params_identical']} | {r['max_abs_diff_mean_test_score']:.1e} |"
        )
    lines += [
        "",
        "| tool | scaler fits | PCA fits | LogisticRegression fits | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for tool, c in out["fits"].items():
        lines.append(
            f"| {tool} | {c.get('scaler', 0)} | {c.get('pca', 0)} | {c.get('clf', 0)} | {c['total']} |"
        )
    b, r = out["bayes"], out["resume"]
    lines += [
        "",
        f"BayesSearchCV(n_iter=24, batch_size=4): {b['time_s']:.2f} s, best {b['best_score']:.6f} vs grid best "
        f"{b['grid_best_score']:.6f}; reached: {b['reached_grid_best']} (first at candidate "
        f"{b['first_candidate_reaching_it']}); best params {b['best_params']}",
        "",
        f"Resume after SIGKILL with {r['pairs_saved_before_kill']}/{r['pairs_total']} (candidate, fold) pairs saved: "
        f"{r['resume_s']:.2f} s refitting {r['pairs_refitted_on_resume']} pairs (uninterrupted run "
        f"{r['uninterrupted_s']:.2f} s); same result: {r['same_result_as_uninterrupted']}",
    ]
    (res_dir / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small data, one run (smoke test)")
    main(parser.parse_args().quick)
