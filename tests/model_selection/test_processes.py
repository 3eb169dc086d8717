"""Searches on Dask's "processes" scheduler: the engine's kept-alive pool, arrays shared once.

The data are sized so that the data, every fold and every transformed fold
cross the process boundary through shared memory (each at least
``SHARED_MIN_BYTES``), so the tests exercise that path, not the inline pickle.
"""

from __future__ import annotations

import glob
import os

import dask
import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.decomposition import PCA
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from engine.model_selection import GridSearchCV, cross_validate
from engine.model_selection import _processes as processes

GRID = {"pca__n_components": [3, 6], "ridge__alpha": [-1.0, 0.1, 10.0]}  # alpha < 0 fails


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(60_000, 8, noise=5.0, random_state=0)  # 3.8 MB, folds >= 1 MiB
    assert X.nbytes // 3 >= processes.SHARED_MIN_BYTES
    return X, y


def _pipe():
    return Pipeline([("scale", StandardScaler()), ("pca", PCA()), ("ridge", Ridge())])


def _leftover_directories() -> list[str]:
    return glob.glob("/dev/shm/engine-search-*")


def test_search_in_processes_equals_threads_and_keeps_its_workers(data):
    X, y = data
    processes.shutdown_pool()
    before = set(_leftover_directories())
    results = {}
    for scheduler in ("threads", "processes"):
        with dask.config.set(scheduler=scheduler):
            results[scheduler] = GridSearchCV(_pipe(), GRID, cv=3).fit(X, y)
    pool = processes._POOL["executor"]
    pids = set(pool._processes)
    with dask.config.set(scheduler="processes"):  # a second search: the same processes
        again = GridSearchCV(_pipe(), GRID, cv=3).fit(X, y)
    assert processes._POOL["executor"] is pool and set(pool._processes) == pids
    threads, procs = results["threads"].cv_results_, results["processes"].cv_results_
    for key in threads:
        if key.startswith(("split", "mean_test", "std_test", "rank_", "param")):
            np.testing.assert_array_equal(procs[key], threads[key], err_msg=key)
            np.testing.assert_array_equal(again.cv_results_[key], threads[key], err_msg=key)
    failed = [p["ridge__alpha"] < 0 for p in procs["params"]]
    assert np.isnan(procs["mean_test_score"][failed]).all()  # as on threads
    assert np.isfinite(procs["mean_test_score"][np.logical_not(failed)]).all()
    # the refitted model is the caller's own memory; the pool's shared memory (one
    # directory, reused by every run) lives as long as the pool
    best = results["processes"].best_estimator_
    assert best[-1].coef_.flags.writeable and best["pca"].components_.flags.writeable
    np.testing.assert_array_equal(best.predict(X), results["threads"].best_estimator_.predict(X))
    assert set(_leftover_directories()) - before == {processes._POOL["directory"]}
    processes.shutdown_pool()
    assert set(_leftover_directories()) <= before


def test_cross_validate_in_processes_returns_private_estimators(data):
    X, y = data
    with dask.config.set(scheduler="threads"):
        expected = cross_validate(Ridge(alpha=0.5), X, y, cv=3)
    with dask.config.set(scheduler="processes"):
        out = cross_validate(Ridge(alpha=0.5), X, y, cv=3, return_estimator=True)
    np.testing.assert_array_equal(out["test_score"], expected["test_score"])
    assert all(est.coef_.flags.writeable for est in out["estimator"])


def _sent_bytes(registry) -> int:
    """Bytes copied into ``registry``'s segments in its current run."""
    segments = registry.segments
    return sum(len(whole) for *_, whole in segments.segments[: segments.index]) + segments.offset


def test_an_array_crosses_once_and_its_views_travel_by_reference(tmp_path):
    """Within a run: the same array twice is one copy; a loaded array's slice is no new copy."""
    registry = processes._Registry(str(tmp_path))
    X = np.arange(2 * processes.SHARED_MIN_BYTES // 8, dtype=np.float64).reshape(-1, 4)
    small = np.arange(10.0)
    with processes._run(registry):
        first = processes.dumps({"X": X, "again": X, "small": small})
        assert len(os.listdir(tmp_path)) == 1 and _sent_bytes(registry) == X.nbytes
        loaded = processes.loads(first)
        np.testing.assert_array_equal(loaded["X"], X)
        np.testing.assert_array_equal(loaded["small"], small)
        assert not loaded["X"].flags.writeable  # read-only, as joblib maps arrays
        view = loaded["X"][len(X) // 2 :]
        second = processes.dumps(view)
        assert _sent_bytes(registry) == X.nbytes
        np.testing.assert_array_equal(processes.loads(second), view)
        copy = processes.private_copy(loaded)
        assert copy["X"].flags.writeable and copy["X"] is not loaded["X"]


def test_the_next_run_writes_over_the_same_segments(tmp_path, monkeypatch):
    """A run rewinds the segments: no new file, arrays larger than a segment get their own."""
    monkeypatch.setattr(processes, "SEGMENT_BYTES", 3 * processes.SHARED_MIN_BYTES)
    registry = processes._Registry(str(tmp_path))
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=n * processes.SHARED_MIN_BYTES // 8) for n in (2, 2, 4)]
    for run in range(2):
        sent = [a + run for a in arrays]
        with processes._run(registry):
            loaded = processes.loads(processes.dumps(sent))
            for got, expected in zip(loaded, sent, strict=True):
                np.testing.assert_array_equal(got, expected)
        assert len(os.listdir(tmp_path)) == 3  # 2 MiB, then 2 + 4 MiB did not fit: 3 segments
