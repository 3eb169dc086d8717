"""permutation_importance equals scikit-learn's, on NumPy, pandas, Dask and a real cluster."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import make_scorer, mean_absolute_error
from sklearn.utils.random import sample_without_replacement
from threadpoolctl import threadpool_info

from engine.inspection import permutation_importance
from engine.inspection._tasks import permutation_plan
from tests.conftest import ROW_CHUNKINGS

N = 120


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, 4))
    X[:, 2] = np.round(X[:, 2])  # ties in one column
    y_cls = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.8, size=N) > 0).astype(int)
    y_reg = 2.0 * X[:, 0] - X[:, 3] + rng.normal(scale=0.3, size=N)
    y_multi = np.digitize(X[:, 0] + rng.normal(scale=0.5, size=N), [-0.5, 0.5])
    weights = rng.uniform(0.5, 2.0, size=N)
    return X, y_cls, y_reg, y_multi, weights


@pytest.fixture(scope="module")
def models(data):
    X, y_cls, y_reg, y_multi, _ = data
    return {
        "logistic": (LogisticRegression().fit(X, y_cls), y_cls),
        "linear": (LinearRegression().fit(X, y_reg), y_reg),
        "multiclass": (LogisticRegression().fit(X, y_multi), y_multi),
        "forest": (RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y_cls), y_cls),
    }


CASES = [
    ("logistic", {}),
    ("logistic", {"scoring": "roc_auc"}),
    ("logistic", {"scoring": ["accuracy", "roc_auc", "neg_log_loss"]}),
    ("logistic", {"scoring": "balanced_accuracy", "max_samples": 0.5}),
    ("linear", {}),
    ("linear", {"scoring": "neg_mean_squared_error", "max_samples": 50, "weights": True}),
    ("linear", {"scoring": {"mae": make_scorer(mean_absolute_error), "r2": "r2"}}),
    ("multiclass", {"scoring": "neg_log_loss", "weights": True}),
    ("forest", {"scoring": "roc_auc", "max_samples": 0.7}),
]


def _kwargs(case_kwargs, weights):
    kwargs = dict(case_kwargs)
    if kwargs.pop("weights", False):
        kwargs["sample_weight"] = weights
    return kwargs


def _assert_same(expected, got, exact=True):
    if "importances" not in expected:
        assert set(expected) == set(got)
        for name in expected:
            _assert_same(expected[name], got[name], exact)
        return
    for key in ("importances", "importances_mean", "importances_std"):
        if exact:
            np.testing.assert_array_equal(got[key], expected[key])
        else:
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, atol=1e-14)
    assert got["importances"].shape == expected["importances"].shape


@pytest.mark.parametrize(("model", "case"), CASES)
@pytest.mark.parametrize("frame", [False, True], ids=["numpy", "pandas"])
def test_in_memory_identical_to_sklearn(data, models, model, case, frame):
    X, *_, weights = data
    estimator, y = models[model]
    if frame:
        X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
        y = pd.Series(y, name="target")
        estimator = clone(estimator).fit(X, y)
    kwargs = _kwargs(case, weights)
    expected = sk_permutation_importance(estimator, X, y, n_repeats=3, random_state=11, **kwargs)
    got = permutation_importance(estimator, X, y, n_repeats=3, random_state=11, **kwargs)
    _assert_same(expected, got)


def test_random_state_instance_consumed_like_sklearn(data, models):
    X, *_ = data
    estimator, y = models["logistic"]
    expected = sk_permutation_importance(
        estimator, X, y, n_repeats=2, random_state=np.random.RandomState(3)
    )
    got = permutation_importance(
        estimator, X, y, n_repeats=2, random_state=np.random.RandomState(3)
    )
    _assert_same(expected, got)
    assert not np.array_equal(
        got.importances,
        permutation_importance(estimator, X, y, n_repeats=2, random_state=4).importances,
    )


# Every case on one chunking (cycled), the first two cases on every chunking.
DASK_CASES = [
    (model, case, n_blocks)
    for i, (model, case) in enumerate(CASES)
    for n_blocks in (ROW_CHUNKINGS if i < 2 else [ROW_CHUNKINGS[i % len(ROW_CHUNKINGS)]])
]


@pytest.mark.parametrize(("model", "case", "n_blocks"), DASK_CASES)
def test_dask_array_equals_sklearn(data, models, model, case, n_blocks):
    X, *_, weights = data
    estimator, y = models[model]
    kwargs = _kwargs(case, weights)
    expected = sk_permutation_importance(estimator, X, y, n_repeats=3, random_state=5, **kwargs)
    chunk = -(-N // n_blocks)
    lazy_kwargs = dict(kwargs)
    if "sample_weight" in kwargs:
        lazy_kwargs["sample_weight"] = da.from_array(weights, chunks=chunk)
    got = permutation_importance(
        estimator,
        da.from_array(X, chunks=(chunk, 2)),
        da.from_array(y, chunks=chunk),
        n_repeats=3,
        random_state=5,
        **lazy_kwargs,
    )
    _assert_same(expected, got, exact=False)


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_dask_dataframe_equals_sklearn(data, models, n_blocks):
    X, *_ = data
    estimator = RandomForestClassifier(n_estimators=5, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    y = pd.Series(models["logistic"][1], name="target")
    estimator.fit(frame, y)
    for scoring in (None, "roc_auc"):
        expected = sk_permutation_importance(
            estimator, frame, y, scoring=scoring, n_repeats=2, random_state=0, max_samples=0.8
        )
        got = permutation_importance(
            estimator,
            dd.from_pandas(frame, npartitions=n_blocks),
            dd.from_pandas(y, npartitions=n_blocks),
            scoring=scoring,
            n_repeats=2,
            random_state=0,
            max_samples=0.8,
        )
        _assert_same(expected, got, exact=False)


def _picky_scorer(estimator, X, y):
    """Fails on a few rows (as a metric needing both classes would): tests the fallback."""
    if len(y) < N:
        raise ValueError("too few rows")
    return float(np.mean(estimator.predict_proba(X)[:, 1] * (2 * y - 1)))


def test_dask_discovery_fallback_computes_all_methods(data, models):
    X, *_ = data
    estimator, y = models["logistic"]
    expected = sk_permutation_importance(estimator, X, y, scoring=_picky_scorer, random_state=2)
    got = permutation_importance(
        estimator,
        da.from_array(X, chunks=(40, 4)),
        da.from_array(y, chunks=40),
        scoring=_picky_scorer,
        random_state=2,
    )
    _assert_same(expected, got, exact=False)


def test_lazy_target_with_in_memory_X(data, models):
    X, *_ = data
    estimator, y = models["linear"]
    expected = sk_permutation_importance(estimator, X, y, random_state=1)
    got = permutation_importance(estimator, X, da.from_array(y, chunks=50), random_state=1)
    _assert_same(expected, got)


@pytest.mark.cluster
def test_distributed_scheduler_identical(data, models, cluster_client):
    X, *_, weights = data
    estimator, y = models["multiclass"]
    Xd = da.from_array(X, chunks=(45, 4))
    yd = da.from_array(y, chunks=45)
    kwargs = {"scoring": ["accuracy", "neg_log_loss"], "n_repeats": 2, "random_state": 9}
    local = permutation_importance(estimator, Xd, yd, **kwargs)
    local_numpy = permutation_importance(estimator, X, y, **kwargs)
    with dask.config.set(scheduler=cluster_client):
        remote = permutation_importance(estimator, Xd, yd, **kwargs)
        remote_numpy = permutation_importance(estimator, X, y, **kwargs)
    _assert_same(local, remote)
    _assert_same(local_numpy, remote_numpy)
    _assert_same(sk_permutation_importance(estimator, X, y, **kwargs), remote_numpy)


def test_schedulers_bit_identical(data, models):
    X, *_ = data
    estimator, y = models["forest"]
    Xd = da.from_array(X, chunks=(30, 4))
    yd = da.from_array(y, chunks=30)
    results = []
    for scheduler in ("sync", "threads"):
        with dask.config.set(scheduler=scheduler):
            results.append(permutation_importance(estimator, Xd, yd, n_repeats=2, random_state=0))
    _assert_same(results[0], results[1])


def test_blas_threads_restored(data, models):
    X, *_ = data
    estimator, y = models["logistic"]
    before = [info["num_threads"] for info in threadpool_info()]
    with dask.config.set(scheduler="threads"):
        permutation_importance(estimator, X, y, n_repeats=2, random_state=0)
    assert [info["num_threads"] for info in threadpool_info()] == before


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_repeats": 0}, "n_repeats"),
        ({"max_samples": 1.5}, "max_samples"),
        ({"max_samples": N + 1}, "max_samples"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_bad_parameters(data, models, kwargs, match):
    X, *_ = data
    estimator, y = models["logistic"]
    with pytest.raises(ValueError, match=match):
        permutation_importance(estimator, X, y, **kwargs)


def test_estimator_without_fit(data):
    X, y_cls, *_ = data
    with pytest.raises(ValueError, match="estimator"):
        permutation_importance(object(), X, y_cls)


def test_dask_default_scoring_needs_standard_score(data, models):
    X, *_ = data
    base, y = models["linear"]

    class Custom(LinearRegression):
        def score(self, X, y, sample_weight=None):
            return 0.0

    estimator = Custom().fit(X, y)
    with pytest.raises(ValueError, match="pass scoring explicitly"):
        permutation_importance(estimator, da.from_array(X, chunks=(60, 4)), y)


class _RecordingScheduler:
    """A synchronous scheduler that remembers the keys of every graph it runs."""

    def __init__(self):
        self.keys: list[set] = []

    def __call__(self, dsk, keys, **kwargs):
        graph = dsk.__dask_graph__() if hasattr(dsk, "__dask_graph__") else dsk
        self.keys.append({str(k) for k in dict(graph)})
        return dask.get(dsk, keys, **kwargs)


@pytest.mark.parametrize("lazy", [False, True], ids=["numpy", "dask"])
def test_one_task_per_feature_and_repeat_with_deterministic_keys(data, models, lazy):
    X, *_ = data
    estimator, y = models["logistic"]
    if lazy:
        X, y = da.from_array(X, chunks=(40, 4)), da.from_array(y, chunks=40)
    recorder = _RecordingScheduler()
    with dask.config.set(scheduler=recorder):
        first = permutation_importance(estimator, X, y, n_repeats=3, random_state=0)
        second = permutation_importance(estimator, X, y, n_repeats=3, random_state=0)
        permutation_importance(estimator, X, y, n_repeats=3, random_state=1)
    _assert_same(first, second)
    assert len(recorder.keys) == 3
    assert recorder.keys[0] == recorder.keys[1]
    assert recorder.keys[0] != recorder.keys[2]
    scores = [k for k in recorder.keys[0] if k.startswith("pi-score-")]
    assert len(scores) == 4 * 3


@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(1, 40),
    n_repeats=st.integers(1, 4),
    fraction=st.floats(0.05, 1.0),
)
def test_plan_reproduces_sklearn_in_place_shuffles(seed, n, n_repeats, fraction):
    """The accumulated permutations equal what scikit-learn's in-place loop leaves in a column."""
    max_samples = max(1, int(fraction * n))
    rows, perms = permutation_plan(seed, n, n_repeats, max_samples)
    column = np.arange(n, dtype=float) * 10.0
    random_state = np.random.RandomState(seed)
    if max_samples < n:
        expected_rows = sample_without_replacement(n, max_samples, random_state=random_state)
        np.testing.assert_array_equal(rows, expected_rows)
        column = column[expected_rows]
    else:
        assert rows is None
    shuffling = np.arange(len(column))
    permuted = column.copy()
    for r in range(n_repeats):
        random_state.shuffle(shuffling)
        permuted = permuted[shuffling]
        np.testing.assert_array_equal(column[perms[r]], permuted)


def test_dask_empty_blocks_nan_and_constant_column():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(90, 3))
    X[::7, 1] = np.nan
    X[:, 2] = 1.5  # constant: importance exactly 0
    y = (np.nan_to_num(X[:, 1]) + X[:, 0] > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    expected = sk_permutation_importance(model, X, y, n_repeats=3, random_state=8)
    lazy_X = da.from_array(X, chunks=((40, 0, 50), (3,)))
    lazy_y = da.from_array(y, chunks=((40, 0, 50),))
    got = permutation_importance(model, lazy_X, lazy_y, n_repeats=3, random_state=8)
    _assert_same(expected, got, exact=False)
    np.testing.assert_array_equal(got.importances[2], 0.0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    pieces = [frame.iloc[:40], frame.iloc[:0], frame.iloc[40:]]
    parts = dd.from_delayed([dask.delayed(p) for p in pieces], meta=frame.iloc[:0])
    model_frame = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(frame, y)
    expected = sk_permutation_importance(model_frame, frame, y, n_repeats=2, random_state=1)
    got = permutation_importance(model_frame, parts, y, n_repeats=2, random_state=1)
    _assert_same(expected, got, exact=False)
