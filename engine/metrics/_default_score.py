"""An estimator's default ``score``: accuracy for classifiers, R² for regressors, one pass on Dask."""

from __future__ import annotations

from typing import Any

from sklearn.base import is_classifier, is_regressor

from engine.metrics._classification import accuracy_score
from engine.metrics._regression import r2_score


def default_score(estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> float:
    """scikit-learn's default ``score(X, y)`` of a fitted estimator, with the engine's metrics.

    Accuracy for a classifier, R² (uniform average over outputs) for a
    regressor, computed on ``estimator.predict(X)``. With a model that
    predicts Dask input lazily (every engine model does), Dask ``X`` and ``y``
    are scored in one pass over the data: ``X`` is never collected, only the
    metric's small partial results are.

    Parameters
    ----------
    estimator : fitted classifier or regressor
    X : table of any supported kind
    y : targets of the same kind family (NumPy/pandas, or Dask with the same row blocks)
    sample_weight : array-like, optional

    Returns
    -------
    float

    Raises
    ------
    TypeError
        When the estimator is neither a classifier nor a regressor.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from engine.metrics import default_score
    >>> X = np.arange(4.0)[:, None]
    >>> default_score(LinearRegression().fit(X, 2 * X.ravel()), X, 2 * X.ravel())
    1.0
    """
    if is_classifier(estimator):
        return accuracy_score(y, estimator.predict(X), sample_weight=sample_weight)
    if is_regressor(estimator):
        return r2_score(y, estimator.predict(X), sample_weight=sample_weight)
    raise TypeError(
        f"{type(estimator).__name__} is neither a classifier nor a regressor: it has no "
        "default score; pass a scoring"
    )
