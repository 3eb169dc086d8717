"""HyperbandSearchCV: bracket schedule, incremental training on blocks, patience, schedulers."""

from __future__ import annotations

import copy

import dask
import dask.array as da
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression, SGDClassifier

from engine.model_selection import HyperbandSearchCV
from engine.model_selection._incremental import BlockPlan
from engine.model_selection._schedule import hyperband_brackets as brackets

SPACE = {"alpha": loguniform(1e-6, 1.0), "penalty": ["l2", "l1"]}


@pytest.fixture(scope="module")
def data():
    return make_classification(1200, 6, random_state=0)


def _search(**kw):
    base = dict(max_iter=9, random_state=0, block_size=100)
    return HyperbandSearchCV(SGDClassifier(random_state=0, tol=None), SPACE, **{**base, **kw})


def test_bracket_schedule_is_hyperbands():
    assert [(s, n) for s, n, _ in brackets(81, 3)] == [(4, 81), (3, 34), (2, 15), (1, 8), (0, 5)]
    assert [r for *_, r in brackets(81, 3)] == pytest.approx([1, 3, 9, 27, 81])


def test_incremental_training_is_reproducible_by_hand(data):
    X, y = data
    s = _search().fit(X, y)
    res = s.cv_results_
    assert res["partial_fit_calls"].max() == 9 and (res["partial_fit_calls"] <= 9).all()
    assert s.metadata_["n_models"] == sum(n for _, n, _ in brackets(9, 3)) == len(res["params"])
    assert s.best_score_ == np.nanmax(res["test_score"])
    # retrain the best model by hand on the same block sequence
    plan = BlockPlan(X, y, 0.15, 100, 0)
    (X_val, y_val), *train = dask.compute(plan.validation, *plan.train)
    model = SGDClassifier(random_state=0, tol=None).set_params(**s.best_params_)
    for call in range(res["partial_fit_calls"][s.best_index_]):
        Xb, yb = train[plan.block_at(call)]
        model.partial_fit(Xb, yb, classes=np.unique(y))
    assert model.score(X_val, y_val) == s.best_score_
    np.testing.assert_array_equal(model.coef_, s.best_estimator_.coef_)
    np.testing.assert_array_equal(s.predict(X), model.predict(X))


def test_dask_blocks_and_distributed_give_same_result(data, cluster_client):
    X, y = data
    ref = _search().fit(X, y)
    Xd, yd = da.from_array(X, chunks=(100, -1)), da.from_array(y, chunks=100)
    lazy = _search().fit(Xd, yd)
    with dask.config.set(scheduler=cluster_client):
        remote = _search().fit(Xd, yd)
    for other in (lazy, remote):
        np.testing.assert_array_equal(
            other.cv_results_["test_score"], ref.cv_results_["test_score"]
        )
        assert other.best_params_ == ref.best_params_


def test_patience_stops_models_early(data):
    X, y = data
    full = _search().fit(X, y)
    early = _search(patience=2, tol=0.05).fit(X, y)
    assert early.cv_results_["stopped_early"].any()
    assert early.metadata_["partial_fit_calls"] < full.metadata_["partial_fit_calls"]
    assert len(early.history_) > len(early.cv_results_["params"])  # scored after every call


def test_patience_true_is_dask_mls_automatic_value(data):
    X, y = data
    auto = _search(patience=True, tol=0.05).fit(X, y)  # max(max_iter // aggressiveness, 1) = 3
    three = _search(patience=3, tol=0.05).fit(X, y)
    np.testing.assert_array_equal(auto.cv_results_["test_score"], three.cv_results_["test_score"])
    np.testing.assert_array_equal(
        auto.cv_results_["partial_fit_calls"], three.cv_results_["partial_fit_calls"]
    )


def test_samples_budget(data):
    X, y = data
    s = _search(max_iter=2000, budget="samples").fit(X, y)
    seen = s.cv_results_["n_samples_seen"]
    assert seen.max() >= 2000 and seen.max() < 2000 + 100


def test_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="partial_fit"):
        HyperbandSearchCV(LogisticRegression(), {"C": [1.0]}).fit(X, y)
    with pytest.raises(ValueError, match="budget"):
        _search(budget="epochs").fit(X, y)
    with pytest.raises(ValueError, match="'alfa'"):
        HyperbandSearchCV(SGDClassifier(), {"alfa": [1.0]}).fit(X, y)
    with pytest.raises(ValueError, match="test_size"):
        _search(test_size=0.0).fit(X, y)
    with pytest.raises(ValueError, match="less than one training block"):
        _search(max_iter=10, budget="samples").fit(X, y)
    assert copy.deepcopy(_search()).get_params()["max_iter"] == 9
