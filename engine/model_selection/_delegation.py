"""What a fitted search answers on behalf of its best estimator: one mixin for every search.

Every delegated method (``predict``, ``predict_proba``,
``predict_log_proba``, ``decision_function``, ``score_samples``,
``transform``, ``inverse_transform``) exists when the best estimator (before
``fit``: the template) has it, as in scikit-learn, and every call goes
through :meth:`BestEstimatorDelegation._delegate`: the one place to change to
make delegated calls lazy and blockwise on Dask input.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted


def _best_has(method: str):
    def check(self) -> bool:
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
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
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
        return getattr(self.best_estimator_, method)(X)

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

    def score(self, X, y=None) -> float:
        """Score of ``best_estimator_`` with the refit metric (its own ``score`` if none)."""
        check_is_fitted(self, "best_estimator_")
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        if scorer is None:
            return self.best_estimator_.score(X, y)
        return scorer(self.best_estimator_, X, y)
