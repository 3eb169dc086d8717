"""``ParallelPostFit``: any fitted scikit-learn estimator, predicting Dask input lazily block by block."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import dask
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from engine.data import HasMethods, call_blockwise, check_params
from engine.metrics import default_score, get_scorer
from engine.models._tags import inherit_predictor_tags


def _estimator_has(method: str):
    def check(self) -> bool:
        getattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, method)
        return True

    return check


def _blockwise(method: str):
    def call(self, X):
        check_is_fitted(self, "estimator_")
        return call_blockwise(self.estimator_, method, X)

    call.__name__ = call.__qualname__ = method
    call.__doc__ = (
        f"``estimator_.{method}(X)``; lazy on Dask and xarray input, one task per row block, "
        "the input's kind out, columns matched by name."
    )
    return available_if(_estimator_has(method))(call)


class ParallelPostFit(MetaEstimatorMixin, BaseEstimator):
    """Fit as usual, then predict and transform Dask input in parallel, block by block.

    dask-ml's ``ParallelPostFit``, for any scikit-learn estimator. ``fit``
    trains a clone of ``estimator`` (``estimator_``) on the data in memory
    (Dask input is computed first: use :class:`Incremental` or a Dask-native
    estimator for data that does not fit). ``predict``, ``predict_proba``,
    ``predict_log_proba``, ``decision_function`` and ``transform`` then run
    the fitted estimator on every row block of a dask array, dask DataFrame
    or xarray DataArray, one task per block, and return the same kind,
    lazily. Unlike dask-ml's wrapper, a dask DataFrame gives a dask
    DataFrame/Series with the input's index and divisions (``predict_proba``:
    one column per class label), xarray input gives a DataArray with its row
    coordinate, and columns are matched by name (reordered columns are put
    back, a missing or extra column raises ``ValueError`` naming it).

    Values equal the in-memory method's on the concatenated data (bit for
    bit for row-wise estimators), on every scheduler. Cost: one pass over
    the input per call, memory bounded by the blocks in flight.

    Parameters
    ----------
    estimator : estimator
        Any scikit-learn estimator.
    scoring : str, callable or None, default=None
        The metric of :meth:`score` (a name of :func:`engine.metrics.get_scorer`
        or a scorer); None: the estimator's default (accuracy / R²), which on
        Dask input is computed with ``engine.metrics`` in one pass.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone; its learned attributes (``classes_``, ``coef_``,
        ``feature_names_in_``, ...) are also available on the wrapper.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd
    >>> from sklearn.linear_model import LogisticRegression
    >>> from engine.models import ParallelPostFit
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = ParallelPostFit(LogisticRegression()).fit(X, ["no", "no", "yes", "yes"])
    >>> proba = model.predict_proba(dd.from_pandas(X, npartitions=2))
    >>> list(proba.columns), proba.npartitions
    (['no', 'yes'], 2)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "scoring": [str, callable, None],
    }

    def __init__(self, estimator=None, scoring=None):
        self.estimator = estimator
        self.scoring = scoring

    def __sklearn_tags__(self):
        tags = inherit_predictor_tags(super().__sklearn_tags__(), self.estimator)
        inner = get_tags(self.estimator)
        tags.transformer_tags = deepcopy(inner.transformer_tags)
        tags.input_tags = deepcopy(inner.input_tags)
        tags.target_tags = deepcopy(inner.target_tags)
        return tags

    def fit(self, X, y=None, **fit_params):
        """Fit a clone of ``estimator`` on ``X`` (Dask input computed first).

        Returns
        -------
        self
        """
        check_params(self)
        if dask.is_dask_collection(X) or dask.is_dask_collection(y):
            X, y = dask.compute(X, y)
        self._set_fitted(clone(self.estimator).fit(X, y, **fit_params))
        return self

    def _set_fitted(self, estimator: Any) -> None:
        """Keep the fitted estimator and show its learned attributes on the wrapper."""
        for name, value in vars(estimator).items():
            if name.endswith("_") and not name.startswith("_"):
                setattr(self, name, value)
        self.estimator_ = estimator

    @available_if(_estimator_has("transform"))
    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X, y)``, then :meth:`transform` of ``X`` (lazy for Dask input)."""
        return self.fit(X, y, **fit_params).transform(X)

    predict = _blockwise("predict")
    predict_proba = _blockwise("predict_proba")
    predict_log_proba = _blockwise("predict_log_proba")
    decision_function = _blockwise("decision_function")
    transform = _blockwise("transform")

    @available_if(_estimator_has("score"))
    def score(self, X, y=None, sample_weight=None) -> float:
        """``scoring`` of the predictions; by default the estimator's own metric.

        With ``scoring=None``, in-memory input is scored by ``estimator_.score``
        and Dask input by accuracy (classifiers) or R² (regressors) with
        ``engine.metrics``, in one pass over the data without collecting ``X``.
        """
        check_is_fitted(self, "estimator_")
        if self.scoring is not None:
            kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
            return get_scorer(self.scoring)(self, X, y, **kwargs)
        if dask.is_dask_collection(X):
            return default_score(self, X, y, sample_weight)
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return self.estimator_.score(X, y, **kwargs)
