"""Exact column quantiles, equal bit for bit to ``numpy.nanquantile(X, q, axis=0)``.

Method: locate every wanted order statistic from a small row sample, then let
one pass over the data count exactly how many values lie below narrow key
windows around them and gather the keys inside; a window that missed its
order statistic sends it to one more pass. The answer is exact either way;
the sample only decides the cost. Keys are the float's sortable bit patterns
(:mod:`engine.kernels.selection`), every partial is integer counts or keys,
so all schedulers and merge orders agree bit for bit.

sample (not a full pass)
    about ``2 n^(2/3)`` rows (32,768 to 262,144; 131,072 for 10 million
    rows), stratified: one random row in each of as many equal row ranges.
    In memory it spans every row; under Dask it reads a few evenly spaced
    blocks (at most :data:`SAMPLE_BLOCKS_MAX`, a quarter of them), so it
    costs a fraction of a read out of core but is biased on ordered data.
    Per column and level ``q``, the window holds the sample's order
    statistics 4.5 standard deviations of the sample rank (plus two ranks)
    around ``q``: the order statistic falls outside with odds of about
    1e-5. A key the sample repeats (ties, integers, zeros) gets a window of
    its own that is counted, not gathered.
pass 1 (round 0)
    every block: each column's count of non-NaN values (hence numpy's
    ranks), extremes, zeros of each sign, the count below every window and
    inside it, the windows' keys; and a second stratified sample of 32,768
    rows spread over every block, for round 1. A rank whose window holds it
    is read off the window's keys (a partition) or its one key; ranks 0 and
    ``n - 1`` are the extremes. A rank outside every window now lies in a
    known key interval with an exact count of values.
pass 2 (round 1), only after a miss
    windows placed inside those intervals from the second sample (which
    covers every block, so it is unbiased on ordered data); an interval of
    at most 65,536 values is gathered whole.
pass 3 (round 2), only after a second miss
    every interval left is gathered whole: exact, whatever the data.

Passes over the data: one on every shape of ``benchmarks/bench_quantiles.py``
on NumPy input, and on Dask except ordered data whose sampled blocks are not
representative (the sorted column: two). At most three whatever the data.
Under Dask the graph is static and holds all three rounds (a round with
nothing to do returns at once, but its tasks still take the blocks: the
scheduler keeps the source's blocks until the last round ran, as before).

Memory: the samples (131,072 + 32,768 rows), the counts, and the gathered
keys: about ``9 sqrt(q (1 - q) / m) n`` keys per level ``q`` and column for
``n`` values and an ``m``-row sample (1.2 % of the values for the median of
10 million rows: 24 MB for the quartiles of 10 million x 8); each
block keeps at most four times a window's expected keys (plus 1,024), a
window holding more (a biased sample) keeps none and is searched again. When
a pass's windows expect more keys than its gather budget (32 MB, or up to
an eighth of an in-memory input, or up to one block's values under Dask:
a task never holds more than a block), the largest become *histogram* windows that
keep no keys and count them in 4,096 sub-ranges (32 KB each); the next pass
gathers the one sub-range that holds each rank: memory bounded at the cost
of one more pass (two in all when the samples hit). The worst case is the
last round's: values packed so densely that no sample separates them,
gathered whole.

numpy's virtual index ``(n - 1) * q`` and its ``_lerp`` are then replayed on
the two order statistics around each index, so the result is the same
floating-point number numpy returns, ``inf`` values included.

The one value numpy's result does not determine: when a column holds both
``-0.0`` and ``+0.0`` and a requested order statistic falls among the zeros,
numpy returns whichever zero its partition algorithm left there (a matter of
the input's order, not of its values). The engine then reads every zero of
that column as ``+0.0``, which is numpy's answer whenever the interpolation
weight is below 0.5 and most often otherwise; the two results always compare
equal. Columns with zeros of one sign match numpy bit for bit.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from functools import partial

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._adapters import DASK_DATAFRAME, PANDAS, XARRAY, Table, as_table
from engine.data._validation import check_not_empty
from engine.kernels import selection as sk
from engine.stats._quantile_plan import QuantileSpec, check_q
from engine.stats._quantile_rounds import (
    LAST_ROUND,
    SAMPLE_SEED,
    Partial,
    Selection,
    advance,
    column_extremes,
    first_sample_rows,
    first_selection,
    gather_budget,
    merge_partials,
    result,
    stratified_rows,
)
from engine.stats._reduce import Lazy, tree_merge

__all__ = [
    "QuantileSpec",
    "check_q",
    "column_extremes",
    "column_quantiles",
    "first_pass",
    "first_round",
    "merge_partials",
    "quantile",
    "quantile_cost",
    "round_partial",
    "selection",
]

SAMPLE_BLOCKS_MAX = 8  # Dask: the first sample reads at most this many blocks...
SAMPLE_BLOCKS_SHARE = 0.25  # ...and at most this share of them (at least one)


# ------------------------------------------------------------ block tasks


def _values(block) -> np.ndarray:
    return np.asarray(block, dtype=np.float64)


def round_partial(block, sel: Selection) -> Partial | None:
    """One pass of round ``sel.round`` over a block (``None`` when the round has nothing to do)."""
    if not sel.has_work:
        return None
    values = _values(block)
    n = len(values)
    below, stats, keys, kept, inside, hist = sk.window_pass(
        values.view(np.uint64), sel.windows, sel.capacity(n), stats=sel.round == 0
    )
    sample = None
    if sel.retry_share:
        wanted = min(n, int(np.ceil(n * sel.retry_share)))
        sample = values[stratified_rows(n, wanted, (SAMPLE_SEED, 1, n))]
    return Partial(below, stats, keys, kept, inside, sample, n, hist)


def _sample_block(block, n_wanted: int) -> tuple:
    """A stratified sample of a block's rows, and the block's row count."""
    values = _values(block)
    n = len(values)
    return values[stratified_rows(n, n_wanted, (SAMPLE_SEED, 0, n))], n, 1


def _merge_samples(a: tuple, b: tuple) -> tuple:
    return np.concatenate([a[0], b[0]]), a[1] + b[1], a[2] + b[2]


def _first_from_samples(
    merged: tuple, spec: QuantileSpec, n_rows: float, n_blocks: int, block_rows: float
):
    values, sampled_rows, sampled_blocks = merged
    if not np.isfinite(n_rows):
        n_rows = sampled_rows / max(1, sampled_blocks) * n_blocks
    if not np.isfinite(block_rows):
        block_rows = sampled_rows / max(1, sampled_blocks)
    budget = gather_budget(block_rows * values.shape[1], resident=False)
    return first_selection(values, spec, float(n_rows), budget)


# ------------------------------------------------------------ in memory: threads


def _row_parts(values: np.ndarray) -> list:
    """Row ranges of an in-memory array for the thread pool (about 1M rows each)."""
    n_parts = min(max(1, values.shape[0] // (1 << 20)), 4 * _threads())
    bounds = np.linspace(0, values.shape[0], n_parts + 1).astype(np.int64)
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _threads() -> int:
    return max(1, os.cpu_count() or 1)


def _pass(parts: list, sel: Selection) -> Partial | None:
    """Round ``sel.round`` over the parts from a few threads (the kernel releases the GIL)."""
    task = partial(round_partial, sel=sel)
    if len(parts) == 1:
        return task(parts[0])
    with ThreadPoolExecutor(min(len(parts), _threads())) as pool:
        return merge_partials(*pool.map(task, parts))


# ------------------------------------------------------------ the rounds


def _known_rows(table: Table) -> float:
    rows = table.values.chunks[0]
    return float(sum(rows)) if all(np.isfinite(rows)) else float("nan")


def _sample_picks(n_blocks: int) -> list[int]:
    """Evenly spaced blocks the first sample reads (first and last included)."""
    wanted = min(n_blocks, SAMPLE_BLOCKS_MAX, max(1, int(np.ceil(SAMPLE_BLOCKS_SHARE * n_blocks))))
    return sorted({int(i) for i in np.round(np.linspace(0, n_blocks - 1, wanted))})


def first_round(table: Table, spec: QuantileSpec) -> Lazy:
    """Round 0's :class:`Selection` (windows from the first sample): NumPy now, or a Delayed.

    In memory the sample is stratified over all rows; under Dask it reads only
    a few evenly spaced blocks (:data:`SAMPLE_BLOCKS_MAX`), stratified within
    each.
    """
    if not table.is_lazy:
        values = table.values
        n = values.shape[0]
        rows = stratified_rows(n, first_sample_rows(n, table.n_columns), (SAMPLE_SEED, 0, n))
        budget = gather_budget(values.size, resident=True)
        return first_selection(values[rows], spec, float(n), budget)
    blocks = table.row_blocks()
    n_rows = _known_rows(table)
    picks = _sample_picks(len(blocks))
    per_block = -(-first_sample_rows(n_rows, table.n_columns) // len(picks))
    call = dask.delayed(_sample_block, pure=True, name="engine-quantile-sample")
    sample = tree_merge(
        [call(blocks[i], per_block) for i in picks], _merge_samples, name="engine-quantile-merge0"
    )
    first = dask.delayed(_first_from_samples, pure=True, name="engine-quantile-plan0")
    return first(sample, spec, n_rows, len(blocks), float(np.max(table.values.chunks[0])))


def _lazy_pass(blocks: list, sel, name: str):
    call = dask.delayed(round_partial, pure=True, name=f"{name}-pass")
    return tree_merge([call(block, sel) for block in blocks], merge_partials, name=f"{name}-merge")


def first_pass(table: Table, spec: QuantileSpec) -> tuple:
    """Round 0 and its merged pass: ``(selection, partial)``, NumPy now or Delayed objects.

    The partial holds every column's exact non-NaN count and extreme keys
    (:func:`column_extremes`); pass it on as ``first`` to
    :func:`column_quantiles` to finish without reading the data for round 0
    again.
    """
    sel = first_round(table, spec)
    if not table.is_lazy:
        return sel, _pass(_row_parts(table.values), sel)
    return sel, _lazy_pass(table.row_blocks(), sel, "engine-quantile-round0")


def selection(table: Table, spec: QuantileSpec, *, first: tuple | None = None) -> Lazy:
    """The finished :class:`Selection` (keys of every needed order statistic, and its cost).

    In memory, rounds run while ranks are missing (one pass unless a sample
    missed); under Dask the graph is static and holds all three rounds, the
    later ones doing nothing unless an earlier one missed.
    """
    sel, merged = first_pass(table, spec) if first is None else first
    if not table.is_lazy:
        parts = _row_parts(table.values)
        sel = advance(sel, merged)
        while sel.has_work:
            sel = advance(sel, _pass(parts, sel))
        return sel
    blocks = table.row_blocks()
    step = dask.delayed(advance, pure=True, name="engine-quantile-plan")
    for r in range(1, LAST_ROUND + 1):
        sel = step(sel, merged)
        merged = _lazy_pass(blocks, sel, f"engine-quantile-round{r}")
    return step(sel, merged)


def column_quantiles(table: Table, q, *, first: tuple | None = None) -> Lazy:
    """Exact ``numpy.nanquantile(values, q, axis=0)`` of a table: NumPy now, or a Delayed.

    Cost: one pass over the data plus a small row sample, unless a sample
    misses an order statistic (then one more pass; at most three, whatever
    the data); exact, bit-identical to numpy (see the module notes on
    ``-0.0``) and across schedulers. Under Dask the three rounds share the
    source's block keys, so the scheduler keeps the blocks until the last
    round's (usually empty) tasks ran. ``first`` continues from a
    :func:`first_pass` the caller already has in its graph.

    Returns an array of shape ``(n_columns,)`` for scalar ``q``, else
    ``(len(q), n_columns)``.
    """
    spec = q if isinstance(q, QuantileSpec) else check_q(q)
    final = selection(table, spec, first=first)
    if not table.is_lazy:
        return result(final)
    return dask.delayed(result, pure=True, name="engine-quantile-finish")(final)


# ------------------------------------------------------------ public function


def _wrap(table: Table, result, spec: QuantileSpec):
    shape = spec.q.shape + (table.n_columns,)
    names = table.column_names()
    if table.kind in (PANDAS, DASK_DATAFRAME):
        levels = spec.q.tolist()

        def to_pandas(values: np.ndarray):
            if spec.scalar:
                return pd.Series(values, index=names, name=levels)
            return pd.DataFrame(values, index=pd.Index(levels, dtype=np.float64), columns=names)

        if table.kind == PANDAS:
            return to_pandas(result)
        meta = to_pandas(np.empty(shape))
        return dd.from_delayed([dask.delayed(to_pandas, pure=True)(result)], meta=meta.iloc[:0])
    if table.is_lazy:
        result = da.from_delayed(result, shape=shape, dtype=np.float64)
    if table.kind == XARRAY:
        import xarray as xr

        col_dim = table.source.dims[1]
        dims = (col_dim,) if spec.scalar else ("quantile", col_dim)
        coords = {"quantile": spec.q.astype(np.float64)}
        if table.columns is not None:
            coords[col_dim] = names
        return xr.DataArray(result, dims=dims, coords=coords)
    return result


def quantile(X, q):
    """Exact column quantiles, equal bit for bit to ``numpy.nanquantile(X, q, axis=0)``.

    Method: a small row sample places narrow key windows around every
    requested order statistic; one pass over the data counts the values
    below each window and gathers those inside, and numpy's linear
    interpolation is replayed operation for operation. A window that misses
    costs one more pass (at most three in all, whatever the data); the
    result is exact either way, for any distribution and chunking. NaN is
    ignored, ``+-inf`` count as values (as in numpy). Memory: the samples and
    the windows' keys (about 1 % of the values per level at 10 million rows).
    Dask input stays lazy and gives the same bits on every scheduler.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_columns)
        NumPy array, pandas DataFrame/Series, dask array, dask DataFrame or
        xarray DataArray, numeric.
    q : float or 1-D array-like of float
        Quantile levels in [0, 1].

    Returns
    -------
    numpy.ndarray, pandas object, dask array, dask DataFrame or xarray.DataArray
        Shape ``(n_columns,)`` for scalar ``q``, else ``(len(q), n_columns)``.
        pandas input gives a Series (scalar ``q``) or a DataFrame indexed by
        ``q``; dask input gives a lazy result of the same family. A column
        with no value gives NaN and a ``RuntimeWarning`` (for Dask input,
        raised by the final task: in the caller's process with the local
        schedulers, in a worker's log with ``distributed``).

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> X = np.array([[1.0, 10.0], [2.0, np.nan], [4.0, 30.0], [8.0, 40.0]])
    >>> quantile(X, 0.5)
    array([ 3., 30.])
    >>> quantile(da.from_array(X, chunks=2), [0.25, 0.75]).compute()
    array([[ 1.75, 20.  ],
           [ 5.  , 35.  ]])
    """
    spec = check_q(q)
    table = as_table(X)
    check_not_empty(table.values.shape[0], table.n_columns)
    return _wrap(table, column_quantiles(table, spec), spec)


def quantile_cost(X, q) -> dict:
    """What the exact selection of :func:`quantile` costs on these data (it runs it).

    Returns a dict: ``passes`` (full passes over the data), ``sample_rows``
    (rows of the first sample), ``retry_sample_rows`` (rows of the second
    sample, taken during the first pass), ``gathered_keys`` (keys copied out
    of the data, 8 bytes each), ``overflows`` (windows that held more than
    their buffer and were searched again) and ``histograms`` (windows that
    counted sub-ranges instead of gathering, see the gather budget in the
    module notes). Dask input is computed.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(1000, 100, (100_000, 2))
    >>> quantile_cost(X, [0.25, 0.5, 0.75])["passes"]
    1
    """
    table = as_table(X)
    check_not_empty(table.values.shape[0], table.n_columns)
    final = selection(table, check_q(q))
    return asdict((final.compute() if table.is_lazy else final).cost)
