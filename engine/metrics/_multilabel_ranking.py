"""ROC AUC of multilabel-indicator targets from one pass (scikit-learn's averages).

Method: per row block, (a) for every label column, the exact distribution of
its scores per true value of that column (the same sorted value counts the
binary ROC AUC uses), and (b) the ROC AUC of every row taken alone -- the
Mann-Whitney statistic over the row's labels, ties counted one half, equal to
the area under the row's ROC curve -- summed with the row weights, plus the
number of rows where it is undefined (a single class). ``average`` micro
merges the columns' distributions into one, macro/weighted/None take one AUC
per column, samples averages the per-row AUCs, all as
``sklearn.metrics.roc_auc_score`` does. Exact up to floating-point rounding
(~1e-15 relative); one pass.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata
from sklearn.exceptions import UndefinedMetricWarning

from engine.metrics._binary_roc import binary_auc, pos_label_index
from engine.stats.partials import (
    LabeledValueCounts,
    labeled_value_counts_block,
    merge_labeled_value_counts,
)

ONE_CLASS = "Only one class is present in y_true. ROC AUC score is not defined in that case."


@dataclass
class MultilabelScores:
    """Per-column score distributions and per-row AUC sums of a multilabel target.

    Attributes
    ----------
    columns : list of LabeledValueCounts
        Per label column: distribution of its scores per true value.
    row_auc : float
        Sum of weight x AUC over rows with two classes and nonzero weight.
    row_weight : float
        Sum of the row weights (rows when unweighted).
    n_one_class : int
        Rows whose labels are all equal (AUC undefined: scikit-learn warns).
    n_undefined : int
        Of those, rows with nonzero weight (they make the samples average NaN).
    n_two_class : int
        Rows with both classes.
    """

    columns: list
    row_auc: float
    row_weight: float
    n_one_class: int
    n_undefined: int
    n_two_class: int


def _row_aucs(y_true: np.ndarray, y_score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row AUC (NaN for one-class rows) and whether each row has two classes."""
    top = y_true.max(axis=1, keepdims=True)
    two = y_true.min(axis=1) != top[:, 0]
    pos = y_true == top
    n_pos = pos.sum(axis=1).astype(np.float64)
    n_neg = y_true.shape[1] - n_pos
    ranks = rankdata(y_score, axis=1) if y_score.size else np.zeros(y_score.shape)
    rank_sum = np.where(pos, ranks, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return np.where(two, auc, np.nan), two


def multilabel_scores_block(
    y_true: np.ndarray, y_score: np.ndarray, weights: np.ndarray | None
) -> MultilabelScores:
    """:class:`MultilabelScores` of one block (``y_score`` of the same shape as ``y_true``)."""
    if y_score.ndim != 2 or y_score.shape[1] != y_true.shape[1]:
        raise ValueError(
            f"y_score must have one column per label of the multilabel y_true "
            f"({y_true.shape[1]}); got shape {y_score.shape}"
        )
    columns = [
        labeled_value_counts_block(y_score[:, c], y_true[:, c], weights)
        for c in range(y_true.shape[1])
    ]
    auc, two = _row_aucs(y_true, y_score)
    w = np.ones(len(auc)) if weights is None else weights
    counted = two & (w != 0)
    return MultilabelScores(
        columns,
        float(w[counted] @ auc[counted]),
        float(w.sum()),
        int(np.count_nonzero(~two)),
        int(np.count_nonzero(~two & (w != 0))),
        int(np.count_nonzero(two)),
    )


def merge_multilabel_scores(a: MultilabelScores, b: MultilabelScores) -> MultilabelScores:
    """Merge two partials (exact distributions; sums in a fixed order)."""
    return MultilabelScores(
        [merge_labeled_value_counts(x, y) for x, y in zip(a.columns, b.columns, strict=True)],
        a.row_auc + b.row_auc,
        a.row_weight + b.row_weight,
        a.n_one_class + b.n_one_class,
        a.n_undefined + b.n_undefined,
        a.n_two_class + b.n_two_class,
    )


def _column_auc(lvc: LabeledValueCounts, max_fpr) -> float:
    if len(lvc.labels) != 2:
        warnings.warn(ONE_CLASS, UndefinedMetricWarning, stacklevel=5)
        return np.nan
    i = pos_label_index(lvc.labels, None)
    values, counts = lvc.columns[0]
    pos = counts[:, i]
    return binary_auc(values, pos, counts.sum(axis=1) - pos, max_fpr)


def multilabel_roc_auc(ms: MultilabelScores, matrix_labels: np.ndarray, *, average, max_fpr):
    """scikit-learn's ``roc_auc_score`` on a multilabel target from merged partials."""
    options = (None, "micro", "macro", "weighted", "samples")
    if average not in options:
        raise ValueError(f"average has to be one of {options}")
    if average == "samples":
        return _samples_auc(ms, matrix_labels, max_fpr)
    if average == "micro":
        merged = ms.columns[0]
        for other in ms.columns[1:]:
            merged = merge_labeled_value_counts(merged, other)
        return float(_column_auc(merged, max_fpr))
    scores = np.array([_column_auc(c, max_fpr) for c in ms.columns], dtype=float)
    if average is None:
        return scores
    weights = None
    if average == "weighted":
        weights = np.array([float(c.labels.astype(float) @ _label_totals(c)) for c in ms.columns])
        if np.isclose(weights.sum(), 0.0):
            return 0
        scores[weights == 0] = 0
    return float(np.average(scores, weights=weights))


def _label_totals(lvc: LabeledValueCounts) -> np.ndarray:
    return lvc.columns[0][1].sum(axis=0)


def _samples_auc(ms: MultilabelScores, matrix_labels, max_fpr) -> float:
    if max_fpr is not None and max_fpr != 1:
        raise ValueError(
            "max_fpr is not supported with average='samples' on multilabel targets in the "
            "engine; use average='macro', 'micro' or 'weighted'"
        )
    if ms.n_two_class:
        pos_label_index(np.asarray(matrix_labels), None)  # scikit-learn's {0, 1} / {-1, 1} rule
    for _ in range(min(ms.n_one_class, 1)):
        warnings.warn(ONE_CLASS, UndefinedMetricWarning, stacklevel=4)
    if ms.n_undefined:
        return float("nan")
    return float(ms.row_auc / ms.row_weight)
