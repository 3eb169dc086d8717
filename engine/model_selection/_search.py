"""Exhaustive and random searches whose folds and pipeline prefixes are shared Dask tasks."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.model_selection import ParameterGrid, ParameterSampler

from engine.data import Interval, set_init_params
from engine.model_selection._base import BaseSearch, Rounds, check_space_names, search_spaces


def _grids(param_grid: Any) -> list[Mapping]:
    """The dicts of ``param_grid``, checked by scikit-learn's ``ParameterGrid`` (its messages)."""
    return ParameterGrid(param_grid).param_grid


class GridSearchCV(BaseSearch):
    """Exhaustive search over a grid, run as one Dask graph with shared pipeline prefixes.

    Every (candidate, fold) score is a task; a Pipeline's step fits are tasks
    keyed by (prefix, its parameters, fold), so the scaler of a
    ``Pipeline(scaler, pca, clf)`` is fitted once per fold and each PCA once per
    (n_components, fold), however many ``clf`` settings share them. Folds
    are cut once per split. Runs on the active Dask scheduler (threads by
    default, a distributed ``Client`` when it is the default).

    Method: the same fits and scorer calls as scikit-learn's ``GridSearchCV``,
    so scores are exact (identical to scikit-learn's on the same splits). Cost:
    each distinct prefix fitted once per fold; each candidate's final step once
    per fold; one graph, one ``compute``.

    Parameters
    ----------
    estimator : estimator
        scikit-learn-compatible estimator or Pipeline.
    param_grid : dict or list of dicts
        Parameter names (``step__param``) to lists of values.
    scoring : str, callable, list, tuple, dict or None
        scikit-learn scorer name(s) or callables; several at once with ``refit=name``.
    refit : bool, str or callable, default=True
        Refit the best candidate on all data (``best_estimator_``).
    cv : int, splitter or iterable, default=None (5-fold)
    verbose : int, default=0
        > 0 shows a progress bar (tqdm.auto: terminal or Jupyter).
    error_score : "raise" or float, default=nan
        Score given to failed fits (message kept in ``error_messages_``).
    return_train_score : bool, default=False
    checkpoint : str or path, optional
        JSON file where each finished (candidate, fold) is written; a rerun resumes.
    n_jobs : int or None, default=None
        Accepted for drop-in compatibility with scikit-learn and ignored: how
        many tasks run at once is the Dask scheduler's business (its threads,
        or a distributed ``Client``'s workers).

    Attributes
    ----------
    cv_results_, best_index_, best_score_, best_params_, best_estimator_,
    scorer_, n_splits_, refit_time_, multimetric_ : as scikit-learn.
    error_messages_ : ndarray of object, shape (n_candidates, n_splits)
        Traceback text of failed fits, ``None`` elsewhere.
    n_fits_ : int
        (candidate, fold) pairs computed in this run (not restored from checkpoint).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from engine.model_selection import GridSearchCV
    >>> X, y = make_classification(200, 5, random_state=0)
    >>> search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(X, y)
    >>> sorted(search.best_params_)
    ['C']
    """

    _parameter_constraints = {
        **BaseSearch._parameter_constraints,
        "param_grid": [Mapping, list, tuple],
    }

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        refit=True,
        cv=None,
        verbose=0,
        error_score=np.nan,
        return_train_score=False,
        checkpoint=None,
        n_jobs=None,
    ):
        set_init_params(self, locals())

    def _check_search(self) -> None:
        for grid in _grids(self.param_grid):
            check_space_names(type(self).__name__, self.estimator, grid)

    def _fingerprint(self):
        return list(ParameterGrid(_grids(self.param_grid)))

    def _run_search(self, rounds: Rounds) -> None:
        rounds(list(ParameterGrid(_grids(self.param_grid))))


class RandomizedSearchCV(BaseSearch):
    """Random search (scipy.stats distributions or lists), run as one Dask graph.

    Draws ``n_iter`` candidates with scikit-learn's ``ParameterSampler`` (the
    same candidates as scikit-learn's ``RandomizedSearchCV`` for the same
    ``random_state``) and evaluates them exactly like :class:`GridSearchCV`,
    sharing folds and pipeline prefixes. Exact; one graph.

    Parameters
    ----------
    estimator : estimator
    param_distributions : dict or list of dicts
        Names to lists (sampled uniformly) or objects with ``rvs``.
    n_iter : int, default=10
    random_state : int, RandomState or None
    scoring, refit, cv, verbose, error_score, return_train_score, checkpoint, n_jobs
        As :class:`GridSearchCV`.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from engine.model_selection import RandomizedSearchCV
    >>> X, y = make_classification(200, 5, random_state=0)
    >>> search = RandomizedSearchCV(LogisticRegression(), {"C": loguniform(1e-3, 1e2)},
    ...                             n_iter=4, cv=3, random_state=0).fit(X, y)
    >>> len(search.cv_results_["params"])
    4
    """

    _parameter_constraints = {
        **BaseSearch._parameter_constraints,
        "param_distributions": [Mapping, list, tuple],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        scoring=None,
        refit=True,
        cv=None,
        verbose=0,
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        checkpoint=None,
        n_jobs=None,
    ):
        set_init_params(self, locals())

    def _check_search(self) -> None:
        search_spaces(
            type(self).__name__, "param_distributions", self.param_distributions, self.estimator
        )

    def _fingerprint(self):
        return (self.param_distributions, self.n_iter, self.random_state)

    def _run_search(self, rounds: Rounds) -> None:
        rounds(
            list(
                ParameterSampler(
                    self.param_distributions, self.n_iter, random_state=self.random_state
                )
            )
        )
