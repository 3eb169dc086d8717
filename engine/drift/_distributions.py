"""Exact per-column distributions of a dataset: value counts, merged in a fixed order.

A column's *partial* is either ``(values, counts)`` -- sorted distinct float
values with an ``(n, 1)`` count matrix, from :mod:`engine.stats._distinct` --
for numerical and numeric-valued categorical columns, or a pandas Series of
counts indexed by category for other categorical columns. Partials of row
blocks merge exactly (counts add), so the merged distribution is the same for
every chunking and scheduler. Cost: one pass over the data; for Dask input one
task per row block (all columns of the block at once) and a fixed binary merge
tree per column.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import dask
import numpy as np
import pandas as pd

from engine.drift._inputs import FLOAT_READER, Dataset, dataset_blocks
from engine.kernels import distinct as dk
from engine.stats._distinct import value_counts
from engine.stats._reduce import tree_merge


def _column(block, position: int):
    if isinstance(block, pd.DataFrame):
        return block.iloc[:, position]
    return block[:, position]


def float_counts(column) -> tuple[np.ndarray, np.ndarray]:
    """Exact value counts of a numeric column; NaN and +/-inf are missing."""
    if isinstance(column, pd.Series):
        x = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        x = np.asarray(column, dtype=np.float64)
    inf = np.isinf(x)
    if inf.any():
        x = np.where(inf, np.nan, x)
    values, counts = value_counts(x)
    return values, counts


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
    return dk.merge_value_counts(a[0], a[1], b[0], b[1])


def dataset_partials(ds: Dataset, positions: Sequence[int], readers: Sequence[str]) -> list:
    """One merged partial per selected column: concrete for in-memory data, Delayed for Dask.

    In memory, columns are counted in parallel threads (the kernel releases
    the GIL); for Dask, each row block is one task counting all its columns.
    """
    blocks, local = dataset_blocks(ds, positions)
    if not ds.is_lazy:
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
    return [
        tree_merge(
            [parts[j] for parts in per_block], merge_partials, name="engine-drift-counts-merge"
        )
        for j in range(n)
    ]
