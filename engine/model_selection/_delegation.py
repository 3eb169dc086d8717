"""What a fitted search answers on behalf of its best estimator: one mixin for every search.

Every delegated method (``predict``, ``predict_proba``,
``predict_log_proba``, ``decision_function``, ``score_samples``,
``transform``, ``inverse_transform``) exists when the best estimator (before
``fit``: the template) has it, as in scikit-learn, and every call goes
through :meth:`BestEstimatorDelegation._delegate`, which makes the row-wise
ones (all but ``inverse_transform``) lazy and blockwise on Dask and xarray
input (one task per row block, the input's kind out) and matches columns by
name on every named input (``engine.data.call_blockwise``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dask
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import _raise_for_params, _routing_enabled, process_routing
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from engine.data import call_blockwise
from engine.metrics import default_score, get_scorer, get_scorer_names
from engine.models import inherit_predictor_tags, is_dask_native

#: Delegated methods whose input is not a table of the fitted columns.
_NOT_ROW_WISE = frozenset({"inverse_transform"})


def check_refitted(search: Any, attr: str) -> None:
    """scikit-learn's ``AttributeError`` for ``attr`` of a search fitted with ``refit=False``."""
    if not getattr(search, "refit", True):
        raise AttributeError(
            f"This {type(search).__name__} instance was initialized with `refit=False`. "
            f"{attr} is available only after refitting on the best parameters. You can "
            "refit an estimator manually using the `best_params_` attribute"
        )


def _best_has(method: str):
    def check(self) -> bool:
        check_refitted(self, method)
        getattr(
            self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator, method
        )
        return True

    return check


def _delegated(method: str):
    def call(self, X):
        return self._delegate(method, X)

    call.__name__ = call.__qualname__ = method
    call.__doc__ = f"``best_estimator_.{method}(X)``."
    return available_if(_best_has(method))(call)


class BestEstimatorDelegation:
    """Mixin of the searches: delegation to ``best_estimator_``, ``classes_``, ``score``, tags.

    A search sets its best model with :meth:`_set_best_estimator` (which also
    copies ``n_features_in_`` and ``feature_names_in_``); ``score`` uses the
    search's refit scorer (``scorer_``, one per metric when ``multimetric_``).
    The estimator's tags (classifier or regressor, sparse input, pairwise) are
    the search's, as in scikit-learn, so ``is_classifier(search)`` and the
    splitters that depend on it see what the search will fit.
    """

    def __sklearn_tags__(self):
        tags = inherit_predictor_tags(super().__sklearn_tags__(), self.estimator)
        inner = get_tags(self.estimator)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags

    predict = _delegated("predict")
    predict_proba = _delegated("predict_proba")
    predict_log_proba = _delegated("predict_log_proba")
    decision_function = _delegated("decision_function")
    score_samples = _delegated("score_samples")
    transform = _delegated("transform")
    inverse_transform = _delegated("inverse_transform")

    def _delegate(self, method: str, X: Any) -> Any:
        """``best_estimator_.<method>(X)``: every delegated call goes through here."""
        check_is_fitted(self, "best_estimator_")
        if method in _NOT_ROW_WISE or is_dask_native(self.best_estimator_):
            return getattr(self.best_estimator_, method)(X)
        return call_blockwise(self.best_estimator_, method, X)

    def _set_best_estimator(self, estimator: Any) -> None:
        self.best_estimator_ = estimator
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(estimator, attr):
                setattr(self, attr, getattr(estimator, attr))

    @property
    def classes_(self):
        """Class labels of ``best_estimator_``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    def score(self, X, y=None, **params) -> float:
        """Score of ``best_estimator_`` with the refit metric (its own ``score`` if none).

        ``params`` go to the scorer, only with
        ``sklearn.set_config(enable_metadata_routing=True)`` (scikit-learn's
        rule; a ``ValueError`` otherwise).

        On Dask input the predictions are made blockwise and lazily and the
        metric (accuracy / R² when the search has no scorer; a named scorer
        as ``engine.metrics.get_scorer`` makes it) is computed with
        ``engine.metrics`` in one pass, never collecting ``X``. A user's
        callable scorer gets the search and the Dask input as they are.
        """
        check_refitted(self, "score")
        check_is_fitted(self, "best_estimator_")
        _raise_for_params(params, self, "score")
        if _routing_enabled():
            params = process_routing(self, "score", **params).scorer["score"]
        scorer = self.scorer_[self.refit] if isinstance(self.scorer_, dict) else self.scorer_
        if not dask.is_dask_collection(X):
            best = self.best_estimator_
            value = best.score(X, y, **params) if scorer is None else scorer(best, X, y, **params)
            # a callable scoring that returns a dict of metrics
            return value[self.refit] if isinstance(value, Mapping) else value
        if scorer is None:
            return default_score(self, X, y)
        return self._engine_scorer(scorer)(self, X, y)

    def _engine_scorer(self, scorer):
        """The refit metric computed by ``engine.metrics`` (one pass on Dask) when it is named."""
        name = self.scoring
        if self.multimetric_:
            name = self.refit if isinstance(self.scoring, list | tuple | set | frozenset) else None
            name = self.scoring.get(self.refit) if isinstance(self.scoring, dict) else name
        return get_scorer(name) if isinstance(name, str) and name in get_scorer_names() else scorer
