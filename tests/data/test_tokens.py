"""estimator_token: the one deterministic token of estimators and values."""

from __future__ import annotations

import threading

import numpy as np
from dask.base import tokenize
from scipy.stats import loguniform, randint
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler as SkStandardScaler

from engine.data import estimator_token
from engine.preprocessing import StandardScaler


def test_equal_class_parameters_and_state_give_equal_tokens():
    assert estimator_token(Ridge(alpha=2.0)) == estimator_token(Ridge(alpha=2.0))
    assert estimator_token(Ridge(alpha=2.0)) != estimator_token(Ridge(alpha=3.0))
    assert estimator_token(Ridge(alpha=2.0)) != estimator_token(Ridge(alpha=2))
    assert estimator_token(Ridge()) != estimator_token(LogisticRegression())
    inner = make_pipeline(SkStandardScaler(with_mean=False), Ridge())
    assert estimator_token(inner) != estimator_token(make_pipeline(SkStandardScaler(), Ridge()))


def test_fitted_state_is_part_of_the_token():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0)
    fitted, again = Ridge().fit(X, y), Ridge().fit(X, y)
    assert estimator_token(fitted) == estimator_token(again)
    assert estimator_token(fitted) != estimator_token(Ridge())
    assert estimator_token(fitted) != estimator_token(Ridge().fit(X, -y))
    assert estimator_token(make_pipeline(Ridge()).fit(X, y)) != estimator_token(
        make_pipeline(Ridge())
    )


def test_engine_estimators_tokenize_with_it():
    est = StandardScaler(with_mean=False)
    assert tokenize(est) == tokenize(StandardScaler(with_mean=False))
    assert tokenize(est) != tokenize(StandardScaler())
    assert est.__dask_tokenize__() == estimator_token(est)


def test_containers_and_plain_values():
    assert estimator_token({"b": [1, 2], "a": Ridge()}) == estimator_token(
        {"a": Ridge(), "b": [1, 2]}
    )
    assert estimator_token([1, 2]) != estimator_token((1, 2))
    assert estimator_token(True) != estimator_token(1)
    assert estimator_token(np.arange(3)) == estimator_token(np.arange(3))


def test_object_that_cannot_be_tokenized_gets_a_token_matching_nothing():
    lock = threading.Lock()
    assert estimator_token(lock) != estimator_token(lock)  # never mistaken, even for itself
    assert estimator_token({"a": lock}) != estimator_token({"a": lock})


def test_reference_cycles_terminate():
    model = Ridge()
    model.self_ = model
    assert estimator_token(model) == estimator_token(model)


def test_scipy_distributions_do_not_depend_on_the_global_random_state():
    """The global state (which differs in every process) must not enter the token: the
    checkpoint fingerprint of a random search has to survive a restart."""
    space = {"C": loguniform(1e-3, 1e2), "n": randint(1, 8)}
    before = estimator_token(space)
    np.random.random()  # noqa: NPY002 - advance the global state, as another process has its own
    assert estimator_token(space) == before
    assert before != estimator_token({"C": loguniform(1e-3, 1e1), "n": randint(1, 8)})
