"""Bayesian search: Optuna's TPE sampler proposing batches of candidates per graph."""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.data import Interval, set_init_params
from engine.model_selection._base import BaseSearch, Rounds, check_space_names
from engine.model_selection._run import active_client


def to_optuna_distribution(name: str, spec: Any):
    """Map a search-space entry to an Optuna distribution.

    A list -> categorical; ``(low, high)`` of ints -> integers; of floats ->
    uniform floats; ``(low, high, "log-uniform")`` -> log scale; scipy.stats
    ``uniform``, ``loguniform``/``reciprocal``, ``randint`` (frozen); or an
    Optuna distribution.
    """
    import optuna.distributions as od

    if isinstance(spec, od.BaseDistribution):
        return spec
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"param_distributions[{name!r}] is an empty list")
        return od.CategoricalDistribution(spec)
    if isinstance(spec, tuple) and len(spec) in (2, 3):
        low, high = spec[0], spec[1]
        log = len(spec) == 3 and spec[2] in ("log-uniform", "log")
        if len(spec) == 3 and not log:
            raise ValueError(
                f"param_distributions[{name!r}]: third item must be 'log-uniform', got {spec[2]!r}"
            )
        if not low < high:
            raise ValueError(f"param_distributions[{name!r}]: need low < high, got {spec!r}")
        if isinstance(low, numbers.Integral) and isinstance(high, numbers.Integral):
            return od.IntDistribution(int(low), int(high), log=log)
        return od.FloatDistribution(float(low), float(high), log=log)
    dist_name = getattr(getattr(spec, "dist", None), "name", None)
    if dist_name is not None:
        low, high = spec.support()
        if dist_name in ("loguniform", "reciprocal"):
            return od.FloatDistribution(float(low), float(high), log=True)
        if dist_name == "uniform":
            return od.FloatDistribution(float(low), float(high))
        if dist_name == "randint":
            return od.IntDistribution(int(low), int(high))
    raise ValueError(
        f"param_distributions[{name!r}] = {spec!r} is not supported by BayesSearchCV: use a list "
        "(categorical), a (low, high[, 'log-uniform']) tuple, scipy.stats uniform/loguniform/"
        "randint, or an optuna distribution"
    )


class BayesSearchCV(BaseSearch):
    """Model-based search: Optuna's TPE proposes ``batch_size`` candidates per round.

    Each round asks the sampler for a batch of candidates (TPE with the
    constant-liar strategy, so a batch is diverse), evaluates the whole batch
    as one Dask graph (folds and pipeline prefixes shared, also with earlier
    rounds' repeated candidates), and tells the sampler the mean test scores.
    A batch as large as the number of workers keeps them all busy.

    Method: Tree-structured Parzen Estimator (Optuna); scores are exact
    cross-validation scores as :class:`GridSearchCV`. Cost: ``n_iter``
    candidates x folds fits, in ``ceil(n_iter / batch_size)`` graphs.
    Deterministic for an integer ``random_state`` and a fixed ``batch_size``.

    Parameters
    ----------
    estimator : estimator
    param_distributions : dict
        Name -> list (categorical), ``(low, high)`` (ints or floats),
        ``(low, high, "log-uniform")``, scipy.stats uniform/loguniform/randint,
        or an Optuna distribution.
    n_iter : int, default=32
        Candidates evaluated in all.
    batch_size : int or None, default=None
        Candidates per round; ``None`` -> the number of workers (distributed)
        or CPU cores (local).
    random_state : int or None
        Seed of the sampler.
    n_startup_trials : int, default=10
        Random candidates before TPE starts modelling.
    scoring, refit, cv, verbose, error_score, return_train_score, checkpoint, n_jobs
        As :class:`GridSearchCV`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from engine.model_selection import BayesSearchCV
    >>> X, y = make_classification(200, 5, random_state=0)
    >>> s = BayesSearchCV(LogisticRegression(), {"C": (1e-3, 1e2, "log-uniform")},
    ...                   n_iter=4, batch_size=2, cv=3, random_state=0).fit(X, y)
    >>> len(s.cv_results_["params"])
    4
    """

    _parameter_constraints = {
        **BaseSearch._parameter_constraints,
        "param_distributions": [Mapping],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "n_startup_trials": [Interval(numbers.Integral, 0, None, closed="left")],
        "random_state": [None, Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=32,
        batch_size=None,
        n_startup_trials=10,
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

    def _space(self) -> dict:
        if not self.param_distributions:
            raise ValueError(
                f"param_distributions must be a non-empty dict, got {self.param_distributions!r}"
            )
        check_space_names(type(self).__name__, self.estimator, self.param_distributions)
        return {k: to_optuna_distribution(k, v) for k, v in self.param_distributions.items()}

    def _check_search(self) -> None:
        self._space()

    def _batch(self) -> int:
        if self.batch_size is not None:
            return int(self.batch_size)
        client = active_client()
        if client is not None:
            return max(1, sum(client.nthreads().values()))
        return os.cpu_count() or 1

    def _fingerprint(self):
        space = self._space()
        return (
            sorted((k, repr(v)) for k, v in space.items()),
            self.n_iter,
            self._batch(),
            self.n_startup_trials,
            self.random_state,
            self.refit,
        )

    def _run_search(self, rounds: Rounds) -> None:
        import optuna
        from optuna.trial import TrialState

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        space = self._space()
        sampler = optuna.samplers.TPESampler(
            seed=self.random_state, constant_liar=True, n_startup_trials=self.n_startup_trials
        )
        study = optuna.create_study(direction="maximize", sampler=sampler)
        batch = self._batch()
        metric = self.refit if isinstance(self.refit, str) else None
        for start in range(0, self.n_iter, batch):
            trials = [study.ask(space) for _ in range(min(batch, self.n_iter - start))]
            results = rounds([t.params for t in trials])
            key = (
                f"mean_test_{metric}"
                if metric and f"mean_test_{metric}" in results
                else next(k for k in results if k.startswith("mean_test_"))
            )
            means = results[key][-len(trials) :]
            for trial, value in zip(trials, means, strict=True):
                if math.isfinite(value):
                    study.tell(trial, float(value))
                else:
                    study.tell(trial, state=TrialState.FAIL)
