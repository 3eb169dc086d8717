"""Per-group fairness bars with the disparity thresholds drawn in."""

from __future__ import annotations

from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from engine.data import is_lazy
from engine.data.internal import align_rows
from engine.fairness import bias_report
from engine.report._figure import new_figure

RATE_COLUMNS = ("selection_rate", "true_positive_rate", "false_positive_rate")

_TITLES = {
    "selection_rate": "Selection rate",
    "true_positive_rate": "True positive rate",
    "false_positive_rate": "False positive rate",
}


def plot_fairness(
    data: Any,
    y_pred: Any = None,
    *,
    sensitive_features: Any = None,
    metrics: tuple[str, ...] | None = None,
    difference_threshold: float = 0.1,
    ratio_threshold: float = 0.8,
    pos_label: Any = 1,
    sample_weight: Any = None,
) -> Figure:
    """Bar charts of selection rate, TPR and FPR per group, with disparity limits.

    Each panel shows one rate per group, a solid line at the highest group's
    rate, a dashed line ``difference_threshold`` below it and a dotted line at
    ``ratio_threshold`` times it (the four-fifths rule). A group whose bar
    falls below either limit is drawn in red: that disparity passes the
    threshold.

    Called as ``plot_fairness(by_group)`` with a DataFrame indexed by group
    (e.g. ``MetricFrame.by_group`` or a bias report) or anything with a
    ``by_group`` attribute, or as ``plot_fairness(y_true, y_pred,
    sensitive_features=...)``: then the rates come from
    :func:`engine.fairness.bias_report` (exact, one grouped counting pass;
    Dask inputs are first rechunked to common row chunks).

    Parameters
    ----------
    data : DataFrame, object with ``by_group``, or array-like of true labels
        Per-group rates, or ``y_true``.
    y_pred : array-like or dask collection, optional
        Predicted labels (with ``y_true`` as ``data``).
    sensitive_features : array-like, Series, DataFrame or dask collection
        Group of every row; several columns give intersectional groups.
    metrics : tuple of str, optional
        Columns of the per-group table to draw (default: those of
        ``selection_rate``, ``true_positive_rate``, ``false_positive_rate``
        present).
    difference_threshold : float, default 0.1
        Largest tolerated gap to the best group.
    ratio_threshold : float, default 0.8
        Smallest tolerated ratio to the best group.
    pos_label : default 1
        The positive label (for ``y_true``/``y_pred`` input).
    sample_weight : array-like or dask collection, optional
        Row weights (for ``y_true``/``y_pred`` input).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from engine.report.plots import plot_fairness
    >>> fig = plot_fairness([1, 0, 1, 0, 1, 1], [1, 0, 1, 1, 0, 1],
    ...                     sensitive_features=["a", "a", "a", "b", "b", "b"])
    >>> [round(float(p.get_height()), 3) for p in fig.axes[0].patches]
    [0.667, 0.667]
    """
    table = _by_group_table(
        data,
        y_pred,
        sensitive_features,
        pos_label,
        sample_weight,
        difference_threshold,
        ratio_threshold,
    )
    columns = list(metrics) if metrics else [c for c in RATE_COLUMNS if c in table.columns]
    missing = [c for c in columns if c not in table.columns]
    if missing or not columns:
        raise ValueError(
            f"the per-group table has no column(s) {missing or list(RATE_COLUMNS)}; "
            f"available: {list(table.columns)}"
        )
    labels = [_group_label(g) for g in table.index]
    if "count" in table.columns:
        labels = [f"{g}\n(n={int(n)})" for g, n in zip(labels, table["count"], strict=True)]
    fig = new_figure(4.2 * len(columns), 4.2)
    axes = fig.subplots(1, len(columns), squeeze=False)[0]
    for ax, column in zip(axes, columns, strict=True):
        _panel(
            ax,
            np.asarray(table[column], dtype=float),
            labels,
            column,
            difference_threshold,
            ratio_threshold,
        )
    fig.suptitle("Rates per group (red: disparity beyond the threshold)")
    fig.tight_layout()
    return fig


def _by_group_table(
    data, y_pred, sensitive_features, pos_label, sample_weight, difference, ratio
) -> pd.DataFrame:
    if y_pred is None:
        table = getattr(data, "by_group", data)
        if not isinstance(table, pd.DataFrame):
            raise TypeError(
                "plot_fairness(data) expects a per-group DataFrame or an object with a "
                f"by_group DataFrame, got {type(table).__name__}; or pass "
                "y_true, y_pred and sensitive_features"
            )
        return table
    if sensitive_features is None:
        raise ValueError("sensitive_features is required with y_true and y_pred")
    y_true, y_pred, sensitive_features, sample_weight = _aligned(
        data, y_pred, sensitive_features, sample_weight
    )
    report = bias_report(
        y_true,
        y_pred,
        sensitive_features,
        pos_label=pos_label,
        sample_weight=sample_weight,
        difference_threshold=difference,
        ratio_threshold=ratio,
    )
    return report.by_group


def _named_columns(features: Any) -> dict | None:
    if isinstance(features, pd.DataFrame | dd.DataFrame):
        return {str(c): features[c] for c in features.columns}
    if isinstance(features, pd.Series | dd.Series) and features.name is not None:
        return {str(features.name): features}
    return None


def _aligned(y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any):
    """The inputs on the row blocks of the first dask frame among them (else of the first
    Dask input), found with one pass when their lengths are unknown; unchanged in memory.
    Sensitive features keep their names (a DataFrame's columns, a Series' name)."""
    named = _named_columns(sensitive_features)
    features = named if named is not None else {"": sensitive_features}
    inputs = {"y_true": y_true, "y_pred": y_pred, "sample_weight": sample_weight}
    inputs.update({f"sensitive feature {k!r}": v for k, v in features.items()})
    if not any(is_lazy(v) for v in inputs.values()):
        return y_true, y_pred, sensitive_features, sample_weight
    arrays = align_rows(inputs, convertible=tuple(inputs)).arrays
    columns = {k: arrays[f"sensitive feature {k!r}"] for k in features}
    sensitive = columns if named is not None else columns[""]
    return arrays["y_true"], arrays["y_pred"], sensitive, arrays.get("sample_weight")


def _group_label(group) -> str:
    return " & ".join(map(str, group)) if isinstance(group, tuple) else str(group)


def _panel(ax, values, labels, column, difference_threshold, ratio_threshold) -> None:
    best = np.nanmax(values) if np.isfinite(values).any() else np.nan
    flagged = (best - values > difference_threshold) | (values < best * ratio_threshold)
    colors = ["tab:red" if f else "tab:blue" for f in flagged]
    positions = np.arange(len(values))
    ax.bar(positions, np.nan_to_num(values), color=colors, width=0.7)
    if np.isfinite(best):
        ax.axhline(best, color="0.3", linewidth=1, label="best group")
        ax.axhline(
            best - difference_threshold,
            color="tab:orange",
            linestyle="--",
            linewidth=1,
            label=f"best - {difference_threshold:g}",
        )
        ax.axhline(
            best * ratio_threshold,
            color="tab:purple",
            linestyle=":",
            linewidth=1.5,
            label=f"best x {ratio_threshold:g}",
        )
    ax.set_xticks(positions, labels)
    ax.set_ylim(0, max(1.0, float(np.nanmax(np.append(values, 0))) * 1.05))
    ax.set_title(_TITLES.get(column, column))
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
