"""Turn a ``scoring`` argument into named scorers, as scikit-learn accepts it."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

from sklearn.base import is_classifier
from sklearn.metrics import get_scorer, get_scorer_names

from engine import metrics


def _named_scorer(name: str) -> Callable:
    if name not in get_scorer_names():
        raise ValueError(
            f"unknown scorer name {name!r}; valid names are listed by "
            f"sklearn.metrics.get_scorer_names(), e.g. {sorted(get_scorer_names())[:8]}"
        )
    return get_scorer(name)


def _dask_scorer(name: str) -> Callable:
    """The engine's scorer of that name (one pass on Dask), scikit-learn's for other names."""
    if name in metrics.get_scorer_names():
        return metrics.get_scorer(name)
    return _named_scorer(name)


def resolve_scorers(
    scoring: Any, *, dask_native: Any = None
) -> tuple[dict[str, Callable | None], bool]:
    """Return ``({name: scorer}, multimetric)``.

    ``None`` -> ``{"score": None}`` (the estimator's own ``score``); a string ->
    that scikit-learn scorer; a callable ``scorer(est, X, y)``; a list/tuple/set
    of names or a dict ``{name: str | callable}`` -> several metrics at once.

    For a Dask-native ``dask_native`` estimator, scored on lazy Dask folds,
    names resolve to the engine's scorers (:func:`engine.metrics.get_scorer`:
    the metric is computed on the cluster in one pass, only the value comes
    back) and ``None`` to its default metric, accuracy for classifiers and
    R² for regressors (the values of scikit-learn's ``score``).
    """
    named = _named_scorer if dask_native is None else _dask_scorer
    if scoring is None and dask_native is not None:
        default = "accuracy" if is_classifier(dask_native) else "r2"
        return {"score": metrics.get_scorer(default)}, False
    if scoring is None:
        return {"score": None}, False
    if isinstance(scoring, str):
        return {"score": named(scoring)}, False
    if callable(scoring):
        return {"score": scoring}, False
    if isinstance(scoring, list | tuple | set | frozenset):
        names = list(scoring)
        if not names:
            raise ValueError("scoring is an empty collection; give at least one scorer name")
        if not all(isinstance(n, str) for n in names):
            raise ValueError(f"scoring as a list must hold scorer names (strings), got {names!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"scoring has duplicate names: {names!r}")
        return {n: named(n) for n in names}, True
    if isinstance(scoring, Mapping):
        if not scoring:
            raise ValueError("scoring is an empty dict; give at least one scorer")
        out = {}
        for key, value in scoring.items():
            if not isinstance(key, str):
                raise ValueError(f"scoring dict keys must be strings, got {key!r}")
            out[key] = named(value) if isinstance(value, str) else value
            if not callable(out[key]):
                raise ValueError(
                    f"scoring[{key!r}] must be a scorer name or a callable, got {value!r}"
                )
        return out, True
    raise ValueError(
        f"scoring must be None, a scorer name, a callable, a list of names or a dict; got {scoring!r}"
    )


def check_refit(refit: Any, scorers: Any, multimetric: bool) -> None:
    """For several metrics, ``refit`` must be False, a callable or one of the scorer names.

    ``scorers`` holds the metric names; the message is scikit-learn's.
    """
    if not multimetric or refit is False or callable(refit):
        return
    if not (isinstance(refit, str) and refit in scorers):
        raise ValueError(
            "For multi-metric scoring, the parameter refit must be set to a scorer key or a "
            "callable to refit an estimator with the best parameter setting on the whole "
            "data and make the best_* attributes available for that metric. If this is not "
            f"needed, refit should be set to False explicitly. {refit!r} was passed."
        )


def check_refit_index(index: Any, n_candidates: int) -> int:
    """The index a callable ``refit`` returned, checked as scikit-learn checks it."""
    if not isinstance(index, numbers.Integral):
        raise TypeError("best_index_ returned is not an integer")
    if index < 0 or index >= n_candidates:
        raise IndexError("best_index_ index out of range")
    return int(index)
