"""Where the plots get their numbers: the engine's exact, one-pass metrics.

``engine.metrics`` gives scikit-learn's ROC curve and confusion matrix on
NumPy, pandas and Dask input (one pass, exact, identical on every scheduler).
"""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np

from engine.metrics import confusion_matrix, roc_curve


def roc_points(y_true, y_score, *, pos_label=None, sample_weight=None):
    """``(fpr, tpr, thresholds)`` exactly as ``sklearn.metrics.roc_curve``."""
    return roc_curve(y_true, y_score, pos_label=pos_label, sample_weight=sample_weight)


def confusion_counts(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """``(matrix, labels)``: ``sklearn.metrics.confusion_matrix`` and the labels it used.

    Without ``labels`` the sorted union of both inputs' values is used (one
    extra pass for Dask input: distinct values per block).
    """
    if labels is None:
        values = dask.compute(_unique(y_true), _unique(y_pred))
        labels = np.union1d(*(np.asarray(v) for v in values))
    labels = np.asarray(labels)
    matrix = confusion_matrix(
        y_true, y_pred, labels=labels, sample_weight=sample_weight, normalize=normalize
    )
    return np.asarray(matrix), labels


def _unique(values):
    """Distinct values (lazy for Dask input)."""
    if dask.is_dask_collection(values):
        if hasattr(values, "drop_duplicates"):
            return values.drop_duplicates()
        return da.unique(values.ravel())
    return np.unique(np.asarray(values))
