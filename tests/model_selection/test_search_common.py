"""What every search promises, as scikit-learn's do: error_score coverage, the user's objects
untouched, nothing of the data kept on the fitted search."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn import model_selection as skms
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from engine.model_selection import (
    BayesSearchCV,
    GridSearchCV,
    HyperbandSearchCV,
    RandomizedSearchCV,
    SuccessiveHalvingSearchCV,
    cross_validate,
)

CV = KFold(3)  # 120 rows: training folds of 80 rows, test folds of 40


class FailsOnFewRows(StandardScaler):
    """Fits on any rows; refuses to transform fewer than 50 (every test fold)."""

    def transform(self, X, copy=None):
        if X.shape[0] < 50:
            raise ValueError("too few rows to transform")
        return super().transform(X, copy=copy)


class FailsOnManyRowsLater(StandardScaler):
    """Transforms its training rows while fitting; refuses 50 rows or more afterwards."""

    def fit_transform(self, X, y=None, **params):
        return StandardScaler.transform(self.fit(X), X)

    def transform(self, X, copy=None):
        if X.shape[0] >= 50:
            raise ValueError("too many rows to transform")
        return super().transform(X, copy=copy)


def refuses_small_c(estimator, X, y):
    if estimator.C < 0.5:
        raise RuntimeError("this scorer refuses small C")
    return estimator.score(X, y)


@pytest.fixture(scope="module")
def data():
    return make_classification(120, 5, random_state=0)


def _fit_recording(search, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    scoring = [str(w.message) for w in caught if "Scoring failed" in str(w.message)]
    fit_failed = [w for w in caught if issubclass(w.category, FitFailedWarning)]
    return scoring, fit_failed


def _same_scores(ours: dict, ref: dict) -> None:
    for key, value in ref.items():
        if key.startswith(("split", "mean_test", "mean_train", "std_test", "rank")):
            np.testing.assert_array_equal(ours[key], value, err_msg=key)


def _pipe(scaler):
    return Pipeline([("scale", scaler), ("clf", LogisticRegression())])


@pytest.mark.parametrize(
    ("scaler", "scoring", "refit", "reason"),
    [
        (FailsOnFewRows(), None, True, "too few rows"),
        (FailsOnFewRows(), ["accuracy", "balanced_accuracy"], "accuracy", "too few rows"),
        (FailsOnManyRowsLater(), None, True, "too many rows"),
    ],
    ids=["test-rows", "test-rows-two-metrics", "train-score-rows"],
)
def test_transform_failure_of_scored_rows_gives_error_score_as_sklearn(
    data, scaler, scoring, refit, reason
):
    X, y = data
    kw = dict(cv=CV, error_score=-1.0, return_train_score=True, scoring=scoring, refit=refit)
    grid = {"clf__C": [0.1, 1.0]}
    ours = GridSearchCV(_pipe(scaler), grid, **kw)
    ref = skms.GridSearchCV(_pipe(scaler), grid, **kw)
    our_warnings, our_fit_failed = _fit_recording(ours, X, y)
    ref_warnings, ref_fit_failed = _fit_recording(ref, X, y)
    _same_scores(ours.cv_results_, ref.cv_results_)
    assert len(our_warnings) == len(ref_warnings) > 0
    assert all(reason in message for message in our_warnings)
    assert not our_fit_failed and not ref_fit_failed  # the fits succeeded
    assert all(m is None for m in ours.error_messages_.ravel())
    assert ours.best_params_ == ref.best_params_


def test_cross_validate_transform_failure_as_sklearn(data):
    X, y = data
    kw = dict(cv=CV, error_score=-1.0, return_train_score=True)
    with pytest.warns(UserWarning, match="Scoring failed"):
        ours = cross_validate(_pipe(FailsOnFewRows()), X, y, **kw)
    with pytest.warns(UserWarning, match="Scoring failed"):
        ref = skms.cross_validate(_pipe(FailsOnFewRows()), X, y, **kw)
    for key in ("test_score", "train_score"):
        np.testing.assert_array_equal(ours[key], ref[key])
    assert (ours["test_score"] == -1.0).all()


def test_failing_scorer_gives_error_score_as_sklearn(data):
    X, y = data
    kw = dict(cv=CV, error_score=-1.0, scoring=refuses_small_c)
    ours = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, **kw)
    ref = skms.GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, **kw)
    our_warnings, _ = _fit_recording(ours, X, y)
    ref_warnings, _ = _fit_recording(ref, X, y)
    _same_scores(ours.cv_results_, ref.cv_results_)
    assert len(our_warnings) == len(ref_warnings) == 3
    assert "this scorer refuses small C" in our_warnings[0]
    assert ours.best_params_ == ref.best_params_ == {"C": 1.0}


def test_error_score_raise_and_non_numbers_raise_as_sklearn(data):
    X, y = data
    for search in (GridSearchCV, skms.GridSearchCV):
        with pytest.raises(ValueError, match="too few rows"):
            search(_pipe(FailsOnFewRows()), {"clf__C": [1.0]}, cv=CV, error_score="raise").fit(X, y)
        with pytest.raises(ValueError, match="scoring must return a number"):
            search(LogisticRegression(), {"C": [1.0]}, cv=CV, scoring=lambda e, X, y: "x").fit(X, y)


# each search with scikit-learn's counterpart, over a space holding a user's estimator
SEARCH_PAIRS = [
    (GridSearchCV, skms.GridSearchCV, dict(cv=2)),
    (RandomizedSearchCV, skms.RandomizedSearchCV, dict(n_iter=2, cv=2, random_state=0)),
    (
        SuccessiveHalvingSearchCV,
        skms.HalvingRandomSearchCV,
        dict(cv=2, min_resources=40, random_state=0),
    ),
]
# a shared-prefix pipeline and a one-step one: the two ways the engine builds the fits
USER_PIPELINES = {
    "prefix": (lambda: _pipe(StandardScaler()), "clf"),
    "whole": (lambda: make_pipeline(LogisticRegression()), "logisticregression"),
}


@pytest.mark.parametrize("shape", sorted(USER_PIPELINES))
@pytest.mark.parametrize("ours, theirs, kw", SEARCH_PAIRS, ids=["grid", "randomized", "halving"])
def test_estimators_in_the_space_are_cloned_as_sklearn(data, shape, ours, theirs, kw):
    """A user's LinearSVC given as a candidate value is never fitted or changed (issue 14)."""
    X, y = data
    make, step = USER_PIPELINES[shape]
    for search in (ours, theirs):
        svc = LinearSVC(C=5.0)
        space = {step: [svc], f"{step}__C": [0.01, 1.0]}
        fitted = search(make(), space, **kw).fit(X, y)
        assert svc.get_params()["C"] == 5.0, search
        assert not hasattr(svc, "coef_"), search
        assert fitted.best_estimator_.steps[-1][1] is not svc


def test_bayes_and_hyperband_leave_the_users_objects_alone(data):
    X, y = data
    svc = LinearSVC(C=5.0)
    BayesSearchCV(
        make_pipeline(LinearSVC()),
        {"linearsvc": [svc], "linearsvc__C": (0.01, 1.0)},
        n_iter=2,
        batch_size=2,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert svc.get_params()["C"] == 5.0 and not hasattr(svc, "coef_")
    sgd = SGDClassifier(alpha=0.5, random_state=0)
    HyperbandSearchCV(
        OneVsRestClassifier(SGDClassifier()),
        {"estimator": [sgd], "estimator__alpha": [1e-4, 1e-2]},
        max_iter=3,
        random_state=0,
        block_size=20,
    ).fit(X, y)
    assert sgd.get_params()["alpha"] == 0.5 and not hasattr(sgd, "coef_")


def test_cross_validate_leaves_the_users_objects_alone_as_sklearn(data):
    X, y = data
    for run in (cross_validate, skms.cross_validate):
        scaler, model = StandardScaler(), LogisticRegression(C=0.5)
        out = run(make_pipeline(scaler, model), X, y, cv=2, return_estimator=True)
        assert not hasattr(scaler, "mean_") and not hasattr(model, "coef_"), run
        assert all(e.steps[-1][1] is not model for e in out["estimator"])


@pytest.mark.parametrize(
    "search",
    [
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2),
        RandomizedSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=2, cv=2),
        BayesSearchCV(LogisticRegression(), {"C": (0.1, 1.0)}, n_iter=2, batch_size=2, cv=2),
        SuccessiveHalvingSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, random_state=0),
        HyperbandSearchCV(SGDClassifier(), {"alpha": [1e-4, 1e-2]}, max_iter=3, block_size=20),
    ],
    ids=lambda s: type(s).__name__,
)
def test_fitted_search_keeps_no_private_state(data, search):
    """Only parameters and fitted attributes (ending in _) stay: no y, folds or drawn candidates."""
    X, y = data
    search.fit(X, y)
    params = set(search.get_params(deep=False))
    assert [k for k in vars(search) if k not in params and not k.endswith("_")] == []


def test_pickled_search_does_not_grow_with_the_data():
    small, big = (
        make_classification(200, 5, random_state=0),
        make_classification(4000, 5, random_state=0),
    )
    sizes = [
        len(pickle.dumps(GridSearchCV(LogisticRegression(), {"C": [1.0]}, cv=2).fit(*d)))
        for d in (small, big)
    ]
    assert sizes[1] - sizes[0] < 200  # the labels alone of the big set would be 32 kB
