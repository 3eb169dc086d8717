"""Where the plots get their numbers: the engine's one-pass metrics, else scikit-learn.

``engine.metrics`` computes ROC curves and confusion matrices exactly and in
one pass for Dask input; when it is not importable (a partial install), the
inputs are computed (1-D vectors only) and scikit-learn is used, which gives
the same values.
"""

from __future__ import annotations

from typing import Any

import dask
import dask.array as da
import numpy as np


def _engine_metrics():
    try:
        from engine import metrics
    except ImportError:  # pragma: no cover - only on partial installs
        return None
    return metrics


def local(*objects: Any) -> tuple:
    """Compute the Dask objects among ``objects`` (one ``dask.compute``); keep the rest."""
    lazy = [i for i, obj in enumerate(objects) if obj is not None and dask.is_dask_collection(obj)]
    out = list(objects)
    for i, value in zip(lazy, dask.compute(*(objects[i] for i in lazy)), strict=True):
        out[i] = value
    return tuple(out)


def roc_points(y_true, y_score, *, pos_label=None, sample_weight=None):
    """``(fpr, tpr, thresholds)`` exactly as ``sklearn.metrics.roc_curve``."""
    metrics = _engine_metrics()
    if metrics is not None:
        return metrics.roc_curve(y_true, y_score, pos_label=pos_label, sample_weight=sample_weight)
    from sklearn.metrics import roc_curve

    y_true, y_score, sample_weight = local(y_true, y_score, sample_weight)
    return roc_curve(y_true, y_score, pos_label=pos_label, sample_weight=sample_weight)


def confusion_counts(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """``(matrix, labels)``: ``sklearn.metrics.confusion_matrix`` and the labels it used."""
    if labels is None:
        values = local(_unique(y_true), _unique(y_pred))
        labels = np.union1d(*(np.asarray(v) for v in values))
    labels = np.asarray(labels)
    metrics = _engine_metrics()
    if metrics is not None:
        matrix = metrics.confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=sample_weight, normalize=normalize
        )
    else:
        from sklearn.metrics import confusion_matrix

        y_true, y_pred, sample_weight = local(y_true, y_pred, sample_weight)
        matrix = confusion_matrix(
            y_true, y_pred, labels=labels, sample_weight=sample_weight, normalize=normalize
        )
    return np.asarray(matrix), labels


def _unique(values):
    """Distinct values (lazy for Dask input: one small result per block)."""
    if dask.is_dask_collection(values):
        if hasattr(values, "drop_duplicates"):
            return values.drop_duplicates()
        return da.unique(values.ravel())
    return np.unique(np.asarray(values))
