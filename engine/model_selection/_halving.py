"""Successive halving: many candidates on few resources, the best third on more, ..."""

from __future__ import annotations

import numbers
from math import ceil, floor, log

import numpy as np
from sklearn.base import is_classifier
from sklearn.model_selection import ParameterSampler
from sklearn.utils import resample

from engine.data._validation import Interval, Satisfies
from engine.model_selection._base import BaseSearch, check_space_names
from engine.model_selection._plan import est_token


def _top_k(results: dict, k: int, itr: int) -> list[dict]:
    iteration = np.asarray(results["iter"])
    scores = np.asarray(results["mean_test_score"])
    params = np.asarray(results["params"], dtype=object)
    idx = np.flatnonzero(iteration == itr)
    sub = scores[idx]
    order = np.roll(np.argsort(sub), np.count_nonzero(np.isnan(sub)))
    return list(params[idx][order[-k:]])


def _auto_or_int(name: str, options: tuple):
    return Satisfies(
        lambda v: (
            (isinstance(v, str) and v in options)
            or (isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1)
        ),
        f"an int >= 1 or one of {options}",
    )


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
    refit, cv, verbose, error_score, return_train_score, checkpoint
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
        "n_candidates": [_auto_or_int("n_candidates", ("exhaust",))],
        "factor": [Interval(numbers.Real, 1, None, closed="neither")],
        "resource": [Satisfies(lambda v: isinstance(v, str), "a string")],
        "max_resources": [_auto_or_int("max_resources", ("auto",))],
        "min_resources": [_auto_or_int("min_resources", ("smallest", "exhaust"))],
        "aggressive_elimination": [Satisfies(lambda v: isinstance(v, bool), "a bool")],
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
    ):
        super().__init__(
            estimator,
            scoring=scoring,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
            checkpoint=checkpoint,
        )
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.factor = factor
        self.resource = resource
        self.max_resources = max_resources
        self.min_resources = min_resources
        self.aggressive_elimination = aggressive_elimination
        self.random_state = random_state

    def _search_token(self):
        if not isinstance(self.scoring, str | type(None)) and not callable(self.scoring):
            raise ValueError(
                "SuccessiveHalvingSearchCV supports one metric: scoring must be None, a name or a callable"
            )
        if self.min_resources == "exhaust" and self.n_candidates == "exhaust":
            raise ValueError("n_candidates and min_resources cannot be both set to 'exhaust'.")
        if self.resource != "n_samples" and self.resource not in self.estimator.get_params():
            raise ValueError(
                f"Cannot use resource={self.resource!r} which is not a parameter "
                f"of estimator {type(self.estimator).__name__}"
            )
        spaces = (
            [self.param_distributions]
            if isinstance(self.param_distributions, dict)
            else self.param_distributions
        )
        if not spaces or any(not isinstance(s, dict) or not s for s in spaces):
            raise ValueError(
                f"param_distributions must be a non-empty dict or list of dicts, "
                f"got {self.param_distributions!r}"
            )
        for space in spaces:
            check_space_names(type(self).__name__, self.estimator, space)
            if self.resource in space:
                raise ValueError(
                    f"Cannot use parameter {self.resource!r} as the resource since "
                    "it is part of the searched parameters."
                )
        return (
            est_token(self.param_distributions) if isinstance(self.random_state, int) else None,
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

    def _run_search(self, evaluate) -> None:
        n_samples, y, splits = self._data_info
        self._resources(n_samples, y, len(splits))
        n_first = self.n_candidates
        if n_first == "exhaust":
            n_first = self.max_resources_ // self.min_resources_
        candidates = list(
            ParameterSampler(self.param_distributions, n_first, random_state=self.random_state)
        )
        n_required = 1 + floor(log(len(candidates), self.factor))
        if self.min_resources == "exhaust":
            self.min_resources_ = max(
                self.min_resources_, self.max_resources_ // self.factor ** (n_required - 1)
            )
        n_possible = 1 + floor(log(self.max_resources_ // self.min_resources_, self.factor))
        n_iterations = n_required if self.aggressive_elimination else min(n_possible, n_required)
        self.n_resources_, self.n_candidates_ = [], []
        for itr in range(n_iterations):
            power = max(0, itr - n_required + n_possible) if self.aggressive_elimination else itr
            n_res = min(int(self.factor**power * self.min_resources_), self.max_resources_)
            self.n_resources_.append(n_res)
            self.n_candidates_.append(len(candidates))
            round_splits = splits
            if self.resource == "n_samples":
                frac = n_res / n_samples
                round_splits = [
                    (
                        resample(
                            tr,
                            replace=False,
                            random_state=self.random_state,
                            n_samples=int(frac * len(tr)),
                        ),
                        resample(
                            te,
                            replace=False,
                            random_state=self.random_state,
                            n_samples=int(frac * len(te)),
                        ),
                    )
                    for tr, te in splits
                ]
            else:
                candidates = [{**c, self.resource: n_res} for c in candidates]
            more = {"iter": [itr] * len(candidates), "n_resources": [n_res] * len(candidates)}
            results = evaluate(candidates, more, round_splits)
            candidates = _top_k(results, ceil(len(candidates) / self.factor), itr)
        self.n_remaining_candidates_ = len(candidates)
        self.n_required_iterations_ = n_required
        self.n_possible_iterations_ = n_possible
        self.n_iterations_ = n_iterations

    def _select_best(self, rank_metric: str) -> None:
        if callable(self.refit):
            return super()._select_best(rank_metric)
        results = self.cv_results_
        last = np.flatnonzero(results["iter"] == np.max(results["iter"]))
        scores = results["mean_test_score"][last]
        self.best_index_ = int(last[0 if np.isnan(scores).all() else np.nanargmax(scores)])
        self.best_score_ = float(results["mean_test_score"][self.best_index_])
        self.best_params_ = results["params"][self.best_index_]
