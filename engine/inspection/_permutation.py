"""Permutation importance with every (feature, repeat) pair as its own Dask task."""

from __future__ import annotations

import numbers
from typing import Any

import dask
import numpy as np
from sklearn.utils import Bunch, check_random_state

from engine.data import HasMethods, Interval, RealNotInt, validate_params
from engine.data._adapters import is_lazy
from engine.inspection._permutation_dask import dask_permutation_scores
from engine.inspection._permutation_local import in_memory_scores

_CONSTRAINTS = {
    "estimator": [HasMethods(["fit"])],
    "n_repeats": [Interval(numbers.Integral, 1, None, closed="left")],
    "max_samples": [
        Interval(numbers.Integral, 1, None, closed="left"),
        Interval(RealNotInt, 0, 1, closed="right"),
    ],
    "random_state": ["random_state"],
}


def permutation_importance(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    scoring: Any = None,
    n_repeats: int = 5,
    random_state: int | np.random.RandomState | None = None,
    sample_weight: Any = None,
    max_samples: float | int = 1.0,
) -> Bunch | dict[str, Bunch]:
    """Permutation importance of every feature of a fitted estimator.

    The importance of feature ``j`` is the baseline score minus the score
    after shuffling column ``j`` (the other columns and ``y`` are untouched),
    once per repeat.  Every (feature, repeat) pair is one Dask task (plus one
    for the baseline), built into one graph with deterministic keys and
    computed with one ``dask.compute`` on the active scheduler; BLAS pools are
    limited to one thread inside the tasks.

    Method and exactness: the random draws are scikit-learn's (one seed from
    ``random_state`` shared by all features, the optional row subsample, then
    ``n_repeats`` accumulating shuffles), computed directly per repeat, so for
    NumPy and pandas input the result is identical (bit for bit) to
    :func:`sklearn.inspection.permutation_importance` with the same
    ``random_state``, on every scheduler.

    For dask.array / dask.dataframe ``X``, the data stays in the workers: the
    permuted column ``j`` (``n`` values) is gathered in one task per feature
    and reordered by the global permutation of each repeat; each row block
    then predicts with its slice of that column in place (one task per
    feature, repeat and block), and one task per (feature, repeat) applies the
    scorer to the concatenated predictions (the scorer sees replayed
    predictions instead of recomputing them).  Predictions equal those on the
    concatenated data row for row, so results equal scikit-learn's on the
    computed data (to floating-point reassociation inside the estimator's own
    BLAS calls) and are bit-identical across schedulers for one chunking.
    ``scoring=None`` means accuracy for classifiers and R² for regressors
    there (what their ``score`` method computes), and a callable scorer must
    get its predictions from the estimator's ``predict``/``predict_proba``/
    ``decision_function`` (it is handed the predictions, not ``X``). The
    response methods a scorer calls are found once by scoring the first 64
    rows (all of them are computed if that fails). Cost for Dask input: one
    read of ``X`` (its blocks stay in distributed memory during the run) and
    ``n_features * n_repeats + 1`` prediction passes; each gathered column,
    ``y`` and the predictions of one (feature, repeat) hold ``n`` values on
    one worker. In-memory input: one copy of ``X`` per running task, as in
    scikit-learn.

    Parameters
    ----------
    estimator : object
        A fitted estimator compatible with ``scoring``.
    X : array-like or DataFrame or dask collection of shape (n_samples, n_features)
        Data on which importances are computed.
    y : array-like or dask collection of shape (n_samples,) or None
        Targets.
    scoring : str, callable, list, tuple, dict or None
        As in scikit-learn; several scorers give a dict of results.
    n_repeats : int, default=5
        Number of shuffles per feature.
    random_state : int, RandomState or None
        Controls the shuffles (same meaning and draws as scikit-learn).
    sample_weight : array-like of shape (n_samples,), optional
        Weights passed to the scorer.
    max_samples : int or float, default=1.0
        Rows drawn (without replacement) for each feature's repeats.

    Returns
    -------
    sklearn.utils.Bunch or dict of str to Bunch
        ``importances_mean`` (n_features,), ``importances_std`` (n_features,)
        and ``importances`` (n_features, n_repeats); a dict keyed by scorer
        name for several scorers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from engine.inspection import permutation_importance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = 3 * X[:, 0] + 0.1 * X[:, 1]
    >>> model = LinearRegression().fit(X, y)
    >>> result = permutation_importance(model, X, y, n_repeats=3, random_state=0)
    >>> result.importances.shape
    (3, 3)
    >>> int(np.argmax(result.importances_mean))
    0
    """
    validate_params(
        "permutation_importance",
        {
            "estimator": estimator,
            "n_repeats": n_repeats,
            "max_samples": max_samples,
            "random_state": random_state,
        },
        _CONSTRAINTS,
    )
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max + 1))
    if any(is_lazy(obj) for obj in (X, y, sample_weight) if _is_collection(obj)):
        baseline, scores = dask_permutation_scores(
            estimator, X, y, sample_weight, scoring, n_repeats, seed, max_samples
        )
    else:
        baseline, scores = in_memory_scores(
            estimator, X, y, sample_weight, scoring, n_repeats, seed, max_samples
        )
    return importances_from_scores(baseline, scores)


def _is_collection(obj: Any) -> bool:
    return obj is not None and dask.is_dask_collection(obj)


def importances_from_scores(baseline: Any, scores: list) -> Bunch | dict[str, Bunch]:
    """scikit-learn's result layout from the baseline and the (feature, repeat) scores."""
    if isinstance(baseline, dict):
        return {
            name: _bunch(
                baseline[name],
                np.array([[row[r][name] for r in range(len(row))] for row in scores]),
            )
            for name in baseline
        }
    return _bunch(baseline, np.array(scores))


def _bunch(baseline_score: Any, permuted: np.ndarray) -> Bunch:
    importances = baseline_score - permuted
    return Bunch(
        importances_mean=np.mean(importances, axis=1),
        importances_std=np.std(importances, axis=1),
        importances=importances,
    )
