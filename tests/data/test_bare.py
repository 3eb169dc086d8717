"""Bare estimators: arrays answered as the named frame is, checked on a probe row."""

import warnings

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from engine.data.internal import answers_arrays_alike, bare_estimator


def _data():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.standard_normal((200, 3)), columns=["a", "b", "c"])
    return X, np.where(X["a"] - X["c"] > 0, "yes", "no")


def _proba(estimator, X):
    return estimator.predict_proba(X)


def test_bare_copy_answers_arrays_silently_with_the_same_bits():
    X, y = _data()
    model = LogisticRegression().fit(X, y)
    bare = bare_estimator(model)
    assert answers_arrays_alike(model, bare, _proba, ["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = bare.predict_proba(X.to_numpy())
    np.testing.assert_array_equal(got, model.predict_proba(X))
    assert list(model.feature_names_in_) == ["a", "b", "c"]  # the fitted model keeps its names
    assert bare.coef_ is model.coef_  # parameters shared, not copied


def test_an_estimator_selecting_columns_by_name_needs_the_frame():
    X, y = _data()
    model = make_pipeline(
        make_column_transformer((StandardScaler(), ["a", "c"])), LogisticRegression()
    ).fit(X, y)
    assert not answers_arrays_alike(model, bare_estimator(model), _proba, ["a", "b", "c"])


def test_different_answers_are_not_alike_and_labels_compare():
    X, y = _data()
    model = LogisticRegression().fit(X, y)
    other = LogisticRegression(C=0.01).fit(X.to_numpy(), y)
    assert not answers_arrays_alike(model, other, _proba, ["a", "b", "c"])
    labels = lambda m, Z: m.predict(Z)  # noqa: E731 - string labels: compared without NaN rules
    assert answers_arrays_alike(model, bare_estimator(model), labels, ["a", "b", "c"])
