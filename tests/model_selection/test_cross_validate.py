"""cross_validate: parity with scikit-learn on NumPy, Dask and the distributed scheduler."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest
from sklearn import model_selection as skms
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from engine.model_selection import cross_validate


@pytest.fixture(scope="module")
def data():
    return make_classification(240, 6, random_state=2)


def _model():
    return make_pipeline(StandardScaler(), PCA(3), LogisticRegression())


def _check(ours, ref):
    assert set(ours) == set(ref)
    for key, value in ref.items():
        if key.endswith("_time") or key in ("estimator", "indices"):
            continue
        np.testing.assert_allclose(ours[key], value, rtol=1e-12, err_msg=key)


@pytest.mark.parametrize("scoring", [None, "roc_auc", ["accuracy", "f1"]])
def test_matches_sklearn(data, scoring):
    X, y = data
    kw = dict(
        cv=4, scoring=scoring, return_train_score=True, return_estimator=True, return_indices=True
    )
    ours = cross_validate(_model(), X, y, **kw)
    ref = skms.cross_validate(_model(), X, y, **kw)
    _check(ours, ref)
    for a, b in zip(ours["indices"]["test"], ref["indices"]["test"], strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(
        ours["estimator"][0].predict_proba(X), ref["estimator"][0].predict_proba(X)
    )


@pytest.mark.parametrize("chunks", [1, 3, 7])
def test_dask_input(data, chunks):
    X, y = data
    size = -(-len(X) // chunks)
    ours = cross_validate(
        _model(), da.from_array(X, chunks=(size, -1)), da.from_array(y, chunks=size), cv=3
    )
    _check(ours, skms.cross_validate(_model(), X, y, cv=3))


def test_distributed(data, cluster_client):
    X, y = data
    local = cross_validate(_model(), X, y, cv=3, scoring=["accuracy", "roc_auc"])
    with dask.config.set(scheduler=cluster_client):
        remote = cross_validate(_model(), X, y, cv=3, scoring=["accuracy", "roc_auc"])
    for key in ("test_accuracy", "test_roc_auc"):
        np.testing.assert_array_equal(remote[key], local[key])


def test_fit_params_are_sliced(data):
    X, y = data
    w = np.linspace(0.5, 2.0, len(y))
    ours = cross_validate(LogisticRegression(), X, y, cv=3, params={"sample_weight": w})
    ref = skms.cross_validate(LogisticRegression(), X, y, cv=3, params={"sample_weight": w})
    _check(ours, ref)


def test_dask_dataframe_input(data):
    import dask.dataframe as dd
    import pandas as pd

    X, y = data
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    target = pd.Series(y, name="y")
    ours = cross_validate(
        _model(), dd.from_pandas(frame, npartitions=3), dd.from_pandas(target, npartitions=3), cv=3
    )
    _check(ours, skms.cross_validate(_model(), frame, target, cv=3))
