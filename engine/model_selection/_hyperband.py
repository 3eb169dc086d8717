"""Hyperband over estimators with ``partial_fit``, trained incrementally on data blocks."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from dask import delayed
from dask.base import is_dask_collection, tokenize
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier
from sklearn.model_selection import ParameterSampler
from sklearn.utils import indexable

from engine.data import (
    HasMethods,
    Interval,
    StrOptions,
    check_consistent_length,
    check_not_empty,
    check_params,
    estimator_token,
    set_init_params,
)
from engine.model_selection._base import SCORER_NAMES, check_space_names
from engine.model_selection._delegation import BestEstimatorDelegation
from engine.model_selection._display import SearchDisplay
from engine.model_selection._incremental import BlockPlan, ModelState, train_segment
from engine.model_selection._progress import Progress
from engine.model_selection._results import _param_arrays
from engine.model_selection._run import run_tasks
from engine.model_selection._schedule import Bracket, hyperband_brackets, run_brackets
from engine.model_selection._scoring import resolve_scorers


class HyperbandSearchCV(SearchDisplay, BestEstimatorDelegation, MetaEstimatorMixin, BaseEstimator):
    """Hyperband: successive halving brackets over models trained with ``partial_fit``.

    The data is cut into row blocks (a Dask collection's chunks, or
    ``block_size`` rows of in-memory data); each block holds out
    ``test_size`` of its rows for validation (seeded per block). Models are
    trained incrementally, one ``partial_fit`` call per block, by tasks that
    receive the blocks they need, so the data is never gathered on the client.
    All brackets advance together on the successive-halving schedule (the
    one :class:`SuccessiveHalvingSearchCV` runs, with several brackets): each
    rung of every bracket is one Dask graph, the best ``1/aggressiveness`` of
    each rung go on with ``aggressiveness`` times more budget. With
    ``patience``, a model stops when its validation score has not improved by
    ``tol`` over ``patience`` calls.

    Method: Hyperband (Li et al. 2018) with deterministic block order; scores
    are exact validation scores. Cost: about ``(s_max + 1)**2 * max_iter``
    partial_fit calls over all models (s_max = floor(log_eta(max_iter))); one
    graph per rung.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
    parameters : dict
        Lists or scipy.stats distributions (as RandomizedSearchCV).
    max_iter : int, default=81
        Largest budget of one model, in ``budget`` units.
    budget : {"iterations", "samples"}, default="iterations"
        One unit is one ``partial_fit`` call (one block) or one training sample.
    aggressiveness : int, default=3
        Keep the best ``1/aggressiveness`` of each rung.
    patience : int or bool, default=False
        ``True`` picks ``max(max_iter // aggressiveness, 1)``, as dask-ml does.
    tol : float, default=1e-3
    test_size : float, default=0.15
    block_size : int or None
        Rows per block for in-memory input (default: 10 blocks).
    scoring : str, callable or None
    random_state : int or None
    verbose : int, default=0

    Attributes
    ----------
    best_estimator_, best_params_, best_score_, best_index_, cv_results_
    (one row per model: params, param_*, bracket, model_id, partial_fit_calls,
    n_samples_seen, test_score, mean_test_score, rank_test_score, stopped_early,
    mean_partial_fit_time, mean_score_time), history_, metadata_.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from engine.model_selection import HyperbandSearchCV
    >>> X, y = make_classification(600, 5, random_state=0)
    >>> s = HyperbandSearchCV(SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-2, 1.0]},
    ...                       max_iter=9, random_state=0).fit(X, y)
    >>> s.metadata_["n_models"]
    17
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "partial_fit"])],
        "parameters": [dict],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "budget": [StrOptions({"iterations", "samples"})],
        "aggressiveness": [Interval(numbers.Real, 1, None, closed="neither")],
        "patience": [Interval(numbers.Integral, 1, None, closed="left"), "boolean"],
        "tol": [Interval(numbers.Real, None, None, closed="neither")],
        "test_size": [Interval(numbers.Real, 0, 1, closed="neither")],
        "block_size": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "scoring": [SCORER_NAMES, callable, None],
        "random_state": [None, Interval(numbers.Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        parameters,
        *,
        max_iter=81,
        budget="iterations",
        aggressiveness=3,
        patience=False,
        tol=1e-3,
        test_size=0.15,
        block_size=None,
        scoring=None,
        random_state=None,
        verbose=0,
    ):
        set_init_params(self, locals())

    def fit(self, X, y=None, **fit_params):
        """Run all brackets; ``best_estimator_`` is the best trained model (no refit)."""
        check_params(self)
        if not self.parameters:
            raise ValueError(f"parameters must be a non-empty dict, got {self.parameters!r}")
        check_space_names(type(self).__name__, self.estimator, self.parameters)
        scorers, _ = resolve_scorers(self.scoring)
        X, y = _checked_input(X, y)
        seed = (
            self.random_state
            if self.random_state is not None
            else int(np.random.SeedSequence().entropy % 2**32)
        )
        plan = BlockPlan(X, y, self.test_size, self.block_size, seed)
        kwargs = dict(fit_params)
        if is_classifier(self.estimator) and "classes" not in kwargs:
            yy = y.compute() if is_dask_collection(y) else np.asarray(y)  # labels only
            kwargs["classes"] = np.unique(yy)
        eta = self.aggressiveness
        # one budget unit of the bracket arithmetic: a call, or a block's worth of samples
        unit = 1.0 if self.budget == "iterations" else float(np.mean(plan.train_sizes))
        if self.max_iter < unit:
            raise ValueError(
                f"max_iter={self.max_iter} samples is less than one training block "
                f"({unit:.0f} rows); raise max_iter or lower block_size"
            )
        bracket_list, first = [], 0
        for s, n, r0 in hyperband_brackets(self.max_iter / unit, eta):
            rungs = [r0 * unit * eta**i for i in range(s + 1)]
            members = list(range(first, first + n))
            bracket_list.append(Bracket(s, members, rungs, lambda k: max(1, int(k / eta))))
            first += n
        with warnings.catch_warnings():  # a finite space smaller than n_models is cycled
            warnings.simplefilter("ignore", UserWarning)
            params = list(ParameterSampler(self.parameters, first, random_state=seed))
        states = {i: ModelState(i, dict(params[i % len(params)])) for i in range(first)}
        bracket_of = {i: b.name for b in bracket_list for i in b.candidates}
        self.history_ = []
        progress = Progress(self.verbose, type(self).__name__)
        progress.start(sum(sum(b.sizes()) for b in bracket_list))
        trainer = _Trainer(self, plan, states, scorers["score"], kwargs, progress, bracket_of)
        try:
            run_brackets(
                bracket_list,
                trainer.train,
                lambda b, _, k: sorted(b.candidates, key=lambda i: (-_score(states[i]), i))[:k],
            )
        finally:
            progress.close()
        self._finish(states, bracket_of, scorers)
        return self

    def _finish(self, states, bracket_of, scorers) -> None:
        order = sorted(states)
        models = [states[i] for i in order]
        scores = np.array([_score(m) for m in models])
        results = {"params": [m.params for m in models]}
        results.update(_param_arrays(results["params"]))
        results["model_id"] = np.array(order)
        results["bracket"] = np.array([bracket_of[i] for i in order])
        results["partial_fit_calls"] = np.array([m.calls for m in models])
        results["n_samples_seen"] = np.array([m.samples for m in models])
        results["test_score"] = scores
        results["mean_test_score"] = scores
        results["std_test_score"] = np.zeros_like(scores)
        filled = np.where(
            np.isnan(scores), np.nanmin(scores) - 1 if np.isfinite(scores).any() else 0, scores
        )
        results["rank_test_score"] = (
            1 + np.argsort(np.argsort(-filled, kind="stable"), kind="stable")
        ).astype(np.int32)
        results["stopped_early"] = np.array([m.stopped for m in models])
        results["mean_partial_fit_time"] = np.array([m.fit_time / max(1, m.calls) for m in models])
        results["mean_score_time"] = np.array(
            [m.score_time / max(1, len(m.scores)) for m in models]
        )
        self.cv_results_ = results
        self.best_index_ = int(np.argmin(results["rank_test_score"]))
        self.best_score_ = float(scores[self.best_index_])
        self.best_params_ = models[self.best_index_].params
        self._set_best_estimator(models[self.best_index_].estimator)
        self.scorer_ = scorers["score"]
        self.multimetric_ = False
        self.metadata_ = {
            "n_models": len(models),
            "partial_fit_calls": int(results["partial_fit_calls"].sum()),
            "brackets": sorted(set(bracket_of.values()), reverse=True),
        }


def _checked_input(X, y) -> tuple:
    """``X, y`` with the same number of rows, not empty; sparse as CSR (scikit-learn's indexable)."""
    if is_dask_collection(X):
        check_consistent_length(X=X, y=y)
        n_rows = np.nan
    else:
        X, y = indexable(X, y)
        n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
    check_not_empty(n_rows, np.shape(X)[1] if np.ndim(X) == 2 else 1)
    return X, y


class _Trainer:
    """Train every model of the active brackets up to its rung's budget (one graph per rung)."""

    def __init__(self, search, plan, states, scorer, fit_kwargs, progress, bracket_of):
        self.search, self.plan, self.states = search, plan, states
        self.scorer, self.fit_kwargs, self.progress = scorer, fit_kwargs, progress
        self.bracket_of = bracket_of
        self.patience = _patience(search)

    def train(self, active: list[Bracket]) -> dict:
        tasks = {}
        for bracket in active:
            for i in bracket.candidates:
                task = self._segment(self.states[i], bracket.resource)
                if task is not None:
                    tasks[i] = task

        def on_done(i, value):
            self.progress.update(1, value.scores[-1][2] if value.scores else None)

        history = self.search.history_
        for i, value in run_tasks(tasks, on_done).items():
            self.states[i] = value
            history.extend(
                {
                    "model_id": i,
                    "bracket": self.bracket_of[i],
                    "partial_fit_calls": c,
                    "n_samples_seen": m,
                    "score": v,
                }
                for c, m, v in value.scores
                if not history or c > _last_calls(history, i)
            )
        return self.states

    def _segment(self, state: ModelState, target: float):
        """The Delayed training of one model up to ``target`` budget units (None: nothing to do)."""
        plan, search = self.plan, self.search
        n_calls = plan.calls_for(state.calls, state.samples, target, search.budget)
        blocks = [plan.train[plan.block_at(state.calls + k)] for k in range(n_calls)]
        if not blocks:
            return None
        key = f"engine-hb-seg-{state.model_id}-{state.calls}-{len(blocks)}"
        token = tokenize(
            estimator_token((search.estimator, state.params)), state.calls, state.scores
        )
        return delayed(train_segment, pure=True)(
            state,
            search.estimator,
            blocks,
            plan.validation,
            self.scorer,
            self.fit_kwargs,
            self.patience,
            search.tol,
            dask_key_name=f"{key}-{token}",
        )


def _patience(search) -> int | None:
    """Calls without improvement before a model stops (``None``: never)."""
    if search.patience is True:
        return max(search.max_iter // search.aggressiveness, 1)
    return int(search.patience) or None


def _score(state: ModelState) -> float:
    value = state.scores[-1][2] if state.scores else -np.inf
    return -np.inf if np.isnan(value) else value


def _last_calls(history: list, model_id: int) -> int:
    calls = [h["partial_fit_calls"] for h in history if h["model_id"] == model_id]
    return max(calls) if calls else 0
