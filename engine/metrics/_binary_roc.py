"""Binary ROC primitives on an exact score distribution (shared by every ROC metric).

A binary problem arrives as the sorted distinct scores with the (weighted)
number of positive and negative rows at each score. Cumulating from the
highest score down gives scikit-learn's thresholds and true/false positive
counts exactly; the area is the trapezoid sum (Numba, in count units).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from engine.kernels.distinct import roc_area


def curve_points(values: np.ndarray, pos: np.ndarray, neg: np.ndarray):
    """``(fps, tps, thresholds)`` at every distinct score, from the highest down."""
    keep = (pos + neg) != 0
    if not keep.all():
        values, pos, neg = values[keep], pos[keep], neg[keep]
    return np.cumsum(neg[::-1]), np.cumsum(pos[::-1]), values[::-1].copy()


def _rate(cumulative: np.ndarray, message: str) -> np.ndarray:
    if cumulative[-1] <= 0:
        warnings.warn(message, UndefinedMetricWarning, stacklevel=4)
        return np.full(cumulative.shape, np.nan)
    return cumulative / cumulative[-1]


def curve_from_points(fps, tps, thresholds, drop_intermediate: bool = True):
    """scikit-learn's ``roc_curve`` tail: drop collinear points, prepend (0, 0), normalize."""
    if drop_intermediate and fps.shape[0] > 2:
        optimal = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thresholds = fps[optimal], tps[optimal], thresholds[optimal]
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    fpr = _rate(fps, "No negative samples in y_true, false positive value should be meaningless")
    tpr = _rate(tps, "No positive samples in y_true, true positive value should be meaningless")
    return fpr, tpr, thresholds


def _auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    direction = 1
    dx = np.diff(fpr)
    if np.any(dx < 0):
        if np.all(dx <= 0):
            direction = -1
        else:
            raise ValueError(f"x is neither increasing nor decreasing : {fpr}.")
    return float(direction * np.trapezoid(tpr, fpr))


def binary_auc(values, pos, neg, max_fpr=None) -> float:
    """Binary ROC AUC (optionally McClish-standardized partial AUC) from one distribution."""
    if max_fpr is None or max_fpr == 1:
        pos = np.ascontiguousarray(pos, dtype=np.float64)
        neg = np.ascontiguousarray(neg, dtype=np.float64)
        if pos.sum() <= 0 or neg.sum() <= 0:  # warns and returns NaN like scikit-learn's curve
            fps, tps, thr = curve_points(values, pos, neg)
            return _auc(*curve_from_points(fps, tps, thr)[:2])
        return float(roc_area(pos, neg))
    fps, tps, thr = curve_points(values, pos, neg)
    fpr, tpr, _ = curve_from_points(fps, tps, thr)
    if max_fpr <= 0 or max_fpr > 1:
        raise ValueError(f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    stop = np.searchsorted(fpr, max_fpr, "right")
    tpr = np.append(
        tpr[:stop], np.interp(max_fpr, [fpr[stop - 1], fpr[stop]], [tpr[stop - 1], tpr[stop]])
    )
    fpr = np.append(fpr[:stop], max_fpr)
    partial = _auc(fpr, tpr)
    min_area = 0.5 * max_fpr**2
    return 0.5 * (1 + (partial - min_area) / (max_fpr - min_area))


def pos_label_index(labels: np.ndarray, pos_label) -> int:
    """Column of ``pos_label`` among the sorted labels (-1 if absent); scikit-learn's default rule."""
    if pos_label is None:
        ok = labels.dtype.kind in "biuf" and (
            set(labels.tolist()) <= {0, 1} or set(labels.tolist()) <= {-1, 1}
        )
        if not ok:
            classes_repr = ", ".join(repr(c) for c in labels.tolist())
            raise ValueError(
                f"y_true takes value in {{{classes_repr}}} and pos_label is not specified: either "
                "make y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly."
            )
        pos_label = 1
    hits = np.flatnonzero(labels == pos_label)
    return int(hits[0]) if hits.size else -1
