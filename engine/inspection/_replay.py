"""Let a scikit-learn scorer score predictions computed block by block elsewhere.

A scorer calls ``estimator.predict(X)`` (or ``predict_proba``,
``decision_function``...) and compares the answer with ``y``.  For Dask input
the predictions of every row block are computed where the block lives; the
scoring task then hands the scorer a :class:`ReplayEstimator` that answers
those calls with the concatenated predictions, and forwards everything else
(``classes_``, tags...) to the real estimator.  Only public scikit-learn
behaviour is relied on: scorers call the estimator's public methods.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, is_classifier, is_regressor
from sklearn.pipeline import Pipeline

RESPONSE_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


class ReplayEstimator:
    """Answer response-method calls with stored arrays; forward other attributes."""

    def __init__(self, estimator: Any, responses: dict[str, np.ndarray]):
        self._estimator = estimator
        self._responses = responses

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name != "__sklearn_tags__":
            raise AttributeError(name)
        responses = self.__dict__.get("_responses", {})
        if name in responses:
            value = responses[name]

            def replay(*args: Any, **kwargs: Any) -> np.ndarray:
                return value

            return _named(replay, name)
        attr = getattr(self.__dict__["_estimator"], name)
        if name in RESPONSE_METHODS:

            def missing(*args: Any, **kwargs: Any) -> Any:
                raise RuntimeError(
                    f"the scorer called {name!r}, which was not computed on the blocks "
                    f"(computed: {sorted(responses)})"
                )

            return _named(missing, name)
        return attr


class RecordingEstimator:
    """Forward everything to the estimator, remembering which response methods were called."""

    def __init__(self, estimator: Any):
        self._estimator = estimator
        self.called: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__") and name != "__sklearn_tags__":
            raise AttributeError(name)
        attr = getattr(self.__dict__["_estimator"], name)
        if name not in RESPONSE_METHODS:
            return attr

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.called.append(name)
            return attr(*args, **kwargs)

        return _named(recorded, name)


def _named(func: Any, name: str) -> Any:
    # scikit-learn reads the method's __name__ to know how to post-process it.
    func.__name__ = func.__qualname__ = name
    return func


def discover_methods(estimator: Any, scorer: Any, X_head: Any, y_head: Any) -> tuple[str, ...]:
    """The response methods ``scorer`` calls, found by scoring a few rows.

    When scoring the few rows fails (e.g. one class among them), every
    response method the estimator has is returned, which is always enough.
    """
    recorder = RecordingEstimator(estimator)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a metric on a few rows may warn; not the user's
            scorer(recorder, X_head, y_head)
    except Exception:  # noqa: BLE001 - any failure means: compute them all
        return tuple(m for m in RESPONSE_METHODS if hasattr(estimator, m))
    return tuple(dict.fromkeys(recorder.called))


def default_scoring(estimator: Any, scoring: Any) -> Any:
    """``scoring=None`` for Dask input: what the estimator's ``score`` computes."""
    if scoring is not None:
        return scoring
    score = getattr(type(estimator), "score", None)
    known = (ClassifierMixin.score, RegressorMixin.score, Pipeline.score)
    if score is not None and score not in known:
        raise ValueError(
            f"scoring=None with Dask input needs a standard score method, but "
            f"{type(estimator).__name__} defines its own; pass scoring explicitly"
        )
    if is_classifier(estimator):
        return "accuracy"
    if is_regressor(estimator):
        return "r2"
    raise ValueError(
        f"scoring=None with Dask input: {type(estimator).__name__} is neither a classifier "
        "nor a regressor; pass scoring explicitly"
    )
