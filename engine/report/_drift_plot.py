"""Per-column histograms, reference vs current, annotated with the drift verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from engine.report._figure import new_figure
from engine.report._histograms import ColumnHistogram, column_histograms


def plot_drift_histograms(
    reference: Any,
    current: Any,
    columns: Sequence[str] | None = None,
    *,
    bins: int = 20,
    report: Any = None,
    column_names: Sequence[str] | None = None,
    max_columns: int = 3,
) -> Figure:
    """One panel per column: the reference and current distributions overlaid.

    Numerical columns are drawn as histograms of proportions (counts divided
    by the column's non-missing count, so datasets of different sizes
    compare) over ``bins`` equal-width bins spanning both datasets' finite
    range; categorical columns as side-by-side proportion bars. Counts are
    exact: two passes over each input (range, then counts), per row block for
    Dask input with integer partials merged in a fixed order.

    Parameters
    ----------
    reference, current : array-like or dask collection
        The datasets, with the same columns (NumPy, pandas, dask.array or
        dask.dataframe).
    columns : list of str, optional
        Columns to draw (default: all).
    bins : int, default 20
        Number of bins for numerical columns.
    report : DriftReport or DataFrame, optional
        A result of ``engine.drift.drift_report`` (or its ``.columns``
        table): each panel's title then names the test, its statistic and
        whether the column drifted (drifted panels are titled in red).
    column_names : list of str, optional
        Names for array columns (default ``x0, x1, ...``).
    max_columns : int, default 3
        Panels per figure row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from engine.report.plots import plot_drift_histograms
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_drift_histograms(rng.normal(size=(200, 2)), rng.normal(1, 1, size=(300, 2)))
    >>> len(fig.axes)
    2
    """
    if not isinstance(bins, int | np.integer) or bins < 1:
        raise ValueError(f"bins must be a positive int, got {bins!r}")
    hists = column_histograms(reference, current, columns, int(bins), column_names)
    verdicts = _verdicts(report)
    n_cols = min(max_columns, len(hists))
    n_rows = math.ceil(len(hists) / n_cols)
    fig = new_figure(4.2 * n_cols, 3.4 * n_rows)
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, hist in zip(axes, hists, strict=False):
        _panel(ax, hist, verdicts.get(hist.name))
    for ax in axes[len(hists) :]:
        ax.set_visible(False)
    fig.suptitle("Reference vs current distributions")
    fig.tight_layout()
    return fig


def proportions(counts: np.ndarray) -> np.ndarray:
    """Counts divided by their total (zeros when the column had no values)."""
    total = counts.sum()
    return counts / total if total else np.zeros(len(counts))


def _panel(ax, hist: ColumnHistogram, verdict) -> None:
    ref, cur = proportions(hist.reference), proportions(hist.current)
    if hist.edges is not None:
        ax.stairs(ref, hist.edges, fill=True, alpha=0.45, color="tab:blue", label="reference")
        ax.stairs(cur, hist.edges, fill=True, alpha=0.45, color="tab:orange", label="current")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(FuncFormatter(compact_tick))
    else:
        positions = np.arange(len(hist.categories))
        ax.bar(positions - 0.2, ref, width=0.4, color="tab:blue", label="reference")
        ax.bar(positions + 0.2, cur, width=0.4, color="tab:orange", label="current")
        ax.set_xticks(positions, [str(c) for c in hist.categories])
    ax.set_ylabel("proportion")
    title, drifted = hist.name, False
    if verdict is not None:
        method, statistic, drifted = verdict
        title = f"{hist.name}: {method} = {statistic:.3g}" + (" (drift)" if drifted else "")
    ax.set_title(title, color="tab:red" if drifted else "black")
    ax.legend(fontsize="small")


def compact_tick(value: float, _position=None) -> str:
    """An axis tick short enough not to run into its neighbours: ``250k``, ``1.5M``, ``0.25``.

    Examples
    --------
    >>> [compact_tick(v) for v in (250000, -20000, 1500000, 0.25, 0)]
    ['250k', '-20k', '1.5M', '0.25', '0']
    """
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:g}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _verdicts(report: Any) -> dict:
    if report is None:
        return {}
    table = getattr(report, "columns", report)
    if not isinstance(table, pd.DataFrame) or "column" not in table.columns:
        raise TypeError(
            "report must be an engine.drift.drift_report result or its per-column DataFrame"
        )
    return {
        str(row["column"]): (
            row.get("method", "statistic"),
            float(row["statistic"]),
            bool(row.get("drifted", False)),
        )
        for _, row in table.iterrows()
    }
