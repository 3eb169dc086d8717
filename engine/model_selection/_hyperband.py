"""Hyperband over estimators with ``partial_fit``, trained incrementally on data blocks."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from dask.base import is_dask_collection
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier
from sklearn.model_selection import ParameterSampler
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from engine.data._validation import Interval, OneOf, Satisfies, validate_params
from engine.model_selection._base import check_space_names
from engine.model_selection._incremental import BlockPlan, ModelState, train_segment
from engine.model_selection._progress import Progress
from engine.model_selection._results import _param_arrays
from engine.model_selection._run import run_tasks
from engine.model_selection._scoring import resolve_scorers


def brackets(max_iter: float, eta: float) -> list[tuple[int, int, float]]:
    """Hyperband's brackets ``(s, n_models, first rung resources)``, most aggressive first."""
    s_max = int(math.floor(math.log(max_iter, eta) + 1e-9))
    out = []
    for s in range(s_max, -1, -1):
        n = int(math.ceil((s_max + 1) / (s + 1) * eta**s))
        out.append((s, n, max_iter * eta ** (-s)))
    return out


def _delegate(attr):
    def check(self):
        getattr(self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator, attr)
        return True

    return check


class HyperbandSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyperband: successive halving brackets over models trained with ``partial_fit``.

    The data is cut into row blocks (a Dask collection's chunks, or
    ``block_size`` rows of in-memory data); each block holds out
    ``test_size`` of its rows for validation (seeded per block). Models are
    trained incrementally, one ``partial_fit`` call per block, by tasks that
    receive the blocks they need, so the data is never gathered on the client.
    All brackets advance together: each rung of every bracket is one Dask
    graph, the best ``1/aggressiveness`` of each rung go on with
    ``aggressiveness`` times more budget. With ``patience``, a model stops when
    its validation score has not improved by ``tol`` over ``patience`` calls.

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
    patience : int or False, default=False
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
        "max_iter": [Interval(numbers.Integral, 1, None)],
        "budget": [OneOf(("iterations", "samples"))],
        "aggressiveness": [Interval(numbers.Real, 1, None, closed="neither")],
        "patience": [
            Satisfies(
                lambda v: (
                    v is False or (isinstance(v, numbers.Integral) and v >= 1 and v is not True)
                ),
                "False or an int >= 1",
            )
        ],
        "tol": [Interval(numbers.Real, None, None)],
        "test_size": [Interval(numbers.Real, 0, 1, closed="neither")],
        "block_size": [None, Interval(numbers.Integral, 1, None)],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
        "verbose": [Satisfies(lambda v: isinstance(v, int | bool), "an int")],
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
        self.estimator = estimator
        self.parameters = parameters
        self.max_iter = max_iter
        self.budget = budget
        self.aggressiveness = aggressiveness
        self.patience = patience
        self.tol = tol
        self.test_size = test_size
        self.block_size = block_size
        self.scoring = scoring
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None, **fit_params):
        """Run all brackets; ``best_estimator_`` is the best trained model (no refit)."""
        validate_params(
            type(self).__name__, self.get_params(deep=False), self._parameter_constraints
        )
        if not hasattr(self.estimator, "partial_fit"):
            raise ValueError(
                f"HyperbandSearchCV needs an estimator with partial_fit; "
                f"{type(self.estimator).__name__} has none"
            )
        if not isinstance(self.parameters, dict) or not self.parameters:
            raise ValueError(f"parameters must be a non-empty dict, got {self.parameters!r}")
        check_space_names(type(self).__name__, self.estimator, self.parameters)
        scorers, multi = resolve_scorers(self.scoring)
        if multi:
            raise ValueError(
                "HyperbandSearchCV supports one metric: scoring must be None, a name or a callable"
            )
        scorer = scorers["score"]
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
        bracket_list = [(s, n, r0 * unit) for s, n, r0 in brackets(self.max_iter / unit, eta)]
        n_models = sum(n for _, n, _ in bracket_list)
        with warnings.catch_warnings():  # a finite space smaller than n_models is cycled
            warnings.simplefilter("ignore", UserWarning)
            params = list(ParameterSampler(self.parameters, n_models, random_state=seed))
        states, rungs, ids = {}, {}, 0
        for s, n, r0 in bracket_list:
            rungs[s] = (0, list(range(ids, ids + n)), r0)
            for i in range(ids, ids + n):
                states[i] = ModelState(i, dict(params[i % len(params)]))
            ids += n
        self.history_ = []
        progress = Progress(self.verbose, type(self).__name__)
        progress.start(
            sum(sum(max(1, int(n * eta**-i)) for i in range(s + 1)) for s, n, _ in bracket_list)
        )
        bracket_of = {i: s for s, (_, members, _) in rungs.items() for i in members}
        try:
            while rungs:
                tasks = {}
                for rung, members, r0 in rungs.values():
                    target = r0 * eta**rung
                    for i in members:
                        st = states[i]
                        n_calls = plan.calls_for(st.calls, st.samples, target, self.budget)
                        blocks = [plan.train[plan.block_at(st.calls + k)] for k in range(n_calls)]
                        if not blocks:
                            continue
                        tasks[i] = _segment(
                            st,
                            self.estimator,
                            blocks,
                            plan.validation,
                            scorer,
                            kwargs,
                            self.patience or None,
                            self.tol,
                        )

                def on_done(i, value):
                    progress.update(1, value.scores[-1][2] if value.scores else None)

                for i, value in run_tasks(tasks, on_done).items():
                    states[i] = value
                    self.history_.extend(
                        {
                            "model_id": i,
                            "bracket": bracket_of[i],
                            "partial_fit_calls": c,
                            "n_samples_seen": m,
                            "score": v,
                        }
                        for c, m, v in value.scores
                        if not self.history_ or c > _last_calls(self.history_, i)
                    )
                nxt = {}
                for s, (rung, members, r0) in rungs.items():
                    if rung >= s:
                        continue
                    keep = max(1, int(len(members) / eta))
                    ranked = sorted(members, key=lambda i: (-_score(states[i]), i))
                    nxt[s] = (rung + 1, ranked[:keep], r0)
                rungs = nxt
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
        self.best_estimator_ = models[self.best_index_].estimator
        self.scorer_ = scorers["score"]
        self.metadata_ = {
            "n_models": len(models),
            "partial_fit_calls": int(results["partial_fit_calls"].sum()),
            "brackets": sorted(set(bracket_of.values()), reverse=True),
        }

    def score(self, X, y=None) -> float:
        """Score of ``best_estimator_`` with the search's scorer."""
        check_is_fitted(self, "best_estimator_")
        if self.scorer_ is None:
            return self.best_estimator_.score(X, y)
        return self.scorer_(self.best_estimator_, X, y)

    @available_if(_delegate("predict"))
    def predict(self, X):
        """``best_estimator_.predict(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_delegate("predict_proba"))
    def predict_proba(self, X):
        """``best_estimator_.predict_proba(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_delegate("decision_function"))
    def decision_function(self, X):
        """``best_estimator_.decision_function(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)

    @available_if(_delegate("transform"))
    def transform(self, X):
        """``best_estimator_.transform(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)


def _segment(state, template, blocks, validation, scorer, kwargs, patience, tol):
    from dask import delayed

    key = f"engine-hb-seg-{state.model_id}-{state.calls}-{len(blocks)}"
    return delayed(train_segment, pure=True)(
        state,
        template,
        blocks,
        validation,
        scorer,
        kwargs,
        patience,
        tol,
        dask_key_name=f"{key}-{_state_token(state, template)}",
    )


def _state_token(state, template) -> str:
    from dask.base import tokenize

    from engine.model_selection._plan import est_token

    return tokenize(est_token(template), est_token(state.params), state.calls, state.scores)


def _score(state: ModelState) -> float:
    value = state.scores[-1][2] if state.scores else -np.inf
    return -np.inf if np.isnan(value) else value


def _last_calls(history: list, model_id: int) -> int:
    calls = [h["partial_fit_calls"] for h in history if h["model_id"] == model_id]
    return max(calls) if calls else 0
