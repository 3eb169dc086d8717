"""``cross_validate`` as one Dask graph (folds and pipeline prefixes as tasks)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import check_cv

from engine.model_selection._checkpoint import Checkpoint
from engine.model_selection._distributed import final_estimator, native_spec
from engine.model_selection._evaluate import Evaluator, prepare_data
from engine.model_selection._progress import Progress
from engine.model_selection._results import (
    error_messages,
    returned_metric_names,
    warn_fit_failures,
    warn_score_failures,
)
from engine.model_selection._routing import route_cross_validate_params, sklearn_scorer
from engine.model_selection._scoring import resolve_scorers


def cross_validate(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    groups: Any = None,
    scoring: Any = None,
    cv: Any = None,
    params: dict | None = None,
    return_train_score: bool = False,
    return_estimator: bool = False,
    return_indices: bool = False,
    error_score: Any = np.nan,
    verbose: int = 0,
    n_jobs: int | None = None,
) -> dict:
    """Evaluate a metric by cross-validation, every fold a task of one Dask graph.

    Method: for each split, fit a clone on the training rows and score it on
    the test rows, exactly as scikit-learn's ``cross_validate`` (identical
    scores on the same splits). Runs on the active Dask scheduler; Dask input
    is concatenated on a worker, never on the client. Cost: one fit and one
    scoring per fold.

    Parameters
    ----------
    estimator : estimator
    X : array-like, pandas or Dask collection
    y : array-like, optional
    groups : array-like, optional
    scoring : str, callable, list, tuple, dict or None
    cv : int, splitter or iterable, default=None (5-fold)
    params : dict, optional
        Fit parameters (``step__name`` for a Pipeline). With
        ``sklearn.set_config(enable_metadata_routing=True)`` they are routed
        where the estimator, scorers and splitter requested them (then
        ``groups`` goes in ``params``), as scikit-learn routes them.
    return_train_score, return_estimator, return_indices : bool
    error_score : "raise" or float, default=nan
    verbose : int, default=0
    n_jobs : int or None, default=None
        Accepted for drop-in compatibility with scikit-learn and ignored: how
        many folds run at once is the Dask scheduler's business.

    Returns
    -------
    dict
        ``fit_time``, ``score_time``, ``test_<name>`` (``test_score`` for one
        metric), ``train_<name>``, ``estimator``, ``indices`` as scikit-learn.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from engine.model_selection import cross_validate
    >>> X, y = make_regression(100, 3, random_state=0)
    >>> cross_validate(Ridge(), X, y, cv=3)["test_score"].shape
    (3,)
    """
    native = native_spec(estimator)
    scorers, multimetric = resolve_scorers(
        scoring, dask_native=final_estimator(estimator) if native else None
    )
    data = prepare_data(X, y, estimator)
    splitter = check_cv(cv, data.y_split, classifier=is_classifier(estimator))
    routed = route_cross_validate_params(
        estimator, sklearn_scorer(estimator, scoring, error_score), splitter, groups, params or {}
    )
    splits = [
        (np.asarray(tr), np.asarray(te))
        for tr, te in splitter.split(data.X_split, data.y_split, **routed.split)
    ]
    progress = Progress(verbose, "cross_validate")
    evaluator = Evaluator(
        estimator,
        data,
        scorers,
        error_score=error_score,
        return_train_score=return_train_score,
        fit_params=routed.fit,
        checkpoint=Checkpoint(None, ""),
        progress=progress,
        rank_metric=next(iter(scorers)),
        return_estimator=return_estimator,
        score_params=routed.score,
    )
    try:
        (row,) = evaluator.evaluate([{}], splits)
    finally:
        progress.close()
    messages = error_messages([row])
    warn_fit_failures(messages, error_score)
    warn_score_failures([row], error_score)
    out: dict[str, Any] = {
        "fit_time": np.array([r["fit_time"] for r in row]),
        "score_time": np.array([r["score_time"] for r in row]),
    }
    if return_estimator:
        out["estimator"] = [r["estimator"] for r in row]
    if return_indices:
        out["indices"] = {"train": [tr for tr, _ in splits], "test": [te for _, te in splits]}
    names = returned_metric_names([row], list(scorers))  # a callable may return a dict
    multimetric = multimetric or names != list(scorers)
    for name in names:
        suffix = name if multimetric else "score"
        out[f"test_{suffix}"] = np.array(
            [r["test"][name] if name in r["test"] else float(error_score) for r in row]
        )
        if return_train_score:
            out[f"train_{suffix}"] = np.array(
                [(r["train"] or {}).get(name, float(error_score)) for r in row]
            )
    return out
