"""Incremental against dask-ml's and a hand-written partial_fit loop: the same model, bit for bit."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from dask_ml.wrappers import Incremental as DaskMLIncremental
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from engine.models import Incremental
from tests.conftest import ROW_CHUNKINGS

N_ROWS = 84


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((N_ROWS, 3))
    labels = np.array(["a", "b", "c"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)]
    return X, labels


@parametrize_with_checks([Incremental(SGDRegressor(random_state=0), random_state=0)])
def test_scikit_learn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("n_blocks", ROW_CHUNKINGS)
def test_same_model_as_dask_ml_and_a_partial_fit_loop(data, n_blocks):
    X, labels = data
    rows = N_ROWS // n_blocks
    Xd, yd = da.from_array(X, chunks=(rows, 3)), da.from_array(labels, chunks=rows)
    ours = Incremental(SGDClassifier(random_state=0), random_state=7).fit(Xd, yd)
    theirs = DaskMLIncremental(SGDClassifier(random_state=0), random_state=7).fit(
        Xd, yd, classes=np.unique(labels)
    )
    np.testing.assert_array_equal(ours.coef_, theirs.coef_)
    loop = SGDClassifier(random_state=0)
    for i in ours.block_order_:  # seeded, one partial_fit per block
        part = slice(i * rows, (i + 1) * rows)
        loop.partial_fit(X[part], labels[part], classes=np.unique(labels))
    np.testing.assert_array_equal(ours.coef_, loop.coef_)
    assert sorted(ours.block_order_) == list(range(n_blocks))
    assert list(ours.classes_) == ["a", "b", "c"]  # found on the Dask target in one pass


def test_frames_schedulers_and_lazy_predictions(data):
    X, labels = data
    frame = pd.DataFrame(X, columns=["p", "q", "r"])
    Xd = dd.from_pandas(frame, npartitions=4)
    yd = dd.from_pandas(pd.Series(labels), npartitions=4)
    models = {}
    for scheduler in ("sync", "threads"):
        with dask.config.set(scheduler=scheduler):
            models[scheduler] = Incremental(SGDClassifier(random_state=0), random_state=3).fit(
                Xd, yd
            )
    np.testing.assert_array_equal(models["sync"].coef_, models["threads"].coef_)
    model = models["sync"]
    assert list(model.feature_names_in_) == ["p", "q", "r"]
    proba = model.decision_function(Xd[["r", "p", "q"]])  # reordered back by name
    assert isinstance(proba, dd.DataFrame) and list(proba.columns) == ["a", "b", "c"]
    np.testing.assert_array_equal(
        proba.compute().to_numpy(), model.estimator_.decision_function(frame)
    )


def test_partial_fit_continues_and_fit_restarts(data):
    X, labels = data
    Xd, yd = da.from_array(X, chunks=(21, 3)), da.from_array(labels, chunks=21)
    model = Incremental(SGDClassifier(random_state=0), shuffle_blocks=False)
    model.partial_fit(Xd, yd).partial_fit(Xd, yd)
    loop = clone(model.estimator)
    for _ in range(2):
        for start in range(0, N_ROWS, 21):
            loop.partial_fit(
                X[start : start + 21], labels[start : start + 21], classes=["a", "b", "c"]
            )
    np.testing.assert_array_equal(model.coef_, loop.coef_)
    once = clone(model).fit(Xd, yd)
    assert not np.array_equal(once.coef_, model.coef_)


def test_blocks_must_match(data):
    X, labels = data
    with pytest.raises(ValueError, match="same row chunks"):
        Incremental(SGDClassifier()).fit(
            da.from_array(X, chunks=(21, 3)), da.from_array(labels, chunks=42)
        )
