"""Disparity metrics (fairlearn's names): demographic parity, equalized odds, equal opportunity.

Each builds one :class:`MetricFrame` (one grouped pass over the data for Dask
input) and compares the groups; exact, equal to fairlearn's values.
"""

from __future__ import annotations

from typing import Literal

from engine.fairness._base import false_positive_rate, selection_rate, true_positive_rate
from engine.fairness._frame import MetricFrame

Method = Literal["between_groups", "to_overall"]


def _frame(metrics, y_true, y_pred, sensitive_features, sample_weight) -> MetricFrame:
    if isinstance(metrics, dict):
        params = {name: {"sample_weight": sample_weight} for name in metrics}
    else:
        params = {"sample_weight": sample_weight}
    return MetricFrame(
        metrics=metrics,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sensitive_features,
        sample_params=params,
    )


def _check_agg(agg: str) -> None:
    if agg not in ("worst_case", "mean"):
        raise ValueError(f"agg must be one of 'worst_case' or 'mean', got {agg}")


def demographic_parity_difference(
    y_true, y_pred, *, sensitive_features, method: Method = "between_groups", sample_weight=None
) -> float:
    """Largest difference in selection rate between groups (0 means parity).

    Examples
    --------
    >>> float(demographic_parity_difference([0, 1, 1, 0], [1, 1, 0, 0], sensitive_features=["a", "a", "b", "b"]))
    1.0
    """
    return _frame(selection_rate, y_true, y_pred, sensitive_features, sample_weight).difference(
        method=method
    )


def demographic_parity_ratio(
    y_true, y_pred, *, sensitive_features, method: Method = "between_groups", sample_weight=None
) -> float:
    """Smallest ratio of selection rates between groups (1 means parity).

    Examples
    --------
    >>> float(demographic_parity_ratio([0, 1, 1, 0], [1, 1, 1, 0], sensitive_features=["a", "a", "b", "b"]))
    0.5
    """
    return _frame(selection_rate, y_true, y_pred, sensitive_features, sample_weight).ratio(
        method=method
    )


def _eo(y_true, y_pred, sensitive_features, sample_weight) -> MetricFrame:
    metrics = {"tpr": true_positive_rate, "fpr": false_positive_rate}
    return _frame(metrics, y_true, y_pred, sensitive_features, sample_weight)


def equalized_odds_difference(
    y_true,
    y_pred,
    *,
    sensitive_features,
    method: Method = "between_groups",
    sample_weight=None,
    agg: Literal["worst_case", "mean"] = "worst_case",
) -> float:
    """Worst (or mean) of the TPR and FPR differences between groups.

    Examples
    --------
    >>> float(equalized_odds_difference([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=["a", "a", "b", "b"]))
    1.0
    """
    _check_agg(agg)
    diff = _eo(y_true, y_pred, sensitive_features, sample_weight).difference(method=method)
    return max(diff) if agg == "worst_case" else diff.mean()


def equalized_odds_ratio(
    y_true,
    y_pred,
    *,
    sensitive_features,
    method: Method = "between_groups",
    sample_weight=None,
    agg: Literal["worst_case", "mean"] = "worst_case",
) -> float:
    """Worst (or mean) of the TPR and FPR ratios between groups.

    Examples
    --------
    >>> float(equalized_odds_ratio([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=["a", "a", "b", "b"]))
    0.0
    """
    _check_agg(agg)
    ratio = _eo(y_true, y_pred, sensitive_features, sample_weight).ratio(method=method)
    return min(ratio) if agg == "worst_case" else ratio.mean()


def equal_opportunity_difference(
    y_true, y_pred, *, sensitive_features, method: Method = "between_groups", sample_weight=None
) -> float:
    """Largest difference in true positive rate between groups.

    Examples
    --------
    >>> float(equal_opportunity_difference([1, 1, 1, 1], [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"]))
    0.5
    """
    frame = _frame(true_positive_rate, y_true, y_pred, sensitive_features, sample_weight)
    return frame.difference(method=method)


def equal_opportunity_ratio(
    y_true, y_pred, *, sensitive_features, method: Method = "between_groups", sample_weight=None
) -> float:
    """Smallest ratio of true positive rates between groups.

    Examples
    --------
    >>> float(equal_opportunity_ratio([1, 1, 1, 1], [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"]))
    0.5
    """
    return _frame(true_positive_rate, y_true, y_pred, sensitive_features, sample_weight).ratio(
        method=method
    )
