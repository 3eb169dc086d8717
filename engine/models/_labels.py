"""Train a classifier on class codes 0..k-1 and answer in the user's labels, lazily on Dask.

XGBoost's Dask classifier needs labels ``0..k-1`` (and finds its ``classes_``
in first-seen order); LightGBM's encodes labels separately on every worker
and rejects strings there. :class:`LabelEncodedClassifier` gives both any
labels (strings, booleans, ``{-1, 1}``...): the classes are found exactly
(one pass over Dask ``y``, or given), ``y`` (and the labels of an
``eval_set``) are encoded block by block, and ``predict`` decodes block by
block, keeping the prediction's kind.
"""

from __future__ import annotations

from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from engine.data import HasMethods, check_params
from engine.metrics import unique_labels

__all__ = ["LabelEncodedClassifier"]


def _encode_block(block: Any, classes: np.ndarray) -> Any:
    values = np.asarray(block).ravel()
    codes = np.searchsorted(classes, values)
    codes = np.clip(codes, 0, len(classes) - 1)
    unknown = classes[codes] != values
    if unknown.any():
        raise ValueError(
            f"y contains labels not seen among the classes {classes.tolist()}: "
            f"{np.unique(values[unknown]).tolist()[:10]}"
        )
    codes = codes.astype(np.int32)
    if isinstance(block, pd.Series):
        return pd.Series(codes, index=block.index, name=block.name)
    return codes.reshape(np.shape(block))


def _decode_block(block: Any, classes: np.ndarray) -> Any:
    codes = np.asarray(block).astype(np.intp)
    labels = classes[codes]
    if isinstance(block, pd.Series):
        return pd.Series(labels, index=block.index, name=block.name)
    return labels


def _map_labels(values: Any, func, classes: np.ndarray, dtype) -> Any:
    """``func(block, classes)`` block by block; the same kind as ``values`` (lazy for Dask)."""
    if isinstance(values, dd.Series):
        meta = pd.Series(np.array([], dtype=dtype), name=values.name)
        return values.map_partitions(func, classes, meta=meta)
    if isinstance(values, da.Array):
        return values.map_blocks(func, classes, dtype=dtype)
    if isinstance(values, pd.Series):
        return func(values, classes)
    return func(np.asarray(values), classes)


def encode_labels(y: Any, classes: np.ndarray) -> Any:
    """``y`` as int32 codes into ``classes`` (sorted), lazily for Dask; unknown labels raise."""
    return _map_labels(y, _encode_block, classes, np.int32)


def decode_labels(codes: Any, classes: np.ndarray) -> Any:
    """Class codes back to the labels ``classes[codes]``, lazily for Dask."""
    return _map_labels(codes, _decode_block, classes, classes.dtype)


def _codes_for_fit(y: Any, classes: np.ndarray) -> Any:
    """``y`` encoded for ``fit``: a Dask Series becomes a dask array of its codes.

    XGBoost's Dask classifier finds its classes with ``drop_duplicates`` on a
    Series (a shuffle across the cluster) but with a tree reduction on an
    array; both engines take an array ``y`` beside a DataFrame ``X``.
    """
    codes = encode_labels(y, classes)
    return codes.to_dask_array() if isinstance(codes, dd.Series) else codes


def _inner_has(method: str):
    def check(self) -> bool:
        getattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, method)
        return True

    return check


class LabelEncodedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A classifier trained on class codes ``0..k-1`` that predicts the original labels.

    Method: ``fit`` finds the sorted distinct labels of ``y`` (exact; one
    pass over Dask ``y``) unless ``classes`` is given, encodes ``y`` and the
    labels of an ``eval_set`` fit parameter block by block, and fits a clone
    of ``estimator`` on the codes. ``predict`` decodes the estimator's codes
    block by block (lazy for Dask, same kind as the estimator's output);
    ``predict_proba`` has one column per class of ``classes_`` in that
    order. The searches wrap Dask-native classifiers (XGBoost's, LightGBM's)
    in it, so those train on string, boolean or ``{-1, 1}`` labels.

    Parameters
    ----------
    estimator : classifier
        Trained on int32 codes.
    classes : array-like, optional
        The classes, when already known (skips the pass over ``y``).

    Attributes
    ----------
    estimator_ : the fitted clone
    classes_ : ndarray of the sorted labels

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LabelEncodedClassifier(LogisticRegression()).fit(X, ["No", "No", "Yes", "Yes"])
    >>> clf.predict(X).tolist()
    ['No', 'No', 'Yes', 'Yes']
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "classes": ["array-like", None],
    }

    def __init__(self, estimator, classes=None):
        self.estimator = estimator
        self.classes = classes

    def fit(self, X, y, **fit_params):
        """Fit ``estimator`` on the class codes of ``y``.

        Parameters
        ----------
        X : array-like, pandas or Dask collection
        y : labels of shape (n_samples,)
        **fit_params
            Passed to the estimator's ``fit``; the labels of ``eval_set``
            pairs are encoded too.

        Returns
        -------
        self
        """
        check_params(self)
        classes = unique_labels(y) if self.classes is None else np.asarray(self.classes)
        if classes.size < 2:
            raise ValueError(
                f"{type(self.estimator).__name__} needs at least 2 classes in y; got "
                f"{classes.tolist()}"
            )
        if "eval_set" in fit_params and fit_params["eval_set"] is not None:
            fit_params = dict(fit_params)
            fit_params["eval_set"] = [
                (Xv, _codes_for_fit(yv, classes)) for Xv, yv in fit_params["eval_set"]
            ]
        self.classes_ = classes
        self.estimator_ = clone(self.estimator).fit(X, _codes_for_fit(y, classes), **fit_params)
        return self

    def predict(self, X):
        """Predicted labels (the estimator's codes decoded; lazy for Dask)."""
        check_is_fitted(self, "estimator_")
        return decode_labels(self.estimator_.predict(X), self.classes_)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, one column per label of ``classes_`` (lazy for Dask)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the fitted estimator."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.n_features_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
