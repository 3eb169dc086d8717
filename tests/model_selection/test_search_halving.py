"""SuccessiveHalvingSearchCV: same rounds, subsamples and scores as scikit-learn's HalvingRandomSearchCV."""

from __future__ import annotations

import warnings

import dask
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import HalvingRandomSearchCV

from engine.model_selection import SuccessiveHalvingSearchCV

SPACE = {"C": loguniform(1e-3, 1e2)}
ATTRS = (
    "n_resources_",
    "n_candidates_",
    "n_remaining_candidates_",
    "max_resources_",
    "min_resources_",
    "n_iterations_",
    "n_possible_iterations_",
    "n_required_iterations_",
    "best_index_",
    "best_params_",
)


@pytest.fixture(scope="module")
def data():
    return make_classification(400, 6, random_state=0)


@pytest.mark.parametrize(
    "kw",
    [
        dict(n_candidates=9, cv=3, random_state=0),
        dict(n_candidates=10, factor=2, cv=3, random_state=1, min_resources="exhaust"),
        dict(
            n_candidates=12,
            cv=3,
            random_state=2,
            min_resources=20,
            aggressive_elimination=True,
            max_resources=200,
        ),
        dict(
            n_candidates=6,
            cv=3,
            random_state=0,
            resource="max_iter",
            max_resources=30,
            min_resources=3,
        ),
    ],
)
def test_matches_sklearn(data, kw):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, **kw).fit(X, y)
        ref = HalvingRandomSearchCV(LogisticRegression(), SPACE, **kw).fit(X, y)
    assert set(ours.cv_results_) == set(ref.cv_results_)
    for key in (
        "mean_test_score",
        "mean_train_score",
        "split2_test_score",
        "iter",
        "n_resources",
        "rank_test_score",
    ):
        np.testing.assert_allclose(
            ours.cv_results_[key], ref.cv_results_[key], rtol=1e-12, err_msg=key
        )
    for attr in ATTRS:
        assert getattr(ours, attr) == getattr(ref, attr), attr
    assert ours.best_score_ == pytest.approx(ref.best_score_, rel=1e-12)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_distributed_same_as_threads(data, cluster_client):
    X, y = data
    kw = dict(n_candidates=6, cv=3, random_state=0)
    local = SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, **kw).fit(X, y)
    with dask.config.set(scheduler=cluster_client):
        remote = SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, **kw).fit(X, y)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )


def test_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="both set to 'exhaust'"):
        SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, min_resources="exhaust").fit(X, y)
    with pytest.raises(ValueError, match="resource='n_iter'"):
        SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, resource="n_iter").fit(X, y)
    with pytest.raises(ValueError, match="only be 'n_samples'"):
        SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, resource="max_iter").fit(X, y)
    with pytest.raises(ValueError, match="factor"):
        SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, factor=1).fit(X, y)
    with pytest.raises(ValueError, match="part of the searched"):
        SuccessiveHalvingSearchCV(
            LogisticRegression(), {"max_iter": [5, 10]}, resource="max_iter", max_resources=20
        ).fit(X, y)
    with pytest.raises(ValueError, match="greater than"):
        SuccessiveHalvingSearchCV(LogisticRegression(), SPACE, min_resources=500).fit(X, y)
