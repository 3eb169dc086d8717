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

import numpy as np
import pandas as pd

from engine.data import Table, as_table
from engine.stats.internal import column_quantiles, compute_all, map_blocks_delayed, tree_merge


@dataclass(frozen=True)
class ColumnHistogram:
    """Counts of one column in both datasets (``edges`` is None for categories)."""

    name: str
    reference: np.ndarray
    current: np.ndarray
    edges: np.ndarray | None = None
    categories: list | None = None


def _is_numeric(dtype) -> bool:
    return getattr(dtype, "kind", "O") in "iuf"


def _block_counts(block: np.ndarray, edges: np.ndarray) -> np.ndarray:
    out = np.zeros((block.shape[1], edges.shape[1] - 1), dtype=np.int64)
    for j in range(block.shape[1]):
        values = block[:, j]
        # Tails beyond the plotted range land in the outer bins (see numeric_histograms).
        kept = np.clip(values[np.isfinite(values)], edges[j, 0], edges[j, -1])
        out[j] = np.histogram(kept, bins=edges[j])[0]
    return out


def _reduce(table: Table, kernel, merge, *args, name: str, raw: bool = False):
    if not table.is_lazy:
        return kernel(table.row_blocks(raw=raw)[0], *args)
    parts = map_blocks_delayed(table, kernel, *args, name=name, raw=raw)
    return tree_merge(parts, merge, name=name + "-merge")


TAIL = [0.005, 0.995]


def _finite_block(block: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(block), block, np.nan)


def _finite(table: Table) -> Table:
    """The table with +/-inf read as missing (the plotted range covers finite values)."""
    return as_table(table.apply_blockwise(_finite_block, table.column_names()))


def numeric_histograms(
    ref: Table, cur: Table, names: list[str], bins: int
) -> list[ColumnHistogram]:
    """Shared-edge histograms of the numerical columns ``names``.

    The plotted range runs from the lower to the upper :data:`TAIL` quantile
    of both inputs (exact quantiles), so a few outliers cannot squeeze the
    distribution into one bar; values beyond it are counted in the outer
    bins. Cost: the quantile passes (3) plus one counting pass per input.
    """
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


def _category_counts(block) -> pd.Series:
    column = block.iloc[:, 0] if hasattr(block, "iloc") else pd.Series(np.asarray(block)[:, 0])
    return column.value_counts(dropna=True)


def _add_counts(a: pd.Series, b: pd.Series) -> pd.Series:
    return a.add(b, fill_value=0)


def categorical_histogram(ref: Table, cur: Table, name: str) -> ColumnHistogram:
    """Exact category counts of one column in both datasets (one pass each)."""
    ref_counts, cur_counts = compute_all(
        *(
            _reduce(
                table.select_columns([table.column_names().index(name)]),
                _category_counts,
                _add_counts,
                name="drift-hist-categories",
                raw=True,
            )
            for table in (ref, cur)
        )
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
    ref = as_table(reference, numeric=False, column_names=column_names)
    cur = as_table(current, numeric=False, column_names=column_names)
    ref_names, cur_names = ref.column_names(), cur.column_names()
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
    numeric = [
        c
        for c in wanted
        if _is_numeric(ref.dtypes[ref_names.index(c)])
        and _is_numeric(cur.dtypes[ref_names.index(c)])
    ]
    found = {}
    if numeric:
        positions = [ref_names.index(c) for c in numeric]
        hists = numeric_histograms(
            ref.select_columns(positions), cur.select_columns(positions), numeric, bins
        )
        found.update({h.name: h for h in hists})
    for name in wanted:
        if name not in found:
            found[name] = categorical_histogram(ref, cur, name)
    return [found[name] for name in wanted]
