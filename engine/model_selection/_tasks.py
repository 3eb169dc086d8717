"""Functions that run inside Dask tasks during a search or a cross-validation.

Each task is pure: it receives concrete NumPy/pandas blocks and estimator
templates and returns a small result. BLAS/OpenMP threads are limited to one
per task (:func:`single_blas_thread`) so that the scheduler's threads never
oversubscribe the cores.

Failures follow scikit-learn's ``error_score`` rules, unless
``error_score="raise"``: a failing fit (of any pipeline step) is caught and
returned as a :class:`Failure` that downstream tasks pass on, and every score
of that (candidate, fold) is ``error_score`` (a fit failure, reported with a
``FitFailedWarning``); when the fit succeeded but transforming the test (or
training-score) rows or a scorer fails, that score alone is ``error_score``
and the traceback is kept (scikit-learn's "Scoring failed" warning).
Estimators are always fitted as clones with cloned parameter values
(:func:`configured`), so a user's objects are never fitted or changed.
"""

from __future__ import annotations

import numbers
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone

from engine.data import single_blas_thread


@dataclass
class Failure:
    """A fit or transform that raised: its formatted traceback travels to the result."""

    message: str


def _raise_or_fail(error_score: Any) -> Failure:
    """Inside ``except``: re-raise for ``error_score="raise"``, else the traceback as a Failure."""
    if isinstance(error_score, str) and error_score == "raise":
        raise
    return Failure(traceback.format_exc())


def configured(template: Any, params: dict) -> Any:
    """A clone of ``template`` with ``params`` set, estimators among the values cloned too.

    scikit-learn's rule (``clone(parameters, safe=False)``): the template and
    any estimator given as a value in a search space stay untouched.
    """
    return clone(template).set_params(**clone(params, safe=False))


@dataclass
class Fold:
    """Training and test rows of one split (``*_score`` inputs feed train scores).

    ``X_test`` and ``X_train_score`` are a :class:`Failure` when a fitted
    pipeline step could not transform them: their scores become ``error_score``.
    """

    X_train: Any
    y_train: Any
    X_test: Any
    y_test: Any
    X_train_score: Any
    fit_time: float = 0.0
    fitted: tuple = ()  # ((step name, fitted transformer), ...) of the prefix


def take_rows(X: Any, idx: np.ndarray) -> Any:
    """Select rows ``idx`` of NumPy, pandas, sparse or list input."""
    if X is None:
        return None
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    if hasattr(X, "shape"):
        return X[idx]
    return [X[i] for i in idx]


def concat_blocks(blocks: list) -> Any:
    """Concatenate row blocks (NumPy, pandas or scipy.sparse) into one in-memory object."""
    first = blocks[0]
    if hasattr(first, "iloc"):
        import pandas as pd

        return pd.concat(blocks)
    if hasattr(first, "tocsr"):
        import scipy.sparse as sp

        return sp.vstack(blocks, format=first.format)
    return np.concatenate(blocks, axis=0)


def select_fold(
    X: Any, y: Any, train: np.ndarray, test: np.ndarray, want_train_score: bool
) -> Fold:
    """Cut one split out of the data (runs once per fold, shared by all candidates)."""
    X_train = take_rows(X, train)
    return Fold(
        X_train,
        take_rows(y, train),
        take_rows(X, test),
        take_rows(y, test),
        X_train if want_train_score else None,
    )


def fit_transform_step(
    prev: Fold | Failure, name: str, step: Any, params: dict, fit_params: dict, error_score: Any
) -> Fold | Failure:
    """Fit one pipeline transformer on the previous step's output and transform both sides."""
    if isinstance(prev, Failure):
        return prev
    with single_blas_thread():
        start = time.perf_counter()
        try:
            est = configured(step, params)
            X_train = est.fit_transform(prev.X_train, prev.y_train, **fit_params)
        except Exception:
            return _raise_or_fail(error_score)
        fit_time = prev.fit_time + time.perf_counter() - start
        X_test = _transform(est, prev.X_test, error_score)
        X_train_score = (
            None if prev.X_train_score is None else _transform(est, prev.X_train_score, error_score)
        )
    return Fold(
        X_train,
        prev.y_train,
        X_test,
        prev.y_test,
        X_train_score,
        fit_time,
        (*prev.fitted, (name, est)),
    )


def _transform(est: Any, X: Any, error_score: Any) -> Any:
    """``est.transform(X)``; a Failure (passed on) when ``X`` is one or the transform raises."""
    if isinstance(X, Failure):
        return X
    try:
        return est.transform(X)
    except Exception:
        return _raise_or_fail(error_score)


def _one_score(est: Any, scorer: Any, X: Any, y: Any, params: dict) -> Any:
    """As scikit-learn's ``_score``: ``None`` means ``est.score``; no ``y`` is not passed."""
    if scorer is None:
        return est.score(X, **params) if y is None else est.score(X, y, **params)
    return scorer(est, X, **params) if y is None else scorer(est, X, y, **params)


def _as_number(value: Any, name: str) -> float:
    if hasattr(value, "item"):
        value = value.item()
    if not isinstance(value, numbers.Number):
        raise ValueError(
            f"scoring must return a number, got {value!r} ({type(value)}) instead. (scorer={name})"
        )
    return float(value)


def score_all(
    est: Any, scorers: dict, X: Any, y: Any, error_score: Any, params: dict | None = None
) -> tuple[dict, list]:
    """Every scorer's value on ``(X, y)`` and the tracebacks of those that failed.

    ``None`` as a scorer means ``est.score``; ``params`` holds each scorer's
    routed parameters by name (already cut to these rows). As scikit-learn's
    ``_score``: a scorer that raises (or rows a pipeline step could not
    transform) gives ``error_score`` for that metric, unless
    ``error_score="raise"``; a callable returning a dict gives one metric per
    key; anything else than numbers is a ``ValueError``.
    """
    if isinstance(X, Failure):
        return dict.fromkeys(scorers, float(error_score)), [X.message] * len(scorers)
    out, errors = {}, []
    for name, scorer in scorers.items():
        try:
            value = _one_score(est, scorer, X, y, (params or {}).get(name, {}))
        except Exception:
            errors.append(_raise_or_fail(error_score).message)
            out[name] = float(error_score)
            continue
        if isinstance(value, Mapping) and list(scorers) == ["score"]:
            out.update({key: _as_number(v, key) for key, v in value.items()})
        else:
            out[name] = _as_number(value, name)
    return out, errors


def fit_and_score(
    prev: Fold | Failure,
    estimator: Any,
    params: dict,
    fit_params: dict,
    scorers: dict,
    error_score: Any,
    return_estimator: Any = None,
    score_params: tuple = ({}, {}),
) -> dict:
    """Fit the last step on the fold's (transformed) training rows and score it.

    ``return_estimator`` is ``None`` or ``(template, params)``: the fitted
    estimator is then returned (a Pipeline rebuilt from the fitted prefix).
    ``score_params`` is the scorers' routed parameters cut to the (test,
    train) rows.
    Returns ``{"test": {name: score}, "train": {...} or None, "fit_time",
    "score_time", "error": fit traceback or None, "score_errors": [scoring
    tracebacks], "estimator": fitted or None}``.
    """
    names = list(scorers)
    if isinstance(prev, Failure):
        return _failed(prev.message, names, error_score, prev)
    with single_blas_thread():
        start = time.perf_counter()
        try:
            est = configured(estimator, params)
            est.fit(prev.X_train, prev.y_train, **fit_params)
        except Exception:
            return _failed(_raise_or_fail(error_score).message, names, error_score, prev)
        fit_time = prev.fit_time + time.perf_counter() - start
        start = time.perf_counter()
        test, errors = score_all(
            est, scorers, prev.X_test, prev.y_test, error_score, score_params[0]
        )
        score_time = time.perf_counter() - start
        train = None
        if prev.X_train_score is not None:
            train, train_errors = score_all(
                est, scorers, prev.X_train_score, prev.y_train, error_score, score_params[1]
            )
            errors += train_errors
    return {
        "test": test,
        "train": train,
        "fit_time": fit_time,
        "score_time": score_time,
        "error": None,
        "score_errors": errors,
        "estimator": _assemble(est, prev, return_estimator),
    }


def _assemble(est: Any, prev: Fold, spec: Any) -> Any:
    if spec is None:
        return None
    template, params = spec
    if not hasattr(template, "steps"):
        return est
    full = configured(template, params)
    fitted = dict(prev.fitted)
    last = full.steps[-1][0]
    full.steps = [(n, est if n == last else fitted.get(n, s)) for n, s in full.steps]
    return full


def _failed(message: str, names: list, error_score: Any, prev: Any) -> dict:
    value = float(error_score)
    scores = dict.fromkeys(names, value)
    train = dict(scores) if getattr(prev, "X_train_score", None) is not None else None
    return {
        "test": scores,
        "train": train,
        "fit_time": 0.0,
        "score_time": 0.0,
        "error": message,
        "score_errors": [],
        "estimator": None,
    }
