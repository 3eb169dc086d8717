"""Functions that run inside Dask tasks during a search or a cross-validation.

Each task is pure: it receives concrete NumPy/pandas blocks and estimator
templates and returns a small result. BLAS/OpenMP threads are limited to one
per task (:func:`single_blas_thread`) so that the scheduler's threads never
oversubscribe the cores. A failing fit is caught and returned as a
:class:`Failure` that downstream tasks pass on, unless ``error_score="raise"``.
"""

from __future__ import annotations

import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from threadpoolctl import ThreadpoolController

_LIMIT_LOCK = threading.Lock()
_LIMIT_STATE: dict[str, Any] = {"count": 0, "limiter": None, "controller": None}


def _controller() -> ThreadpoolController:
    if _LIMIT_STATE["controller"] is None:
        _LIMIT_STATE["controller"] = ThreadpoolController()
    return _LIMIT_STATE["controller"]


@contextmanager
def single_blas_thread():
    """Hold BLAS and OpenMP pools at one thread while a task runs.

    BLAS limits are process-wide, so concurrent tasks share one
    reference-counted limiter (the first one in sets it, the last one out
    restores it); OpenMP limits belong to the calling thread, so each task
    sets and restores its own.
    """
    controller = _controller()
    with _LIMIT_LOCK:
        if _LIMIT_STATE["count"] == 0:
            _LIMIT_STATE["limiter"] = controller.limit(limits=1, user_api="blas")
        _LIMIT_STATE["count"] += 1
    openmp = controller.limit(limits=1, user_api="openmp")
    try:
        yield
    finally:
        openmp.restore_original_limits()
        with _LIMIT_LOCK:
            _LIMIT_STATE["count"] -= 1
            if _LIMIT_STATE["count"] == 0:
                _LIMIT_STATE["limiter"].restore_original_limits()
                _LIMIT_STATE["limiter"] = None


@dataclass
class Failure:
    """A fit that raised: its formatted traceback travels to the result."""

    message: str


@dataclass
class Fold:
    """Training and test rows of one split (``*_score`` inputs feed train scores)."""

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
    """Concatenate row blocks (NumPy or pandas) into one in-memory object."""
    first = blocks[0]
    if hasattr(first, "iloc"):
        import pandas as pd

        return pd.concat(blocks)
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
            est = clone(step).set_params(**params)
            X_train = est.fit_transform(prev.X_train, prev.y_train, **fit_params)
        except Exception:
            if isinstance(error_score, str) and error_score == "raise":
                raise
            return Failure(traceback.format_exc())
        fit_time = prev.fit_time + time.perf_counter() - start
        X_test = est.transform(prev.X_test)
        X_train_score = None if prev.X_train_score is None else est.transform(prev.X_train_score)
    return Fold(
        X_train,
        prev.y_train,
        X_test,
        prev.y_test,
        X_train_score,
        fit_time,
        (*prev.fitted, (name, est)),
    )


def score_all(est: Any, scorers: dict, X: Any, y: Any) -> dict:
    """Evaluate every scorer; ``None`` as a scorer means ``est.score``."""
    out = {}
    for name, scorer in scorers.items():
        value = est.score(X, y) if scorer is None else scorer(est, X, y)
        out[name] = float(value)
    return out


def fit_and_score(
    prev: Fold | Failure,
    estimator: Any,
    params: dict,
    fit_params: dict,
    scorers: dict,
    error_score: Any,
    return_estimator: Any = None,
) -> dict:
    """Fit the last step on the fold's (transformed) training rows and score it.

    ``return_estimator`` is ``None`` or ``(template, params)``: the fitted
    estimator is then returned (a Pipeline rebuilt from the fitted prefix).
    Returns ``{"test": {name: score}, "train": {...} or None, "fit_time",
    "score_time", "error": message or None, "estimator": fitted or None}``.
    """
    names = list(scorers)
    if isinstance(prev, Failure):
        return _failed(prev.message, names, error_score, prev)
    with single_blas_thread():
        start = time.perf_counter()
        try:
            est = clone(estimator).set_params(**params)
            est.fit(prev.X_train, prev.y_train, **fit_params)
        except Exception:
            if isinstance(error_score, str) and error_score == "raise":
                raise
            return _failed(traceback.format_exc(), names, error_score, prev)
        fit_time = prev.fit_time + time.perf_counter() - start
        start = time.perf_counter()
        try:
            test = score_all(est, scorers, prev.X_test, prev.y_test)
        except Exception:
            if isinstance(error_score, str) and error_score == "raise":
                raise
            return _failed(traceback.format_exc(), names, error_score, prev)
        score_time = time.perf_counter() - start
        train = None
        if prev.X_train_score is not None:
            train = score_all(est, scorers, prev.X_train_score, prev.y_train)
    return {
        "test": test,
        "train": train,
        "fit_time": fit_time,
        "score_time": score_time,
        "error": None,
        "estimator": _assemble(est, prev, return_estimator),
    }


def _assemble(est: Any, prev: Fold, spec: Any) -> Any:
    if spec is None:
        return None
    template, params = spec
    if not hasattr(template, "steps"):
        return est
    full = clone(template).set_params(**params)
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
        "estimator": None,
    }
