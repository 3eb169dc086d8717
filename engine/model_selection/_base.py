"""The common machinery of every cross-validated search: validation, evaluation rounds, refit."""

from __future__ import annotations

import numbers
import os
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from dask import delayed
from dask.base import tokenize
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier
from sklearn.metrics import get_scorer_names
from sklearn.model_selection import check_cv

from engine.data import (
    HasMethods,
    StrOptions,
    check_params,
    estimator_token,
    single_blas_thread,
)
from engine.model_selection._checkpoint import Checkpoint
from engine.model_selection._delegation import BestEstimatorDelegation
from engine.model_selection._display import SearchDisplay
from engine.model_selection._distributed import NativeTrainer, final_estimator, native_spec
from engine.model_selection._evaluate import Evaluator, prepare_data
from engine.model_selection._progress import Progress
from engine.model_selection._results import (
    error_messages,
    format_results,
    returned_metric_names,
    warn_fit_failures,
    warn_score_failures,
)
from engine.model_selection._routing import (
    in_callers_config,
    route_search_params,
    search_router,
    sklearn_scorer,
)
from engine.model_selection._run import run_tasks
from engine.model_selection._scoring import check_refit, check_refit_index, resolve_scorers
from engine.model_selection._tasks import configured

SCORER_NAMES = StrOptions(set(get_scorer_names()))
NO_FITS = "No fits were performed. Was the CV iterator empty? Were there no candidates?"


def _refit_task(X, y, estimator, params, fit_params):
    # one BLAS/OpenMP thread here too: on a busy machine, threaded BLAS in a
    # single task costs far more than it gains
    with single_blas_thread():
        start = time.perf_counter()
        est = configured(estimator, params)
        est.fit(X, y, **fit_params) if y is not None else est.fit(X, **fit_params)
        return est, time.perf_counter() - start


def valid_param_names(estimator: Any, space: Mapping) -> set[str]:
    """Names accepted by ``set_params``, including those of estimators put in by ``space``."""
    names = set(estimator.get_params(deep=True))
    for key, values in space.items():
        options = values if isinstance(values, list | tuple) else []
        for value in options:
            if hasattr(value, "get_params") and not isinstance(value, type):
                names.update(f"{key}__{p}" for p in value.get_params(deep=True))
    return names


def _names_checked_here(estimator: Any, name: str) -> bool:
    """Whether the object ``name`` sets lists its parameters (scikit-learn's ``BaseEstimator``).

    Another object (a third-party estimator with its own ``set_params``) is
    left to judge the names itself, as scikit-learn's searches do.
    """
    prefix = name.rpartition("__")[0]
    owner = estimator.get_params(deep=True).get(prefix) if prefix else estimator
    return owner is None or isinstance(owner, BaseEstimator)


def check_space_names(owner: str, estimator: Any, space: Mapping) -> None:
    """``ValueError`` naming unknown parameters of a search space and listing the valid names."""
    valid = sorted(valid_param_names(estimator, space))
    unknown = [n for n in space if n not in valid and _names_checked_here(estimator, n)]
    if unknown:
        raise ValueError(
            f"invalid parameter(s) {unknown} for {owner} (estimator "
            f"{type(estimator).__name__}); valid parameters are: {valid}"
        )


def search_spaces(owner: str, name: str, value: Any, estimator: Any) -> list[Mapping]:
    """The non-empty dicts of a ``param_distributions``-like argument, their names checked."""
    spaces = [value] if isinstance(value, Mapping) else value
    if not spaces or any(not isinstance(s, Mapping) or not s for s in spaces):
        raise ValueError(f"{name} must be a non-empty dict or list of dicts, got {value!r}")
    for space in spaces:
        check_space_names(owner, estimator, space)
    return list(spaces)


@dataclass
class Rounds:
    """What a search's ``_run_search`` receives: the data's size and splits, and ``evaluate``.

    Calling it evaluates candidates on the splits (or on ``round_splits``) in
    one Dask graph and returns ``cv_results_`` of everything evaluated so far.
    It lives only during ``fit``: nothing of the data stays on the search.
    """

    n_samples: int
    y: Any
    splits: list
    evaluator: Evaluator
    metric_names: list
    return_train_score: bool
    error_score: Any
    candidates: list = field(default_factory=list)
    records: list = field(default_factory=list)
    more: dict = field(default_factory=dict)

    def __call__(
        self,
        candidates: Sequence[Mapping],
        more: Mapping | None = None,
        round_splits: Sequence | None = None,
    ) -> dict:
        candidates = [dict(c) for c in candidates]
        self.records.extend(self.evaluator.evaluate(candidates, round_splits or self.splits))
        self.candidates.extend(candidates)
        for key, values in (more or {}).items():
            self.more.setdefault(key, []).extend(values)
        with warnings.catch_warnings():  # warned once, on the final results
            warnings.simplefilter("ignore", UserWarning)
            return self.results()

    def results(self) -> dict:
        return format_results(
            self.candidates,
            self.records,
            returned_metric_names(self.records, self.metric_names),
            self.return_train_score,
            self.error_score,
            self.more,
        )


class BaseSearch(SearchDisplay, BestEstimatorDelegation, MetaEstimatorMixin, BaseEstimator):
    """Base class of the engine's cross-validated searches (not public API).

    ``fit`` checks the parameters once (``_parameter_constraints``, then the
    subclass's :meth:`_check_search`), splits the data, runs
    :meth:`_run_search` with a :class:`Rounds` and refits the best candidate.
    Each search declares its own ``__init__`` with every parameter of
    ``_parameter_constraints`` (scikit-learn's rule) and stores them with
    :func:`~engine.data.set_init_params`.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "scoring": [SCORER_NAMES, callable, list, tuple, set, frozenset, dict, None],
        "refit": ["boolean", str, callable],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "error_score": [StrOptions({"raise"}), numbers.Real],
        "return_train_score": ["boolean"],
        "checkpoint": [None, str, os.PathLike],
        "n_jobs": [numbers.Integral, None],
    }

    # -- hooks for subclasses ------------------------------------------------
    def _check_search(self) -> None:
        """Rules on the search space beyond ``_parameter_constraints`` (raise ``ValueError``)."""

    def _fingerprint(self) -> Any:  # pragma: no cover - abstract
        """What determines the candidates (with the data and splits: the checkpoint's identity)."""
        raise NotImplementedError

    def _run_search(self, rounds: Rounds) -> None:  # pragma: no cover - abstract
        """Evaluate candidates by calling ``rounds`` once per round."""
        raise NotImplementedError

    # -- fit -----------------------------------------------------------------
    def _check(self) -> None:
        check_params(self)
        self._check_search()
        if self.checkpoint is not None and getattr(self, "random_state", 0) is None:
            raise ValueError(
                f"{type(self).__name__} with a checkpoint needs an integer random_state, "
                "so that a rerun draws the same candidates and can resume"
            )

    def fit(self, X, y=None, *, groups=None, **fit_params):
        """Evaluate every candidate on every fold (one Dask graph per round), then refit.

        Parameters
        ----------
        X : array-like, pandas or Dask collection of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
        groups : array-like, optional
            Group labels passed to the splitter.
        **fit_params
            Passed to the estimator's ``fit`` (``step__name`` for a Pipeline),
            ``sample_weight`` also to the scorers that accept it; with
            ``sklearn.set_config(enable_metadata_routing=True)``, routed where
            the estimator, scorers and splitter requested them, as
            scikit-learn routes them. Arrays of length ``n_samples`` are
            sliced per fold.

        Returns
        -------
        self
        """
        self._check()
        native = native_spec(self.estimator, X)
        scorers, multimetric = resolve_scorers(
            self.scoring, dask_native=final_estimator(self.estimator) if native else None
        )
        check_refit(self.refit, scorers, multimetric)
        scorer = sklearn_scorer(self.estimator, self.scoring, self.error_score)
        params = fit_params if groups is None else {**fit_params, "groups": groups}
        routed = route_search_params(self, scorer, params)
        fit_params = routed.fit
        data = prepare_data(X, y, self.estimator)
        cv = check_cv(self.cv, data.y_split, classifier=is_classifier(self.estimator))
        splits = [
            (np.asarray(tr), np.asarray(te))
            for tr, te in cv.split(data.X_split, data.y_split, **routed.split)
        ]
        if not splits:
            raise ValueError(NO_FITS)
        self.multimetric_ = multimetric
        self.scorer_ = scorers if multimetric else scorers["score"]
        self.n_splits_ = len(splits)
        rank_metric = (
            self.refit if multimetric and isinstance(self.refit, str) else next(iter(scorers))
        )
        fingerprint = tokenize(
            type(self).__name__,
            estimator_token(
                (
                    self.estimator,
                    self._fingerprint(),
                    self.scoring,
                    self.error_score,
                    fit_params,
                    routed.score,
                )
            ),
            tokenize(splits),
            data.token,
            self.return_train_score,
        )
        progress = Progress(self.verbose, type(self).__name__)
        evaluator = Evaluator(
            self.estimator,
            data,
            scorers,
            error_score=self.error_score,
            return_train_score=self.return_train_score,
            fit_params=fit_params,
            checkpoint=Checkpoint(self.checkpoint, fingerprint),
            progress=progress,
            rank_metric=rank_metric,
            random_state=getattr(self, "random_state", None),
            score_params=routed.score,
        )
        rounds = Rounds(
            data.n_samples,
            data.y_split,
            splits,
            evaluator,
            list(scorers),
            self.return_train_score,
            self.error_score,
        )
        try:
            self._run_search(rounds)
        finally:
            progress.close()
        if not rounds.candidates:
            raise ValueError(NO_FITS)
        self.n_fits_ = evaluator.n_fits
        self.n_fit_tasks_ = evaluator.planner.n_tasks_fit
        self.error_messages_ = error_messages(rounds.records)
        warn_fit_failures(self.error_messages_, self.error_score)
        warn_score_failures(rounds.records, self.error_score)
        self.cv_results_ = rounds.results()
        names = returned_metric_names(rounds.records, list(scorers))
        if callable(self.scoring) and names != ["score"]:  # the callable returned a dict
            self.multimetric_ = True
            check_refit(self.refit, names, True)
            rank_metric = self.refit if isinstance(self.refit, str) else names[0]
        self._select_best(rank_metric)
        if self.refit:
            if evaluator.native is not None:
                self._refit_native(evaluator.native)
            else:
                self._refit(data, fit_params)
        return self

    def get_metadata_routing(self):
        """The routing of ``fit``'s parameters: estimator, scorer(s) and splitter, as scikit-learn.

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
        """
        scorer = sklearn_scorer(self.estimator, self.scoring, self.error_score)
        return search_router(self, self.estimator, scorer, self.cv)

    def _select_best(self, rank_metric: str) -> None:
        if not self.refit and self.multimetric_:
            return
        if callable(self.refit):
            self.best_index_ = check_refit_index(
                self.refit(self.cv_results_), len(self.cv_results_["params"])
            )
        else:
            self.best_index_ = int(self.cv_results_[f"rank_test_{rank_metric}"].argmin())
            self.best_score_ = float(self.cv_results_[f"mean_test_{rank_metric}"][self.best_index_])
        self.best_params_ = self.cv_results_["params"][self.best_index_]

    def _refit_native(self, trainer: NativeTrainer) -> None:
        """Refit a Dask-native estimator on all rows (mean best iteration + 1 rounds)."""
        best = self.cv_results_.get("mean_best_iteration")
        start = time.perf_counter()
        est = trainer.refit(self.best_params_, None if best is None else best[self.best_index_])
        self.refit_time_ = time.perf_counter() - start
        self._set_best_estimator(est)

    def _refit(self, data, fit_params: Mapping) -> None:
        task = delayed(in_callers_config(_refit_task), pure=False)(
            data.X_node, data.y_node, self.estimator, self.best_params_, dict(fit_params)
        )
        est, self.refit_time_ = run_tasks({"refit": task}, lambda *_: None)["refit"]
        self._set_best_estimator(est)
