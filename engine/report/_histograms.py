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
import numpy as np
import pandas as pd

from engine.data._adapters import as_table
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


def _block_range(block: np.ndarray) -> np.ndarray:
    finite = np.where(np.isfinite(block), block, np.nan)
    out = np.full((2, block.shape[1]), np.nan)
    has = np.isfinite(finite).any(axis=0)
    out[0, has] = np.nanmin(finite[:, has], axis=0)
    out[1, has] = np.nanmax(finite[:, has], axis=0)
    return out


def _merge_range(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.vstack([np.fmin(a[0], b[0]), np.fmax(a[1], b[1])])


def _block_counts(block: np.ndarray, edges: np.ndarray) -> np.ndarray:
    out = np.zeros((block.shape[1], edges.shape[1] - 1), dtype=np.int64)
    for j in range(block.shape[1]):
        values = block[:, j]
        out[j] = np.histogram(values[np.isfinite(values)], bins=edges[j])[0]
    return out


def _reduce(table, kernel, merge, *args, name):
    if not table.is_lazy:
        return kernel(table.values, *args)
    return tree_merge(
        map_blocks_delayed(table, kernel, *args, name=name), merge, name=name + "-merge"
    )


def numeric_histograms(reference, current, names: list[str], bins: int) -> list[ColumnHistogram]:
    """Shared-edge histograms of the numerical columns ``names`` (2 passes over each input)."""
    ref, cur = as_table(reference), as_table(current)
    ranges = compute_all(
        _reduce(ref, _block_range, _merge_range, name="drift-hist-range"),
        _reduce(cur, _block_range, _merge_range, name="drift-hist-range"),
    )
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
