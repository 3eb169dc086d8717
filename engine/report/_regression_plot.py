"""Regression figures: predicted against actual values, and the residuals."""

from __future__ import annotations

from typing import Any

import dask
import numpy as np
from matplotlib.figure import Figure

from engine.report._figure import new_figure

#: Points drawn at most (the first rows of the input: a scatter of more only hides itself).
MAX_POINTS = 5_000


def _first(values: Any, n: int) -> np.ndarray:
    if dask.is_dask_collection(values):
        head = getattr(values, "head", None)
        values = head(n, npartitions=-1) if head is not None else values[:n].compute()
    return np.asarray(values, dtype=np.float64)[:n]


def plot_predicted_vs_actual(y_true: Any, y_pred: Any, *, max_points: int = MAX_POINTS) -> Figure:
    """Two panels: predicted vs actual (with the diagonal) and residuals vs predicted.

    Parameters
    ----------
    y_true, y_pred : array-like or dask collection of shape (n_samples,)
        Actual and predicted values.
    max_points : int
        Draw the first ``max_points`` rows only (reads only those rows of Dask input).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from engine.report.plots import plot_predicted_vs_actual
    >>> fig = plot_predicted_vs_actual([1.0, 2.0, 3.0], [1.1, 1.9, 3.2])
    >>> [ax.get_title() for ax in fig.axes]
    ['Predicted vs actual', 'Residuals']
    """
    actual, predicted = _first(y_true, max_points), _first(y_pred, max_points)
    fig = new_figure(10.0, 4.5)
    left, right = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    left.scatter(actual, predicted, s=6, alpha=0.5, color="tab:blue")
    if actual.size:
        low, high = (
            float(min(actual.min(), predicted.min())),
            float(max(actual.max(), predicted.max())),
        )
        left.plot([low, high], [low, high], linestyle="--", color="0.5", linewidth=1)
    left.set_xlabel("Actual")
    left.set_ylabel("Predicted")
    left.set_title("Predicted vs actual")
    right.scatter(predicted, actual - predicted, s=6, alpha=0.5, color="tab:orange")
    right.axhline(0.0, linestyle="--", color="0.5", linewidth=1)
    right.set_xlabel("Predicted")
    right.set_ylabel("Actual - predicted")
    right.set_title("Residuals")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
