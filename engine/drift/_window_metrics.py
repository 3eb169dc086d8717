"""Metrics of one window from its sufficient statistics (scikit-learn's definitions).

Classification metrics come from the window's confusion counts (a Series of
row counts indexed by ``(true label, predicted label)``); regression metrics
from the window's error sums (``n``, ``abs`` = sum of absolute errors, ``sq``
= sum of squared errors). Undefined ratios (0/0) are 0 with an
``UndefinedMetricWarning`` naming the window, as scikit-learn's default
``zero_division="warn"`` does.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import UndefinedMetricWarning

CLASSIFICATION = ("accuracy", "precision", "recall", "f1")
REGRESSION = ("mae", "mse", "rmse")
LOWER_IS_BETTER = REGRESSION


def regression_value(metric: str, sums: pd.Series) -> float:
    """MAE, MSE or RMSE from the error sums of the rows."""
    n = float(sums["n"])
    if metric == "mae":
        return float(sums["abs"]) / n
    mse = float(sums["sq"]) / n
    return math.sqrt(mse) if metric == "rmse" else mse


def _divide(num: np.ndarray, den: np.ndarray, what: str, where: str) -> np.ndarray:
    zero = den == 0
    if zero.any():
        warnings.warn(
            f"{what} is ill-defined and set to 0.0 in {where} (no samples to divide by)",
            UndefinedMetricWarning,
            stacklevel=4,
        )
    out = np.zeros(len(num))
    np.divide(num, den, out=out, where=~zero)
    return out


def classification_value(
    metric: str, counts: pd.Series, average: str, pos_label, where: str
) -> float:
    """Accuracy, precision, recall or F1 from confusion counts indexed by (true, predicted)."""
    true_l = counts.index.get_level_values(0)
    pred_l = counts.index.get_level_values(1)
    values = counts.to_numpy(dtype=np.float64)
    diagonal = np.asarray(true_l == pred_l)
    if metric == "accuracy":
        return float(values[diagonal].sum() / values.sum())
    labels = np.unique(np.concatenate([true_l.to_numpy(), pred_l.to_numpy()]))
    if average == "binary":
        labels = np.array([pos_label], dtype=labels.dtype if pos_label in labels else object)
    tp = np.array([values[diagonal & np.asarray(true_l == lab)].sum() for lab in labels])
    true = np.array([values[np.asarray(true_l == lab)].sum() for lab in labels])
    pred = np.array([values[np.asarray(pred_l == lab)].sum() for lab in labels])
    if average == "micro":
        tp, true, pred = tp.sum(keepdims=True), true.sum(keepdims=True), pred.sum(keepdims=True)
    if metric == "precision":
        scores = _divide(tp, pred, "Precision", where)
    elif metric == "recall":
        scores = _divide(tp, true, "Recall", where)
    else:
        scores = _divide(2 * tp, true + pred, "F-score", where)
    if average == "weighted":
        return float(np.average(scores, weights=true)) if true.sum() > 0 else 0.0
    return float(np.mean(scores))
