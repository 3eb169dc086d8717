"""ROC curve and confusion-matrix figures."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from engine.report._figure import figure_for
from engine.report._sources import confusion_counts, roc_points


def plot_roc_curve(
    y_true: Any,
    y_score: Any,
    *,
    pos_label: Any = None,
    sample_weight: Any = None,
    name: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Plot the ROC curve (false positive rate vs true positive rate) with its AUC.

    The curve's points are exactly ``sklearn.metrics.roc_curve``'s
    (``engine.metrics.roc_curve``: exact and one pass over Dask input); the
    AUC in the legend is the trapezoidal area under them, which equals
    ``roc_auc_score``.

    Parameters
    ----------
    y_true : array-like or dask collection of shape (n_samples,)
        Binary labels.
    y_score : array-like or dask collection of shape (n_samples,)
        Scores or probabilities of the positive class.
    pos_label : int or str, optional
        The positive class (default: 1, or the greater label).
    sample_weight : array-like, optional
        Sample weights.
    name : str, optional
        Curve label in the legend (default ``"ROC"``).
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (its figure is returned); a new figure otherwise.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from engine.report.plots import plot_roc_curve
    >>> fig = plot_roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fig.axes[0].lines[0].get_xdata().tolist()
    [0.0, 0.0, 0.5, 0.5, 1.0]
    """
    fpr, tpr, _ = roc_points(y_true, y_score, pos_label=pos_label, sample_weight=sample_weight)
    fpr, tpr = np.asarray(fpr, dtype=float), np.asarray(tpr, dtype=float)
    auc = float(np.trapezoid(tpr, fpr))
    fig, ax = figure_for(ax, 5.5, 5.0)
    ax.plot(fpr, tpr, color="tab:blue", linewidth=2, label=f"{name or 'ROC'} (AUC = {auc:.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="0.6", linewidth=1, label="chance")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("False positive rate")
    ax.set_ylabel("True positive rate")
    ax.set_title("ROC curve")
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    normalize: str | None = None,
    sample_weight: Any = None,
    ax: Axes | None = None,
) -> Figure:
    """Plot the confusion matrix as an annotated heat map (rows: true, columns: predicted).

    The matrix is exactly ``sklearn.metrics.confusion_matrix``'s
    (``engine.metrics.confusion_matrix``: exact, one pass over Dask input;
    finding the labels when not given costs one more pass).

    Parameters
    ----------
    y_true, y_pred : array-like or dask collection of shape (n_samples,)
        True and predicted labels.
    labels : array-like, optional
        Labels to index the matrix (default: the sorted union of both inputs).
    normalize : {"true", "pred", "all"} or None
        Normalize over true rows, predicted columns, or everything.
    sample_weight : array-like, optional
        Sample weights.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes; a new figure otherwise.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from engine.report.plots import plot_confusion_matrix
    >>> fig = plot_confusion_matrix([0, 1, 1, 1], [0, 1, 0, 1])
    >>> fig.axes[0].images[0].get_array().tolist()
    [[1, 0], [1, 2]]
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(
            f"normalize must be one of 'true', 'pred', 'all' or None, got {normalize!r}"
        )
    matrix, labels = confusion_counts(
        y_true, y_pred, labels=labels, sample_weight=sample_weight, normalize=normalize
    )
    n = len(labels)
    fig, ax = figure_for(ax, 1.6 + 0.9 * max(n, 3), 1.2 + 0.8 * max(n, 3))
    image = ax.imshow(matrix, cmap="Blues", interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    integral = np.issubdtype(matrix.dtype, np.integer) or np.all(matrix == np.round(matrix))
    fmt = "{:.0f}" if integral and normalize is None else "{:.2f}"
    high = matrix.max() if matrix.size else 0
    for i in range(n):
        for j in range(n):
            value = matrix[i, j]
            ax.text(
                j,
                i,
                fmt.format(value),
                ha="center",
                va="center",
                color="white" if high and value > high / 2 else "black",
            )
    names = [str(label) for label in labels]
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    ax.set_title("Confusion matrix" + (f" (normalized over {normalize})" if normalize else ""))
    fig.tight_layout()
    return fig
