"""Every task type in searches, scorers and cross_validate, as scikit-learn gives them.

Binary targets with string, boolean and ``{-1, 1}`` labels, multiclass string
labels and regression: the engine's ``GridSearchCV`` and ``cross_validate``
on NumPy and on Dask input (threads) give scikit-learn's results on the same
data (rtol=1e-12), with scorers that depend on the labels (``roc_auc``,
``f1`` with its positive label, ``neg_log_loss``, ``f1_macro``).
"""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from sklearn import model_selection as skms
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score, make_scorer
from sklearn.utils.multiclass import type_of_target as sk_type_of_target

from engine.metrics import type_of_target, unique_labels
from engine.model_selection import GridSearchCV, cross_validate

N = 120


def _binary(labels):
    X, codes = make_classification(N, 4, n_informative=3, n_redundant=0, random_state=3)
    return X, np.asarray(labels)[codes]


TARGETS = {
    "strings": lambda: _binary(np.array(["No", "Yes"], dtype=object)),
    "bools": lambda: _binary(np.array([False, True])),
    "minus-one-one": lambda: _binary(np.array([-1, 1])),
    "multiclass": lambda: (lambda X, c: (X, np.array(["bird", "cat", "dog"], dtype=object)[c]))(
        *make_classification(N, 4, n_informative=3, n_redundant=0, n_classes=3, random_state=4)
    ),
    "regression": lambda: make_regression(N, 4, noise=3.0, random_state=5),
}

# scorers depending on the labels; ``f1`` for the positive label the task names
SCORING = {
    "strings": {
        "acc": "accuracy",
        "auc": "roc_auc",
        "f1_yes": make_scorer(f1_score, pos_label="Yes"),
        "nll": "neg_log_loss",
    },
    "bools": ["accuracy", "roc_auc", "f1", "neg_log_loss"],
    "minus-one-one": ["accuracy", "roc_auc", "f1", "neg_log_loss"],
    "multiclass": ["accuracy", "f1_macro", "roc_auc_ovr", "neg_log_loss"],
    "regression": ["r2", "neg_mean_absolute_error"],
}


def _estimator_and_grid(kind):
    if kind == "regression":
        return Ridge(), {"alpha": [0.1, 10.0]}
    return LogisticRegression(), {"C": [0.1, 10.0]}


def _as_dask(X, y, kind, chunks=4):
    if kind == "strings":  # a DataFrame and a Series of strings
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
        return dd.from_pandas(frame, npartitions=chunks), dd.from_pandas(
            pd.Series(y, name="y"), npartitions=chunks
        )
    size = -(-len(X) // chunks)
    return da.from_array(X, chunks=(size, -1)), da.from_array(y, chunks=size)


def _assert_results_equal(ours: dict, ref: dict, prefixes=("split", "mean_", "std_", "rank_")):
    for key, value in ref.items():
        if key.startswith(prefixes) and not key.endswith("_time"):
            np.testing.assert_allclose(ours[key], value, rtol=1e-12, err_msg=key)


@pytest.mark.parametrize("kind", list(TARGETS))
def test_grid_search_every_task_type_as_sklearn(kind):
    X, y = TARGETS[kind]()
    est, grid = _estimator_and_grid(kind)
    scoring = SCORING[kind]
    refit = next(iter(scoring))
    kw = dict(cv=3, scoring=scoring, refit=refit)
    ref = skms.GridSearchCV(est, grid, **kw).fit(X, y)
    ours = GridSearchCV(est, grid, **kw).fit(X, y)
    _assert_results_equal(ours.cv_results_, ref.cv_results_)
    Xd, yd = _as_dask(X, y, kind)
    with dask.config.set(scheduler="threads"):
        lazy = GridSearchCV(est, grid, **kw).fit(Xd, yd)
    _assert_results_equal(lazy.cv_results_, ref.cv_results_)
    assert lazy.best_params_ == ref.best_params_
    if kind != "regression":
        np.testing.assert_array_equal(lazy.classes_, ref.classes_)
        X_fitted_kind = Xd.compute() if isinstance(Xd, dd.DataFrame) else X  # feature names
        np.testing.assert_array_equal(lazy.predict(X_fitted_kind), ref.predict(X))


@pytest.mark.parametrize("kind", ["strings", "multiclass", "regression"])
def test_cross_validate_every_task_type_as_sklearn(kind):
    X, y = TARGETS[kind]()
    est, _ = _estimator_and_grid(kind)
    kw = dict(cv=3, scoring=SCORING[kind], return_train_score=True)
    ref = skms.cross_validate(est, X, y, **kw)
    Xd, yd = _as_dask(X, y, kind, chunks=3)
    with dask.config.set(scheduler="threads"):
        ours = cross_validate(est, Xd, yd, **kw)
    for key, value in ref.items():
        if not key.endswith("_time"):
            np.testing.assert_allclose(ours[key], value, rtol=1e-12, err_msg=key)


@pytest.mark.parametrize("kind", list(TARGETS))
def test_classes_and_target_type_exact_on_dask(kind):
    X, y = TARGETS[kind]()
    _, yd = _as_dask(X, y, kind, chunks=5)
    assert type_of_target(yd) == sk_type_of_target(y)
    if kind != "regression":
        np.testing.assert_array_equal(unique_labels(yd), np.unique(y))
        for scheduler in ("sync", "threads"):
            with dask.config.set(scheduler=scheduler):
                np.testing.assert_array_equal(unique_labels(yd), np.unique(y))
