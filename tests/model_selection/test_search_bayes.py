"""BayesSearchCV: batches, determinism, space conversion, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import loguniform, randint, uniform
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from engine.model_selection import BayesSearchCV


@pytest.fixture(scope="module")
def data():
    return make_classification(200, 6, random_state=0)


SPACE = {"C": (1e-3, 1e2, "log-uniform"), "fit_intercept": [True, False]}


def test_bayes_batches_deterministic_and_exact(data):
    X, y = data
    kw = dict(n_iter=7, batch_size=3, n_startup_trials=3, cv=3, random_state=0)
    a = BayesSearchCV(LogisticRegression(), SPACE, **kw).fit(X, y)
    b = BayesSearchCV(LogisticRegression(), SPACE, **kw).fit(X, y)
    assert len(a.cv_results_["params"]) == 7
    assert a.cv_results_["params"] == b.cv_results_["params"]
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )
    # each candidate's score is the plain cross-validation score of its parameters
    i = a.best_index_
    ref = cross_val_score(LogisticRegression(**a.cv_results_["params"][i]), X, y, cv=3).mean()
    assert a.best_score_ == pytest.approx(ref, rel=1e-12)
    assert a.best_score_ == a.cv_results_["mean_test_score"].max()
    for p in a.cv_results_["params"]:
        assert 1e-3 <= p["C"] <= 1e2 and p["fit_intercept"] in (True, False)


def test_bayes_scipy_distributions_and_default_batch(data):
    X, y = data
    space = {"C": loguniform(1e-2, 1e1), "tol": uniform(1e-4, 1e-3), "max_iter": randint(50, 60)}
    s = BayesSearchCV(LogisticRegression(), space, n_iter=3, cv=2, random_state=1).fit(X, y)
    for p in s.cv_results_["params"]:
        assert 1e-2 <= p["C"] <= 1e1 and 1e-4 <= p["tol"] <= 1.1e-3 and 50 <= p["max_iter"] <= 59


def test_bayes_errors(data):
    X, y = data
    with pytest.raises(ValueError, match="n_iter"):
        BayesSearchCV(LogisticRegression(), SPACE, n_iter=0).fit(X, y)
    with pytest.raises(ValueError, match="'CC'"):
        BayesSearchCV(LogisticRegression(), {"CC": (1.0, 2.0)}).fit(X, y)
    with pytest.raises(ValueError, match="empty list"):
        BayesSearchCV(LogisticRegression(), {"C": []}).fit(X, y)
    with pytest.raises(ValueError, match="not supported"):
        BayesSearchCV(LogisticRegression(), {"C": "big"}).fit(X, y)
    with pytest.raises(ValueError, match="low < high"):
        BayesSearchCV(LogisticRegression(), {"C": (2.0, 1.0)}).fit(X, y)
