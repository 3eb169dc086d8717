"""Per-group base metrics with fairlearn's names and semantics.

Each function takes rows (or the engine's weighted per-cell summary rows) and
returns one number; all are functions of the confusion counts, so
:class:`engine.fairness.MetricFrame` evaluates them from one grouped pass.
Called directly on in-memory rows they cost one pass (a confusion matrix or
a weighted mean) and are exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sklearn.metrics as skm


def _labels_for_confusion(values: np.ndarray, pos_label) -> list:
    unique = list(np.unique(values))
    if pos_label is None:
        if frozenset([0, 1]).issuperset(unique) or frozenset([-1, 1]).issuperset(unique):
            pos_label = 1
        else:
            raise ValueError("If pos_label is not specified, values must be from {0, 1} or {-1, 1}")
    if len(unique) == 1:
        if unique[0] == pos_label:
            return [np.iinfo(np.int64).min, pos_label]
        return [unique[0], pos_label]
    if len(unique) == 2:
        if pos_label == unique[0]:
            return list(reversed(unique))
        if pos_label == unique[1]:
            return unique
        raise ValueError("Must have pos_label in y values")
    raise ValueError("Must have no more than two unique y values")


def _rates(y_true, y_pred, sample_weight, pos_label) -> np.ndarray:
    y_true = np.asarray(y_true).ravel()
    y_pred = np.asarray(y_pred).ravel()
    labels = _labels_for_confusion(np.concatenate([y_true, y_pred]), pos_label)
    return skm.confusion_matrix(
        y_true, y_pred, sample_weight=sample_weight, labels=labels, normalize="true"
    ).ravel()


def true_positive_rate(y_true, y_pred, sample_weight=None, pos_label=None) -> float:
    """Recall of the positive class, P(y_pred = pos | y_true = pos) (fairlearn's).

    Exact; one pass when used in a :class:`MetricFrame`.

    Examples
    --------
    >>> float(true_positive_rate([0, 1, 1, 1], [0, 1, 0, 1]))
    0.6666666666666666
    """
    return _rates(y_true, y_pred, sample_weight, pos_label)[3]


def true_negative_rate(y_true, y_pred, sample_weight=None, pos_label=None) -> float:
    """P(y_pred = neg | y_true = neg) (fairlearn's ``true_negative_rate``).

    Examples
    --------
    >>> float(true_negative_rate([0, 0, 1], [0, 1, 1]))
    0.5
    """
    return _rates(y_true, y_pred, sample_weight, pos_label)[0]


def false_positive_rate(y_true, y_pred, sample_weight=None, pos_label=None) -> float:
    """P(y_pred = pos | y_true = neg) (fairlearn's ``false_positive_rate``).

    Examples
    --------
    >>> float(false_positive_rate([0, 0, 1], [0, 1, 1]))
    0.5
    """
    return _rates(y_true, y_pred, sample_weight, pos_label)[1]


def false_negative_rate(y_true, y_pred, sample_weight=None, pos_label=None) -> float:
    """P(y_pred = neg | y_true = pos) (fairlearn's ``false_negative_rate``).

    Examples
    --------
    >>> float(false_negative_rate([0, 1, 1], [0, 1, 0]))
    0.5
    """
    return _rates(y_true, y_pred, sample_weight, pos_label)[2]


def selection_rate(y_true, y_pred, *, pos_label: Any = 1, sample_weight=None) -> float:
    """Fraction (weighted) of predictions equal to ``pos_label`` (fairlearn's).

    Examples
    --------
    >>> float(selection_rate([0, 1, 1, 0], [1, 1, 0, 0]))
    0.5
    """
    selected = np.asarray(y_pred).ravel() == pos_label
    if len(selected) == 0:
        raise ValueError("Empty y_pred passed to selection_rate function.")
    w = np.ones(len(selected)) if sample_weight is None else np.asarray(sample_weight).ravel()
    return np.dot(selected, w) / w.sum()


def mean_prediction(y_true, y_pred, sample_weight=None) -> float:
    """(Weighted) mean of the predictions (fairlearn's ``mean_prediction``).

    Examples
    --------
    >>> float(mean_prediction([0, 1], [0.2, 0.6]))
    0.4
    """
    y_p = np.asarray(y_pred).ravel()
    w = np.ones(len(y_p)) if sample_weight is None else np.asarray(sample_weight).ravel()
    return np.dot(y_p, w) / w.sum()


def count(y_true, y_pred) -> int:
    """Number of rows (fairlearn's ``count``).

    Examples
    --------
    >>> count([0, 1, 1], [1, 1, 1])
    3
    """
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: "
            f"[{len(y_true)}, {len(y_pred)}]"
        )
    return len(y_true)
