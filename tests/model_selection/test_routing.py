"""Metadata routing, dict-returning scorers and scikit-learn's checks: the searches and
cross_validate against scikit-learn's on the same data and splits."""

import numpy as np
import pytest
import sklearn
import sklearn.model_selection as skms
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, make_scorer, recall_score

from engine.model_selection import GridSearchCV, cross_validate

CV = skms.KFold(2, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(60, 4, random_state=0)
    weights = np.random.default_rng(0).integers(1, 5, len(y)).astype(float)
    return X, y, weights


def _pair(grid_kwargs, X, y, **fit_params):
    ours = GridSearchCV(cv=CV, **grid_kwargs).fit(X, y, **fit_params)
    ref = skms.GridSearchCV(cv=CV, **grid_kwargs).fit(X, y, **fit_params)
    return ours, ref


def _same_test_scores(ours, ref, names=("score",)):
    for name in names:
        for key in (f"split0_test_{name}", f"split1_test_{name}", f"rank_test_{name}"):
            assert_allclose(ours.cv_results_[key], ref.cv_results_[key], rtol=1e-12)


def _dict_scorer(est, X, y):
    pred = est.predict(X)
    return {"acc": accuracy_score(y, pred), "rec": recall_score(y, pred)}


def _unweighted_acc(y, pred):
    return accuracy_score(y, pred)


def _weighted_acc(y, pred, sample_weight=None):
    return accuracy_score(y, pred, sample_weight=sample_weight)


def test_sample_weight_without_routing_goes_to_fit_and_accepting_scorers(data):
    X, y, w = data
    kwargs = dict(
        estimator=LogisticRegression(),
        param_grid={"C": [0.1, 1.0]},
        scoring={"wacc": make_scorer(_weighted_acc), "acc": make_scorer(_unweighted_acc)},
        refit="wacc",
    )
    ours, ref = _pair(kwargs, X, y, sample_weight=w)
    _same_test_scores(ours, ref, ("wacc", "acc"))
    # the weights reached the scorer: weighted and unweighted accuracies differ
    assert not np.allclose(ours.cv_results_["mean_test_wacc"], ours.cv_results_["mean_test_acc"])
    with pytest.warns(UserWarning, match=r"The scoring acc=.* does not support sample_weight"):
        GridSearchCV(cv=CV, **kwargs).fit(X, y, sample_weight=w)


def test_routing_on_as_sklearn(data):
    X, y, w = data
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(_weighted_acc).set_score_request(sample_weight=True)
        est = LogisticRegression().set_fit_request(sample_weight=False)
        kwargs = dict(estimator=est, param_grid={"C": [0.1, 1.0]}, scoring=scorer)
        ours, ref = _pair(kwargs, X, y, sample_weight=w)
        _same_test_scores(ours, ref)
        unweighted = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=CV).fit(X, y)
        assert not np.allclose(
            ours.cv_results_["mean_test_score"], unweighted.cv_results_["mean_test_score"]
        )
        # an unrequested parameter is refused as scikit-learn refuses it
        plain = dict(estimator=LogisticRegression(), param_grid={"C": [1.0]})
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            skms.GridSearchCV(cv=CV, **plain).fit(X, y, sample_weight=w)
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            GridSearchCV(cv=CV, **plain).fit(X, y, sample_weight=w)
        ours_cv = cross_validate(est, X, y, cv=CV, scoring=scorer, params={"sample_weight": w})
        ref_cv = skms.cross_validate(est, X, y, cv=CV, scoring=scorer, params={"sample_weight": w})
        assert_allclose(ours_cv["test_score"], ref_cv["test_score"], rtol=1e-12)
    # routing off: cross_validate gives the weights to fit only, as scikit-learn
    ours_cv = cross_validate(LogisticRegression(), X, y, cv=CV, params={"sample_weight": w})
    ref_cv = skms.cross_validate(LogisticRegression(), X, y, cv=CV, params={"sample_weight": w})
    assert_allclose(ours_cv["test_score"], ref_cv["test_score"], rtol=1e-12)


def test_callable_scorer_returning_a_dict_as_sklearn(data):
    X, y, _ = data
    kwargs = dict(
        estimator=LogisticRegression(), param_grid={"C": [0.01, 1.0]}, scoring=_dict_scorer
    )
    ours, ref = _pair({**kwargs, "refit": "rec"}, X, y)
    _same_test_scores(ours, ref, ("acc", "rec"))
    assert ours.multimetric_ and ours.best_index_ == ref.best_index_
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-12)
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        GridSearchCV(cv=CV, refit="nope", **kwargs).fit(X, y)
    ours_cv = cross_validate(LogisticRegression(), X, y, cv=CV, scoring=_dict_scorer)
    ref_cv = skms.cross_validate(LogisticRegression(), X, y, cv=CV, scoring=_dict_scorer)
    assert sorted(k for k in ours_cv if k.startswith("test_")) == ["test_acc", "test_rec"]
    for key in ("test_acc", "test_rec"):
        assert_allclose(ours_cv[key], ref_cv[key], rtol=1e-12)


def test_sklearn_checks_and_messages(data):
    X, y, _ = data
    search = GridSearchCV(LogisticRegression(), {"C": [1.0]}, cv=CV, n_jobs=4).fit(X, y)
    assert search.get_params()["n_jobs"] == 4
    with pytest.raises(ValueError, match="is only supported if enable_metadata_routing=True"):
        search.score(X, y, metadata=1)
    for bad, error, message in (
        (lambda r: 0.5, TypeError, "not an integer"),
        (lambda r: 3, IndexError, "out of range"),
    ):
        with pytest.raises(error, match=f"best_index_ (returned is|index) {message}"):
            GridSearchCV(LogisticRegression(), {"C": [1.0, 2.0]}, cv=CV, refit=bad).fit(X, y)
    no_refit = GridSearchCV(LogisticRegression(), {"C": [1.0]}, cv=CV, refit=False).fit(X, y)
    with pytest.raises(AttributeError, match="has no attribute 'predict'") as info:
        no_refit.predict(X)
    assert "`refit=False`. predict is available only after refitting" in str(info.value.__cause__)
    with pytest.raises(ValueError, match="No fits were performed"):
        GridSearchCV(LogisticRegression(), {"C": [1.0]}, cv=iter([])).fit(X, y)
    # an empty grid is one candidate with the estimator's own parameters, as scikit-learn
    assert GridSearchCV(LogisticRegression(), {}, cv=CV).fit(X, y).best_params_ == {}
