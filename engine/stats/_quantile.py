"""Exact column quantiles, equal bit for bit to ``numpy.nanquantile(X, q, axis=0)``.

Method: radix selection on the float's sortable bit pattern (see
:mod:`engine.kernels.selection`) in at most three passes over the data,
whatever the distribution:

1. per block, a histogram of each column's top 16 key bits (sixteen buckets
   per binade) and its extreme keys; merged, it gives every column's count
   of non-NaN values, hence the ranks numpy's linear method needs, and the
   bucket holding each rank;
2. per block, for those target buckets only: if they hold few values in all
   (at most 1/16 of the values, or 65,536), their keys are gathered and the
   selection ends here (two passes; the usual case for spread-out data);
   otherwise a 256-bucket histogram of the next key bits with each
   sub-bucket's smallest and largest key, which resolves a sub-bucket
   holding one repeated value (duplicates, integers, a constant column);
3. per block, the keys of the few sub-buckets still holding a rank are
   gathered; partitioned, they give the exact order statistics.

Under Dask the graph always has the three passes (the third does nothing
when the second settled everything). Memory: cache-sized histograms plus the
gathered keys (13 MB for the quartiles of 10 million x 8 normal values).

numpy's virtual index ``(n - 1) * q`` and its ``_lerp`` are then replayed on
the two order statistics around each index, so the result is the same
floating-point number numpy returns, ``inf`` values included. Under Dask the
graph is static (pass ``k + 1`` tasks depend on pass ``k``'s merged plan);
every partial is integers or keys, so all schedulers agree bit for bit.

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
from functools import partial

import dask
import numpy as np

from engine.data import Table, as_table, check_not_empty
from engine.kernels import selection as sk
from engine.stats._quantile_plan import (
    QuantileSpec,
    _finish,
    _Plan,
    _plan_pass2,
    _plan_pass3,
    check_q,
)
from engine.stats._reduce import Lazy, map_blocks_delayed, tree_merge

__all__ = ["QuantileSpec", "check_q", "column_quantiles", "first_pass", "quantile"]


# ------------------------------------------------------------ block tasks


def _keys_view(block: np.ndarray) -> np.ndarray:
    return np.asarray(block, dtype=np.float64).view(np.uint64)


def _compact1(part) -> tuple:
    """A pass-1 partial with only its non-zero counts (a few KB instead of MBs)."""
    hist, kmin, kmax = part
    flat = hist.reshape(-1)
    index = np.flatnonzero(flat)
    return hist.shape, index, flat[index], kmin, kmax


def _dense1(compact: tuple):
    """Inverse of :func:`_compact1`: ``(hist, kmin, kmax)``."""
    shape, index, counts, kmin, kmax = compact
    hist = np.zeros(shape, dtype=np.int64)
    hist.reshape(-1)[index] = counts
    return hist, kmin, kmax


def _task_hist1(block):
    return _compact1(sk.block_hist1(_keys_view(block)))


def _task_hist2(block, plan: _Plan):
    if plan.direct:
        return sk.block_gather(_keys_view(block), plan.ranges, plan.table, plan.capacity)
    return sk.block_hist2(_keys_view(block), plan.ranges, plan.table, plan.shift)


def _task_gather(block, plan: _Plan):
    if len(plan.capacity) == 0:
        return np.empty(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return sk.block_gather(_keys_view(block), plan.ranges, plan.table, plan.capacity)


def _merge_gathered(a, b):
    """Concatenate two gathers group by group (``(keys, fill)`` each)."""
    parts_a = np.split(a[0], np.cumsum(a[1])[:-1])
    parts_b = np.split(b[0], np.cumsum(b[1])[:-1])
    keys = [k for pair in zip(parts_a, parts_b, strict=True) for k in pair]
    return np.concatenate(keys) if keys else a[0], a[1] + b[1]


def _merge1(a, b):
    return _compact1(sk.merge_hist1(_dense1(a), _dense1(b)))


def _merge2(a, b):
    if isinstance(a, tuple):
        return _merge_gathered(a, b)
    return sk.merge_hist2(a, b)


def _finish_task(plan: _Plan, *gathered) -> np.ndarray:
    return _finish(plan, list(gathered))


def _row_parts(values: np.ndarray) -> list:
    """Row ranges of an in-memory array for the thread pool (about 1M rows each)."""
    n_parts = min(max(1, values.shape[0] // (1 << 20)), 4 * _threads())
    bounds = np.linspace(0, values.shape[0], n_parts + 1).astype(np.int64)
    return [values[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _threads() -> int:
    return max(1, os.cpu_count() or 1)


def _map_reduce(func, parts: list, merge):
    """``func`` on every part from a few threads (the kernels release the GIL), merged in order."""
    if len(parts) == 1:
        return func(parts[0])
    with ThreadPoolExecutor(min(len(parts), _threads())) as pool:
        results = list(pool.map(func, parts))
    acc = results[0]
    for result in results[1:]:
        acc = merge(acc, result)
    return acc


def _eager_from_pass1(values: np.ndarray, spec: QuantileSpec, merged1) -> np.ndarray:
    parts = _row_parts(values)
    plan = _plan_pass2(merged1, spec)
    merged2 = _map_reduce(partial(_task_hist2, plan=plan), parts, _merge2)
    plan = _plan_pass3(plan, merged2)
    gathered = _map_reduce(partial(_task_gather, plan=plan), parts, _merge_gathered)
    return _finish(plan, [gathered])


def _task_hist1_dense(block):
    return sk.block_hist1(_keys_view(block))


def first_pass(table: Table) -> Lazy:
    """Merged pass-1 result ``(hist, kmin, kmax)``: NumPy now, or a Delayed (one pass).

    ``kmin``/``kmax`` are the exact column extremes, ``+-inf`` included, as
    sortable keys (:func:`engine.kernels.selection.keys_to_floats`).
    """
    if not table.is_lazy:
        return _map_reduce(_task_hist1_dense, _row_parts(table.values), sk.merge_hist1)
    parts = map_blocks_delayed(table, _task_hist1, name="engine-quantile-pass1")
    merged = tree_merge(parts, _merge1, name="engine-quantile-merge1")
    return dask.delayed(_dense1, pure=True, name="engine-quantile-pass1-dense")(merged)


def column_quantiles(table: Table, q, *, pass1=None) -> Lazy:
    """Exact ``numpy.nanquantile(values, q, axis=0)`` of a table: NumPy now, or a Delayed.

    Cost: at most three passes over the data (histogram, then a gather of
    the target buckets when small, else a narrower histogram and a gather);
    exact, bit-identical to numpy (see the module notes on ``-0.0``), and
    bit-identical across schedulers. Under Dask, passes 2 and 3 use the same
    block keys as pass 1, so the scheduler keeps source blocks between passes
    (free for in-memory arrays; persist or rechunk out-of-core sources). ``pass1`` reuses a
    :func:`first_pass` result the caller already has in its graph.

    Returns an array of shape ``(n_columns,)`` for scalar ``q``, else
    ``(len(q), n_columns)``.
    """
    spec = q if isinstance(q, QuantileSpec) else check_q(q)
    merged1 = first_pass(table) if pass1 is None else pass1
    if not table.is_lazy:
        return _eager_from_pass1(table.values, spec, merged1)
    plan2 = dask.delayed(_plan_pass2, pure=True, name="engine-quantile-plan2")(merged1, spec)
    parts2 = map_blocks_delayed(table, _task_hist2, plan2, name="engine-quantile-pass2")
    merged2 = tree_merge(parts2, _merge2, name="engine-quantile-merge2")
    plan3 = dask.delayed(_plan_pass3, pure=True, name="engine-quantile-plan3")(plan2, merged2)
    parts3 = map_blocks_delayed(table, _task_gather, plan3, name="engine-quantile-pass3")
    return dask.delayed(_finish_task, pure=True, name="engine-quantile-finish")(plan3, *parts3)


# ------------------------------------------------------------ public function


def quantile(X, q):
    """Exact column quantiles, equal bit for bit to ``numpy.nanquantile(X, q, axis=0)``.

    Method: radix selection on the float's sortable bit pattern in at most
    three passes over the data (a histogram of the top key bits; then either
    a gather of the buckets holding the requested ranks, when small, or a
    narrower histogram of them and a gather of the few values left), then numpy's linear interpolation replayed operation for
    operation. Exact whatever the distribution and the chunking; NaN is
    ignored, ``+-inf`` count as values (as in numpy). Memory: small
    histograms plus the final buckets' values. Dask input stays lazy and gives
    the same bits on every scheduler.

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
    check_not_empty(table.n_rows, table.n_columns)
    return table.wrap_summary(column_quantiles(table, spec), spec.q, "quantile")
