"""Permutation-importance bars."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from engine.report._figure import new_figure


def plot_permutation_importance(
    result: Any,
    feature_names: Sequence[str] | None = None,
    *,
    scorer: str | None = None,
    top: int | None = None,
) -> Figure:
    """Horizontal bars of mean permutation importance, largest on top, +/- one std.

    Parameters
    ----------
    result : Bunch or dict of Bunch
        What ``engine.inspection.permutation_importance`` (or scikit-learn's)
        returns; for several scorers pick one with ``scorer`` (default: the
        first).
    feature_names : list of str, optional
        Feature names (default ``x0, x1, ...``).
    scorer : str, optional
        Which scorer of a multi-scorer result to draw.
    top : int, optional
        Draw only the ``top`` most important features.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import Bunch
    >>> from engine.report.plots import plot_permutation_importance
    >>> result = Bunch(importances_mean=np.array([0.1, 0.3]),
    ...                importances_std=np.array([0.01, 0.02]),
    ...                importances=np.array([[0.1, 0.1], [0.3, 0.3]]))
    >>> fig = plot_permutation_importance(result, ["a", "b"])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['a', 'b']
    """
    bunch, scorer = _pick(result, scorer)
    means = np.asarray(bunch["importances_mean"], dtype=float)
    stds = np.asarray(bunch["importances_std"], dtype=float)
    if feature_names is None:
        feature_names = [f"x{i}" for i in range(len(means))]
    names = [str(n) for n in feature_names]
    if len(names) != len(means):
        raise ValueError(
            f"feature_names has {len(names)} names but the result has {len(means)} features"
        )
    order = np.argsort(-means, kind="stable")
    if top is not None:
        if top < 1:
            raise ValueError(f"top must be a positive int, got {top!r}")
        order = order[:top]
    order = order[::-1]  # barh draws bottom-up: the largest ends on top
    fig = new_figure(6.5, 1.2 + 0.38 * len(order))
    ax = fig.add_subplot(1, 1, 1)
    positions = np.arange(len(order))
    ax.barh(positions, means[order], xerr=stds[order], color="tab:blue", capsize=3)
    ax.set_yticks(positions, [names[i] for i in order])
    ax.axvline(0, color="0.3", linewidth=1)
    ax.set_xlabel("Decrease in score" + (f" ({scorer})" if scorer else ""))
    ax.set_title("Permutation importance")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def _pick(result: Any, scorer: str | None):
    if "importances_mean" in result:
        if scorer is not None:
            raise ValueError("scorer is only meaningful for a multi-scorer result")
        return result, None
    if not result:
        raise ValueError("empty permutation-importance result")
    if scorer is None:
        scorer = next(iter(result))
    if scorer not in result:
        raise ValueError(f"unknown scorer {scorer!r}; available: {list(result)}")
    return result[scorer], scorer
