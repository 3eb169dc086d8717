"""Histogram counts of reference and current columns on shared bin edges.

Numerical columns: pass 1 finds each column's finite min and max over both
datasets, pass 2 counts finite values into ``bins`` equal-width bins spanning
that range (NumPy's ``histogram`` rule: the last bin includes its right edge).
For Dask input each pass is one task per row block with partials merged in a
fixed binary tree (integer counts: exact, identical on every scheduler).
Categorical (non-numeric) columns: exact value counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd

from engine.data._adapters import as_table
from engine.stats._quantile import column_quantiles
from engine.stats._reduce import compute_all, map_blocks_delayed, tree_merge


@dataclass(frozen=True)
class ColumnHistogram:
    """Counts of one column in both datasets (``edges`` is None for categories)."""

    name: str
    reference: np.ndarray
    current: np.ndarray
    edges: np.ndarray | None = None
    categories: list | None = None


def _names(data: Any, column_names) -> list[str]:
    if hasattr(data, "columns"):
        return [str(c) for c in data.columns]
    n = 1 if np.ndim(data) == 1 else int(data.shape[1])
    return list(column_names) if column_names is not None else [f"x{i}" for i in range(n)]


def _is_numeric(data: Any, name: str) -> bool:
    if not hasattr(data, "dtypes"):
        return True
    dtype = data.dtypes[data.columns[[str(c) for c in data.columns].index(name)]]
    return dtype.kind in "iuf"


def _select(data: Any, names: list[str], wanted: list[str]):
    positions = [names.index(c) for c in wanted]
    if hasattr(data, "iloc"):
        return data.iloc[:, positions]
    if np.ndim(data) == 1:
        return data
    return data[:, positions]


def _block_counts(block: np.ndarray, edges: np.ndarray) -> np.ndarray:
    out = np.zeros((block.shape[1], edges.shape[1] - 1), dtype=np.int64)
    for j in range(block.shape[1]):
        values = block[:, j]
        # Tails beyond the plotted range land in the outer bins (see numeric_histograms).
        kept = np.clip(values[np.isfinite(values)], edges[j, 0], edges[j, -1])
        out[j] = np.histogram(kept, bins=edges[j])[0]
    return out


def _reduce(table, kernel, merge, *args, name):
    if not table.is_lazy:
        return kernel(table.values, *args)
    return tree_merge(
        map_blocks_delayed(table, kernel, *args, name=name), merge, name=name + "-merge"
    )


TAIL = [0.005, 0.995]


def _finite(table):
    """The table with +/-inf read as missing (the plotted range covers finite values)."""
    xp = da if table.is_lazy else np
    return as_table(xp.where(xp.isfinite(table.values), table.values, np.nan))


def numeric_histograms(reference, current, names: list[str], bins: int) -> list[ColumnHistogram]:
    """Shared-edge histograms of the numerical columns ``names``.

    The plotted range runs from the lower to the upper :data:`TAIL` quantile
    of both inputs (exact quantiles), so a few outliers cannot squeeze the
    distribution into one bar; values beyond it are counted in the outer
    bins. Cost: the quantile passes (2-3) plus one counting pass per input.
    """
    ref, cur = as_table(reference), as_table(current)
    ranges = compute_all(column_quantiles(_finite(ref), TAIL), column_quantiles(_finite(cur), TAIL))
    low = np.fmin(ranges[0][0], ranges[1][0])
    high = np.fmax(ranges[0][1], ranges[1][1])
    low, high = np.nan_to_num(low, nan=0.0), np.nan_to_num(high, nan=1.0)
    edges = np.vstack(
        [
            np.histogram_bin_edges([], bins=bins, range=(lo, hi if hi > lo else lo + 1.0))
            for lo, hi in zip(low, high, strict=True)
        ]
    )
    ref_counts, cur_counts = compute_all(
        _reduce(ref, _block_counts, np.add, edges, name="drift-hist-counts"),
        _reduce(cur, _block_counts, np.add, edges, name="drift-hist-counts"),
    )
    return [
        ColumnHistogram(name, ref_counts[j], cur_counts[j], edges=edges[j])
        for j, name in enumerate(names)
    ]


def categorical_histogram(reference, current, name: str) -> ColumnHistogram:
    """Exact category counts of one column in both datasets (one pass each)."""
    ref_counts, cur_counts = dask.compute(
        reference[name].value_counts(dropna=True), current[name].value_counts(dropna=True)
    )
    categories = sorted(set(ref_counts.index) | set(cur_counts.index), key=str)
    ref_counts = pd.Series(ref_counts).reindex(categories, fill_value=0)
    cur_counts = pd.Series(cur_counts).reindex(categories, fill_value=0)
    return ColumnHistogram(
        name,
        ref_counts.to_numpy(np.int64),
        cur_counts.to_numpy(np.int64),
        categories=categories,
    )


def column_histograms(
    reference, current, columns, bins: int, column_names
) -> list[ColumnHistogram]:
    """Histograms of the requested columns, in the requested order."""
    ref_names = _names(reference, column_names)
    cur_names = _names(current, column_names)
    if ref_names != cur_names:
        raise ValueError(
            f"reference and current have different columns: {ref_names} vs {cur_names}"
        )
    wanted = list(ref_names if columns is None else [str(c) for c in columns])
    unknown = [c for c in wanted if c not in ref_names]
    if unknown:
        raise ValueError(f"unknown column(s) {unknown}; available: {ref_names}")
    if not wanted:
        raise ValueError("no columns to plot")
    numeric = [c for c in wanted if _is_numeric(reference, c) and _is_numeric(current, c)]
    found = {}
    if numeric:
        hists = numeric_histograms(
            _select(reference, ref_names, numeric),
            _select(current, cur_names, numeric),
            numeric,
            bins,
        )
        found.update({h.name: h for h in hists})
    for name in wanted:
        if name not in found:
            found[name] = categorical_histogram(reference, current, name)
    return [found[name] for name in wanted]
