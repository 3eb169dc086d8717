"""Exact per-column distributions of a dataset: value counts, merged in a fixed order.

A column's *partial* is either ``(values, counts)`` -- sorted distinct float
values with an ``(n, 1)`` count matrix, as in :mod:`engine.stats._distinct`,
or ``counts=None`` when every value occurs once --
for numerical and numeric-valued categorical columns, or a pandas Series of
counts indexed by category for other categorical columns. Partials of row
blocks merge exactly (counts add), so the merged distribution is the same for
every chunking and scheduler. Cost: one pass over the data; for Dask input one
task per row block (all columns of the block at once) and a fixed merge tree
(up to 32 partials per merge task) per column.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import dask
import numpy as np
import pandas as pd

from engine.data import Table
from engine.drift._inputs import FLOAT_READER, input_blocks
from engine.kernels import distinct as dk
from engine.kernels.ecdf import count_runs, run_length_counts

MERGE_FAN_IN = 32  # partials merged per task: few tree levels, bounded task inputs


def _column(block, position: int):
    if isinstance(block, pd.DataFrame):
        return block.iloc[:, position]
    return block[:, position]


def float_counts(column) -> tuple[np.ndarray, np.ndarray]:
    """Exact value counts of a numeric column; NaN and +/-inf are missing.

    The column is copied, sorted with ``numpy.sort`` (NaN last) and run-length
    counted by :func:`engine.kernels.ecdf.run_length_counts`: O(n log n), far
    faster than an argsort-based count for unweighted data.
    """
    if isinstance(column, pd.Series):
        x = column.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    else:
        x = np.array(column, dtype=np.float64, copy=True)
    x = x.ravel()
    x[np.isinf(x)] = np.nan
    x.sort()
    return counted(x)


def counted(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Value-counts partial of an ascending array (NaN last).

    All-distinct data returns the array itself (cut before the NaN) with
    ``counts=None`` (one row per value): no new memory, which matters because
    first-touch of fresh pages dominates the cost on large data.
    """
    n, runs = count_runs(sorted_values)
    if runs == n:
        return sorted_values[:n], None
    return run_length_counts(sorted_values)


def unit_counts(partial) -> np.ndarray:
    """The ``(n, 1)`` count matrix of a float partial (ones when ``counts`` is None)."""
    values, counts = partial
    return np.ones((len(values), 1)) if counts is None else counts


def n_rows(partial) -> float:
    """Number of non-missing rows a float partial describes."""
    values, counts = partial
    return float(len(values)) if counts is None else float(counts.sum())


def object_counts(column) -> pd.Series:
    """Counts per category of a categorical column (missing values dropped)."""
    series = column if isinstance(column, pd.Series) else pd.Series(np.asarray(column))
    counts = series.value_counts(dropna=True, sort=False)
    counts = counts[counts > 0]
    index = pd.Index(np.asarray(counts.index.astype(object)), dtype=object)
    return pd.Series(counts.to_numpy(dtype=np.float64), index=index)


def _read(column, reader: str):
    return float_counts(column) if reader == FLOAT_READER else object_counts(column)


def block_partials(block, positions: Sequence[int], readers: Sequence[str]) -> tuple:
    """Partials of the given columns of one row block (single-threaded, for Dask tasks)."""
    return tuple(_read(_column(block, p), r) for p, r in zip(positions, readers, strict=True))


def merge_partials(a, b):
    """Merge two partials of the same column (exact)."""
    if isinstance(a, pd.Series):
        return a.add(b, fill_value=0.0)
    return dk.merge_value_counts(a[0], unit_counts(a), b[0], unit_counts(b))


def merge_many(*parts):
    """Merge several partials of one column, left to right (exact).

    Float partials of mostly-distinct values (at most two rows per distinct
    value on average) are expanded back to their sorted values, concatenated,
    re-sorted with ``numpy.sort`` (a SIMD sort, far faster than pairwise
    merging here) and run-length counted; others merge pairwise. Both give
    the same distinct values and counts.
    """
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], pd.Series):
        out = parts[0]
        for part in parts[1:]:
            out = out.add(part, fill_value=0.0)
        return out
    n_distinct = sum(len(v) for v, _ in parts)
    if sum(n_rows(p) for p in parts) > 2 * n_distinct:
        out = parts[0]
        for part in parts[1:]:
            out = merge_partials(out, part)
        return out
    runs = [v if c is None else np.repeat(v, c[:, 0].astype(np.int64)) for v, c in parts]
    x = np.concatenate(runs)
    x.sort()
    return counted(x)


def wide_tree_merge(parts: list, fan_in: int = MERGE_FAN_IN):
    """Merge Delayed partials in a fixed tree of ``fan_in``-way merges (left before right)."""
    call = dask.delayed(merge_many, pure=True, name="engine-drift-counts-merge")
    level = list(parts)
    while len(level) > 1:
        level = [
            call(*level[i : i + fan_in]) if len(level[i : i + fan_in]) > 1 else level[i]
            for i in range(0, len(level), fan_in)
        ]
    return level[0]


def input_partials(table: Table, positions: Sequence[int], readers: Sequence[str]) -> list:
    """One merged partial per selected column: concrete for in-memory data, Delayed for Dask.

    In memory, columns are counted in parallel threads (the kernel releases
    the GIL); for Dask, each row block is one task counting all its columns.
    """
    blocks, local = input_blocks(table, positions)
    if not table.is_lazy:
        block = blocks[0]
        jobs = [(_column(block, p), r) for p, r in zip(local, readers, strict=True)]
        workers = min(len(jobs), os.cpu_count() or 1)
        if workers <= 1:
            return [_read(col, r) for col, r in jobs]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda job: _read(*job), jobs))
    n = len(local)
    call = dask.delayed(block_partials, pure=True, nout=n, name="engine-drift-counts-block")
    per_block = [call(b, tuple(local), tuple(readers)) for b in blocks]
    return [wide_tree_merge([parts[j] for parts in per_block]) for j in range(n)]
