"""The common machinery of every search: validation, evaluation rounds, refit, delegation."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from dask import delayed
from dask.base import tokenize
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from engine.data._validation import InstanceOf, Satisfies, check_param_names, validate_params
from engine.model_selection._checkpoint import Checkpoint
from engine.model_selection._evaluate import Evaluator, SearchData, prepare_data
from engine.model_selection._plan import token
from engine.model_selection._progress import Progress
from engine.model_selection._results import error_messages, format_results, warn_fit_failures
from engine.model_selection._run import run_tasks
from engine.model_selection._scoring import check_refit, resolve_scorers
from engine.model_selection._tasks import single_blas_thread


def _refit_task(X, y, estimator, params, fit_params):
    # one BLAS/OpenMP thread here too: on a busy machine, threaded BLAS in a
    # single task costs far more than it gains
    with single_blas_thread():
        start = time.perf_counter()
        est = clone(estimator).set_params(**params)
        est.fit(X, y, **fit_params) if y is not None else est.fit(X, **fit_params)
        return est, time.perf_counter() - start


def _estimator_has(attr: str):
    def check(self):
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
            return True
        getattr(self.estimator, attr)
        return True

    return check


def valid_param_names(estimator: Any, space: Mapping) -> set[str]:
    """Names accepted by ``set_params``, including those of estimators put in by ``space``."""
    names = set(estimator.get_params(deep=True))
    for key, values in space.items():
        options = values if isinstance(values, list | tuple) else []
        for value in options:
            if hasattr(value, "get_params") and not isinstance(value, type):
                names.update(f"{key}__{p}" for p in value.get_params(deep=True))
    return names


def check_space_names(owner: str, estimator: Any, space: Mapping) -> None:
    """``ValueError`` naming unknown parameters and listing the valid names."""
    check_param_names(
        f"{owner} (estimator {type(estimator).__name__})",
        list(space),
        valid_param_names(estimator, space),
    )


class BaseSearch(MetaEstimatorMixin, BaseEstimator):
    """Base class of the engine's searches (not public API)."""

    _parameter_constraints: dict = {
        "estimator": [Satisfies(lambda e: hasattr(e, "fit"), "an estimator with fit")],
        "refit": [InstanceOf((bool, str)), Satisfies(callable, "a callable")],
        "verbose": [InstanceOf((int, bool))],
        "return_train_score": [InstanceOf((bool,))],
        "error_score": [
            "raise",
            Satisfies(lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
        ],
        "checkpoint": [
            None,
            InstanceOf((str,)),
            Satisfies(lambda p: hasattr(p, "__fspath__"), "a path"),
        ],
    }

    def __init__(
        self,
        estimator,
        *,
        scoring=None,
        refit=True,
        cv=None,
        verbose=0,
        error_score=np.nan,
        return_train_score=False,
        checkpoint=None,
    ):
        self.estimator = estimator
        self.scoring = scoring
        self.refit = refit
        self.cv = cv
        self.verbose = verbose
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.checkpoint = checkpoint

    # -- hooks for subclasses ------------------------------------------------
    def _search_token(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _run_search(self, evaluate) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- fit -----------------------------------------------------------------
    def _validate(self) -> None:
        params = self.get_params(deep=False)
        validate_params(type(self).__name__, params, self._parameter_constraints)

    def _setup(self, X, y, groups, fit_params):
        self._validate()
        if (
            self.checkpoint is not None
            and "random_state" in self.get_params(deep=False)
            and getattr(self, "random_state", 0) is None
        ):
            raise ValueError(
                f"{type(self).__name__} with a checkpoint needs an integer random_state, "
                "so that a rerun draws the same candidates and can resume"
            )
        scorers, multimetric = resolve_scorers(self.scoring)
        check_refit(self.refit, scorers, multimetric)
        data = prepare_data(X, y)
        cv = check_cv(self.cv, data.y_split, classifier=is_classifier(self.estimator))
        splits = [
            (np.asarray(tr), np.asarray(te))
            for tr, te in cv.split(data.X_split, data.y_split, groups)
        ]
        return scorers, multimetric, data, cv, splits

    def fit(self, X, y=None, *, groups=None, **fit_params):
        """Evaluate every candidate on every fold (one Dask graph per round), then refit.

        Parameters
        ----------
        X : array-like, pandas or Dask collection of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
        groups : array-like, optional
            Group labels passed to the splitter.
        **fit_params
            Passed to the estimator's ``fit`` (``step__name`` for a Pipeline);
            arrays of length ``n_samples`` are sliced per fold.

        Returns
        -------
        self
        """
        scorers, multimetric, data, cv, splits = self._setup(X, y, groups, fit_params)
        self.multimetric_ = multimetric
        self.scorer_ = scorers if multimetric else scorers["score"]
        self.n_splits_ = len(splits)
        rank_metric = (
            self.refit if multimetric and isinstance(self.refit, str) else next(iter(scorers))
        )
        fingerprint = tokenize(
            type(self).__name__,
            token(self.estimator),
            token(self._search_token()),
            token(self.scoring),
            tokenize(splits),
            data.token,
            repr(self.error_score),
            self.return_train_score,
            token(fit_params),
        )
        checkpoint = Checkpoint(self.checkpoint, fingerprint)
        progress = Progress(self.verbose, type(self).__name__)
        evaluator = Evaluator(
            self.estimator,
            data,
            scorers,
            error_score=self.error_score,
            return_train_score=self.return_train_score,
            fit_params=fit_params,
            checkpoint=checkpoint,
            progress=progress,
            rank_metric=rank_metric,
        )
        all_candidates: list[dict] = []
        all_records: list[list[dict]] = []
        all_more: dict[str, list] = {}

        def evaluate(candidates: Sequence[Mapping], more: Mapping | None = None, round_splits=None):
            candidates = [dict(c) for c in candidates]
            records = evaluator.evaluate(candidates, round_splits or splits)
            all_candidates.extend(candidates)
            all_records.extend(records)
            for key, values in (more or {}).items():
                all_more.setdefault(key, []).extend(values)
            with warnings.catch_warnings():  # warned once, on the final results
                warnings.simplefilter("ignore", UserWarning)
                return format_results(
                    all_candidates,
                    all_records,
                    list(scorers),
                    self.return_train_score,
                    self.error_score,
                    all_more,
                )

        self._data_info = (data.n_samples, data.y_split, splits)
        try:
            self._run_search(evaluate)
        finally:
            progress.close()
        if not all_candidates:
            raise ValueError(f"{type(self).__name__} evaluated no candidate")
        self.n_fits_ = evaluator.n_fits
        self.n_fit_tasks_ = evaluator.planner.n_tasks_fit
        self.error_messages_ = error_messages(all_records)
        warn_fit_failures(self.error_messages_, self.error_score)
        self.cv_results_ = format_results(
            all_candidates,
            all_records,
            list(scorers),
            self.return_train_score,
            self.error_score,
            all_more,
        )
        self._select_best(rank_metric)
        if self.refit:
            self._refit(data, fit_params)
        return self

    def _select_best(self, rank_metric: str) -> None:
        if not self.refit and self.multimetric_:
            return
        if callable(self.refit):
            self.best_index_ = int(self.refit(self.cv_results_))
        else:
            self.best_index_ = int(self.cv_results_[f"rank_test_{rank_metric}"].argmin())
            self.best_score_ = float(self.cv_results_[f"mean_test_{rank_metric}"][self.best_index_])
        self.best_params_ = self.cv_results_["params"][self.best_index_]

    def _refit(self, data: SearchData, fit_params: Mapping) -> None:
        task = delayed(_refit_task, pure=False)(
            data.X_node, data.y_node, self.estimator, self.best_params_, dict(fit_params)
        )
        est, self.refit_time_ = run_tasks({"refit": task}, lambda *_: None)["refit"]
        self.best_estimator_ = est
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(est, attr):
                setattr(self, attr, getattr(est, attr))

    # -- delegation ----------------------------------------------------------
    @property
    def classes_(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    def score(self, X, y=None) -> float:
        """Score of ``best_estimator_`` with the refit metric (its own ``score`` if none)."""
        check_is_fitted(self, "best_estimator_")
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        if scorer is None:
            return self.best_estimator_.score(X, y)
        return scorer(self.best_estimator_, X, y)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """``best_estimator_.predict(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """``best_estimator_.predict_proba(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """``best_estimator_.predict_log_proba(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """``best_estimator_.decision_function(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)

    @available_if(_estimator_has("transform"))
    def transform(self, X):
        """``best_estimator_.transform(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)

    @available_if(_estimator_has("inverse_transform"))
    def inverse_transform(self, X):
        """``best_estimator_.inverse_transform(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.inverse_transform(X)
