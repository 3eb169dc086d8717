"""Successive halving: many candidates on few resources, the best third on more, ..."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from math import ceil

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import ParameterSampler
from sklearn.utils import resample

from engine.data import Interval, StrOptions, set_init_params
from engine.model_selection._base import SCORER_NAMES, BaseSearch, Rounds, search_spaces
from engine.model_selection._schedule import Bracket, halving_resources, run_brackets


def _top_k(results: dict, k: int, itr: int) -> list[dict]:
    iteration = np.asarray(results["iter"])
    scores = np.asarray(results["mean_test_score"])
    params = np.asarray(results["params"], dtype=object)
    idx = np.flatnonzero(iteration == itr)
    sub = scores[idx]
    order = np.roll(np.argsort(sub), np.count_nonzero(np.isnan(sub)))
    return list(params[idx][order[-k:]])


def _positive_int_or(*options: str) -> list:
    return [Interval(numbers.Integral, 1, None, closed="left"), StrOptions(set(options))]


class SuccessiveHalvingSearchCV(BaseSearch):
    """Successive halving over random candidates, one Dask graph per round.

    Parameters are named as scikit-learn's ``HalvingRandomSearchCV`` and the
    rounds follow its schedule: round ``i`` evaluates the surviving
    candidates with ``min_resources * factor**i`` resources (training and test
    rows of every fold subsampled to that many samples with ``resource=
    "n_samples"``, or the estimator parameter ``resource`` set to it), then
    keeps the best ``ceil(n / factor)``. Same candidates, subsamples and
    scores as scikit-learn for the same integer ``random_state``.

    Method: exact cross-validation scores per round (pipeline prefixes shared
    within and across rounds when the resource is a parameter of the last
    step). Cost: ``sum_i n_candidates_i x n_splits`` fits, each on
    ``n_resources_i`` samples; one graph per round.

    Parameters
    ----------
    estimator : estimator
    param_distributions : dict or list of dicts
    n_candidates : int or "exhaust", default="exhaust"
    factor : int or float > 1, default=3
    resource : "n_samples" or an estimator parameter name, default="n_samples"
    max_resources : int or "auto", default="auto"
    min_resources : int, "smallest" or "exhaust", default="smallest"
    aggressive_elimination : bool, default=False
    random_state : int or None
    scoring : str, callable or None (one metric)
    refit, cv, verbose, error_score, return_train_score, checkpoint, n_jobs
        As :class:`GridSearchCV` (``cv`` defaults to 5, ``return_train_score`` to True).

    Attributes
    ----------
    n_resources_, n_candidates_, n_remaining_candidates_, max_resources_,
    min_resources_, n_iterations_, n_possible_iterations_,
    n_required_iterations_ : as scikit-learn; plus ``cv_results_`` with ``iter``
    and ``n_resources``.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from engine.model_selection import SuccessiveHalvingSearchCV
    >>> X, y = make_classification(300, 5, random_state=0)
    >>> s = SuccessiveHalvingSearchCV(LogisticRegression(), {"C": loguniform(1e-3, 1e2)},
    ...                               n_candidates=9, cv=3, random_state=0).fit(X, y)
    >>> s.n_candidates_
    [9, 3, 1]
    """

    _parameter_constraints = {
        **BaseSearch._parameter_constraints,
        "scoring": [SCORER_NAMES, callable, None],  # one metric
        "param_distributions": [Mapping, list, tuple],
        "n_candidates": _positive_int_or("exhaust"),
        "factor": [Interval(numbers.Real, 1, None, closed="neither")],
        "resource": [str],
        "max_resources": _positive_int_or("auto"),
        "min_resources": _positive_int_or("smallest", "exhaust"),
        "aggressive_elimination": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates="exhaust",
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        verbose=0,
        checkpoint=None,
        n_jobs=None,
    ):
        set_init_params(self, locals())

    def _check_search(self) -> None:
        if self.min_resources == "exhaust" and self.n_candidates == "exhaust":
            raise ValueError("n_candidates and min_resources cannot be both set to 'exhaust'.")
        if self.resource != "n_samples" and self.resource not in self.estimator.get_params():
            raise ValueError(
                f"Cannot use resource={self.resource!r} which is not a parameter "
                f"of estimator {type(self.estimator).__name__}"
            )
        name = type(self).__name__
        for space in search_spaces(
            name, "param_distributions", self.param_distributions, self.estimator
        ):
            if self.resource in space:
                raise ValueError(
                    f"Cannot use parameter {self.resource!r} as the resource since "
                    "it is part of the searched parameters."
                )

    def _fingerprint(self):
        return (
            self.param_distributions if isinstance(self.random_state, int) else None,
            self.n_candidates,
            self.factor,
            self.resource,
            self.max_resources,
            self.min_resources,
            self.aggressive_elimination,
            self.random_state,
        )

    def _resources(self, n_samples: int, y, n_splits: int) -> None:
        self.min_resources_ = self.min_resources
        if self.min_resources_ in ("smallest", "exhaust"):
            if self.resource == "n_samples":
                self.min_resources_ = n_splits * 2
                if is_classifier(self.estimator):
                    self.min_resources_ *= np.unique(np.asarray(y)).shape[0]
            else:
                self.min_resources_ = 1
        self.max_resources_ = self.max_resources
        if self.max_resources_ == "auto":
            if self.resource != "n_samples":
                raise ValueError("resource can only be 'n_samples' when max_resources='auto'")
            self.max_resources_ = n_samples
        if self.min_resources_ > self.max_resources_:
            raise ValueError(
                f"min_resources_={self.min_resources_} is greater than "
                f"max_resources_={self.max_resources_}."
            )

    def _run_search(self, rounds: Rounds) -> None:
        self._resources(rounds.n_samples, rounds.y, len(rounds.splits))
        n_first = self.n_candidates
        if n_first == "exhaust":
            n_first = self.max_resources_ // self.min_resources_
        candidates = list(
            ParameterSampler(self.param_distributions, n_first, random_state=self.random_state)
        )
        schedule = halving_resources(
            len(candidates),
            self.min_resources_,
            self.max_resources_,
            self.factor,
            self.aggressive_elimination,
            exhaust=self.min_resources == "exhaust",
        )
        self.min_resources_ = schedule.min_resources
        bracket = Bracket(0, candidates, schedule.resources, lambda n: ceil(n / self.factor))
        self.n_resources_ = list(schedule.resources)
        self.n_candidates_ = bracket.sizes()

        def evaluate(active: list[Bracket]) -> dict:
            (b,) = active
            round_candidates, round_splits = b.candidates, rounds.splits
            if self.resource == "n_samples":
                round_splits = self._subsample(rounds.splits, b.resource / rounds.n_samples)
            else:
                round_candidates = [{**c, self.resource: b.resource} for c in b.candidates]
            n = len(round_candidates)
            more = {"iter": [b.rung] * n, "n_resources": [b.resource] * n}
            return rounds(round_candidates, more, round_splits)

        run_brackets([bracket], evaluate, lambda b, results, k: _top_k(results, k, b.rung))
        self.n_remaining_candidates_ = len(bracket.candidates)
        self.n_required_iterations_ = schedule.n_required
        self.n_possible_iterations_ = schedule.n_possible
        self.n_iterations_ = len(schedule.resources)

    def _subsample(self, splits: list, fraction: float) -> list:
        """Every fold's training and test rows subsampled to ``fraction`` (scikit-learn's draw)."""
        return [
            tuple(
                resample(
                    rows,
                    replace=False,
                    random_state=self.random_state,
                    n_samples=int(fraction * len(rows)),
                )
                for rows in (train, test)
            )
            for train, test in splits
        ]

    def _select_best(self, rank_metric: str) -> None:
        if callable(self.refit):
            return super()._select_best(rank_metric)
        results = self.cv_results_
        last = np.flatnonzero(results["iter"] == np.max(results["iter"]))
        scores = results["mean_test_score"][last]
        self.best_index_ = int(last[0 if np.isnan(scores).all() else np.nanargmax(scores)])
        self.best_score_ = float(results["mean_test_score"][self.best_index_])
        self.best_params_ = results["params"][self.best_index_]
