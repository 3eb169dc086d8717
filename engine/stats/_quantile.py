"""Exact column quantiles, equal bit for bit to ``numpy.nanquantile(X, q, axis=0)``.

Method: radix selection on the float's sortable bit pattern (see
:mod:`engine.kernels.selection`) in three passes over the data, whatever the
distribution:

1. per block, a histogram of each column's top 12 key bits (one bucket per
   binade) and its extreme keys; merged, it gives every column's count of
   non-NaN values, hence the ranks numpy's linear method needs, and the
   bucket holding each rank;
2. per block, for those target buckets only, a 4096-bucket histogram of the
   next key bits with each sub-bucket's smallest and largest key; a
   sub-bucket holding one repeated value (duplicates, integers, a constant
   column) is resolved here;
3. per block, the keys of the few sub-buckets still holding a rank are
   gathered; sorted, they give the exact order statistics.

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

import warnings
from dataclasses import dataclass, field, replace

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd

from engine.data._adapters import DASK_DATAFRAME, PANDAS, XARRAY, Table, as_table
from engine.data._validation import check_not_empty
from engine.kernels import selection as sk
from engine.stats._reduce import Lazy, map_blocks_delayed, tree_merge

__all__ = ["QuantileSpec", "check_q", "column_quantiles", "first_pass", "quantile"]


@dataclass(frozen=True)
class QuantileSpec:
    """Validated quantile levels, kept in numpy's own dtype (its arithmetic depends on it)."""

    q: np.ndarray
    weak: bool

    @property
    def scalar(self) -> bool:
        return self.q.ndim == 0

    def __dask_tokenize__(self):
        return ("engine-quantile-spec", self.q.dtype.str, self.q.tobytes(), self.q.shape, self.weak)


def check_q(q) -> QuantileSpec:
    """Validate ``q`` like numpy (scalar or 1-D, every level in [0, 1])."""
    weak = type(q) in (int, float)
    arr = np.asanyarray(q)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"q must be a number or a 1-D array of numbers in [0, 1], got {q!r}")
    if arr.ndim > 1:
        raise ValueError(f"q must be a scalar or 1-D, got shape {arr.shape}")
    with np.errstate(invalid="ignore"):
        if arr.size and not (np.all(arr >= 0) and np.all(arr <= 1)):
            raise ValueError(f"Quantiles must be in the range [0, 1], got q={q!r}")
    return QuantileSpec(arr, weak)


# ------------------------------------------------------------ numpy's arithmetic


def _virtual_indexes(n: int, spec: QuantileSpec):
    """numpy's linear method: ``(previous, next, gamma)``, or ``gamma=None`` for integer q."""
    virtual = np.asanyarray((n - 1) * spec.q)
    if np.issubdtype(virtual.dtype, np.integer):
        index = virtual.astype(np.intp)
        return index, index, None
    previous = np.floor(virtual)
    nxt = previous + 1
    above = virtual >= n - 1
    previous = np.where(above, -1, previous)
    nxt = np.where(above, -1, nxt)
    previous = previous.astype(np.intp)
    nxt = nxt.astype(np.intp)
    gamma = np.asanyarray(virtual - previous, dtype=virtual.dtype)
    previous = np.where(previous < 0, n - 1, previous)
    nxt = np.where(nxt < 0, n - 1, nxt)
    return previous, nxt, gamma


def _lerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """numpy's ``_lerp`` (same operations, same order)."""
    diff_b_a = np.subtract(b, a)
    out = np.add(a, diff_b_a * t, out=...)
    np.subtract(b, diff_b_a * (1 - t), out=out, where=np.asanyarray(t >= 0.5), casting="unsafe")
    return out


# ------------------------------------------------------------ plans between passes

DIRECT_GATHER_SHARE = 1 / 16
DIRECT_GATHER_MIN = 1 << 16


@dataclass
class _Plan:
    """What each pass needs from the merged results of the previous ones."""

    spec: QuantileSpec
    counts: np.ndarray
    mixed_zeros: np.ndarray
    previous: dict = field(default_factory=dict)  # column -> previous indexes
    nxt: dict = field(default_factory=dict)
    gamma: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)  # (column, rank) -> key, once resolved
    pending: dict = field(default_factory=dict)  # (column, rank) -> (target, local rank)
    ranges: np.ndarray | None = None  # per column (lo, width, id, count) key ranges
    shift: np.ndarray | None = None  # per pass-2 target
    capacity: np.ndarray | None = None  # per gather
    direct: bool = False  # pass 2 gathers the target buckets (they are small)


def _locate(cum: np.ndarray, rank: int) -> tuple[int, int]:
    """Bucket holding the ``rank``-th value (``cum``: cumulative counts) and the rank inside it."""
    b = int(np.searchsorted(cum, rank, side="right"))
    return b, rank - (int(cum[b - 1]) if b else 0)


def _pack_ranges(n_columns: int, items: list) -> np.ndarray:
    """Kernel layout of ``(column, lo, width)`` ranges: ``ranges[j, r] = (lo, width, id, n_j)``."""
    per_column = [[] for _ in range(n_columns)]
    for i, (j, lo, width) in enumerate(items):
        per_column[j].append((lo, width, i))
    ranges = np.zeros((n_columns, max(1, *map(len, per_column)), 4), dtype=np.uint64)
    for j, rows in enumerate(per_column):
        ranges[j, 0, 3] = len(rows)
        for r, row in enumerate(rows):
            ranges[j, r, :3] = row
    return ranges


def _plan_pass2(merged1, spec: QuantileSpec) -> _Plan:
    """Targets of pass 2: the pass-1 buckets holding the needed ranks.

    When those buckets hold few values in all (at most :data:`DIRECT_GATHER_SHARE`
    of the non-NaN values, or :data:`DIRECT_GATHER_MIN` keys), pass 2 gathers
    them directly (``plan.direct``) and pass 3 has nothing left to do.
    """
    hist, kmin, kmax = merged1
    n_columns = hist.shape[0]
    plan = _Plan(spec, hist[:, : sk.N1].sum(axis=1), mixed_zeros=(hist[:, sk.N1 :] > 0).all(axis=1))
    hist = hist[:, : sk.N1]
    targets: dict = {}
    items, shift, sizes = [], [], []
    for j in range(n_columns):
        n = int(plan.counts[j])
        if n == 0:
            continue
        plan.previous[j], plan.nxt[j], plan.gamma[j] = _virtual_indexes(n, spec)
        cum = np.cumsum(hist[j])
        for rank in np.unique(np.concatenate([np.ravel(plan.previous[j]), np.ravel(plan.nxt[j])])):
            b, local = _locate(cum, int(rank))
            low = max(b << int(sk.SHIFT1), int(kmin[j]))
            high = min(((b + 1) << int(sk.SHIFT1)) - 1, int(kmax[j]))
            if low == high:
                plan.keys[j, int(rank)] = low
                continue
            if (j, b) not in targets:
                targets[j, b] = len(items)
                items.append((j, low, high - low))
                shift.append(max(0, (high - low).bit_length() - sk.BITS2))
                sizes.append(int(hist[j, b]))
            plan.pending[j, int(rank)] = (targets[j, b], local)
    plan.ranges = _pack_ranges(n_columns, items)
    plan.shift = np.array(shift, dtype=np.uint64)
    plan.capacity = np.array(sizes, dtype=np.int64)
    budget = max(DIRECT_GATHER_MIN, int(plan.counts.sum() * DIRECT_GATHER_SHARE))
    plan.direct = bool(plan.capacity.sum() <= budget)
    return plan


def _plan_pass3(plan2: _Plan, merged2) -> _Plan:
    """Resolve what pass 2 settled; the sub-buckets still holding a rank become gathers."""
    if plan2.direct:
        keys = _finish_keys(plan2, [merged2])
        return replace(
            plan2,
            keys=keys,
            pending={},
            ranges=_pack_ranges(len(plan2.counts), []),
            capacity=np.zeros(0, dtype=np.int64),
            direct=False,
        )
    stats = merged2
    plan = replace(plan2, keys=dict(plan2.keys))
    gathers: dict = {}
    items, capacity = [], []
    pending = {}
    cums = {}
    for (j, rank), (t, local) in plan2.pending.items():
        counts = stats[t, :, sk.COUNT].astype(np.int64)
        if t not in cums:
            cums[t] = np.cumsum(counts)
        s, local2 = _locate(cums[t], local)
        low, high = int(stats[t, s, sk.KMIN]), int(stats[t, s, sk.KMAX])
        if low == high:
            plan.keys[j, rank] = low
            continue
        if (t, s) not in gathers:
            gathers[t, s] = len(items)
            items.append((j, low, high - low))
            capacity.append(int(counts[s]))
        pending[j, rank] = (gathers[t, s], local2)
    plan.pending = pending
    plan.ranges = _pack_ranges(len(plan.counts), items)
    plan.capacity = np.array(capacity, dtype=np.int64)
    return plan


_NEG_ZERO_KEY = int(sk.floats_to_keys(np.array([-0.0]))[0])
_POS_ZERO_KEY = int(sk.floats_to_keys(np.array([0.0]))[0])


def _zero_sign(plan: _Plan, j: int, key: int) -> int:
    """Read ``-0.0`` as ``+0.0`` in a column holding both zeros (see the module notes)."""
    return _POS_ZERO_KEY if key == _NEG_ZERO_KEY and plan.mixed_zeros[j] else key


def _finish_keys(plan: _Plan, gathered: list) -> dict:
    """Key of every needed ``(column, rank)``: resolved ones plus those read off the gathers."""
    keys = dict(plan.keys)
    groups = [[] for _ in range(len(plan.capacity))]
    for part_keys, fill in gathered:
        if len(fill):
            for g, part in enumerate(np.split(part_keys, np.cumsum(fill)[:-1])):
                groups[g].append(part)
    wanted: dict = {}
    for g, local in plan.pending.values():
        wanted.setdefault(g, set()).add(local)
    ordered = {g: np.partition(np.concatenate(groups[g]), sorted(ks)) for g, ks in wanted.items()}
    for (j, rank), (g, local) in plan.pending.items():
        keys[j, rank] = int(ordered[g][local])
    return keys


def _finish(plan: _Plan, gathered: list) -> np.ndarray:
    """Read the order statistics off the gathered keys and replay numpy's interpolation."""
    plan = replace(plan, keys=_finish_keys(plan, gathered))
    shape = plan.spec.q.shape + (len(plan.counts),)
    out = np.empty(shape)
    empty = []
    for j, n in enumerate(plan.counts):
        if n == 0:
            out[..., j] = np.nan
            empty.append(j)
            continue
        previous, nxt, gamma = plan.previous[j], plan.nxt[j], plan.gamma[j]
        lookup = np.vectorize(
            lambda r, j=j: _zero_sign(plan, j, plan.keys[j, int(r)]), otypes=[np.uint64]
        )
        a = sk.keys_to_floats(np.atleast_1d(lookup(previous))).reshape(previous.shape)
        if gamma is None:
            out[..., j] = a
            continue
        b = sk.keys_to_floats(np.atleast_1d(lookup(nxt))).reshape(nxt.shape)
        t = float(gamma) if plan.spec.weak else gamma
        out[..., j] = _lerp(a, b, t)
    if empty:
        warnings.warn(f"All-NaN slice encountered (columns {empty})", RuntimeWarning, stacklevel=3)
    return out


# ------------------------------------------------------------ block tasks


def _keys_view(block: np.ndarray) -> np.ndarray:
    return np.asarray(block, dtype=np.float64).view(np.uint64)


def _task_hist1(block):
    return sk.block_hist1(_keys_view(block))


def _task_hist2(block, plan: _Plan):
    if plan.direct:
        return sk.block_gather(_keys_view(block), plan.ranges, plan.capacity)
    return sk.block_hist2(_keys_view(block), plan.ranges, plan.shift)


def _task_gather(block, plan: _Plan):
    if len(plan.capacity) == 0:
        return np.empty(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return sk.block_gather(_keys_view(block), plan.ranges, plan.capacity)


def _merge_gathered(a, b):
    """Concatenate two gathers group by group (``(keys, fill)`` each)."""
    parts_a = np.split(a[0], np.cumsum(a[1])[:-1])
    parts_b = np.split(b[0], np.cumsum(b[1])[:-1])
    keys = [k for pair in zip(parts_a, parts_b, strict=True) for k in pair]
    return np.concatenate(keys) if keys else a[0], a[1] + b[1]


def _merge1(a, b):
    return sk.merge_hist1(a, b)


def _merge2(a, b):
    if isinstance(a, tuple):
        return _merge_gathered(a, b)
    return sk.merge_hist2(a, b)


def _finish_task(plan: _Plan, *gathered) -> np.ndarray:
    return _finish(plan, list(gathered))


def _eager_from_pass1(values: np.ndarray, spec: QuantileSpec, merged1) -> np.ndarray:
    U = _keys_view(values)
    plan = _plan_pass2(merged1, spec)
    if plan.direct:
        merged2 = sk.parallel_gather(U, plan.ranges, plan.capacity)
    else:
        merged2 = sk.parallel_hist2(U, plan.ranges, plan.shift)
    plan = _plan_pass3(plan, merged2)
    gathered = [sk.parallel_gather(U, plan.ranges, plan.capacity)] if plan.pending else []
    return _finish(plan, gathered)


def first_pass(table: Table) -> Lazy:
    """Merged pass-1 result ``(hist, kmin, kmax)``: NumPy now, or a Delayed (one pass).

    ``kmin``/``kmax`` are the exact column extremes, ``+-inf`` included, as
    sortable keys (:func:`engine.kernels.selection.keys_to_floats`).
    """
    if not table.is_lazy:
        return sk.parallel_hist1(_keys_view(table.values))
    parts = map_blocks_delayed(table, _task_hist1, name="engine-quantile-pass1")
    return tree_merge(parts, _merge1, name="engine-quantile-merge1")


def column_quantiles(table: Table, q, *, pass1=None) -> Lazy:
    """Exact ``numpy.nanquantile(values, q, axis=0)`` of a table: NumPy now, or a Delayed.

    Cost: three passes over the data (histogram, narrower histogram, gather);
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

    Method: radix selection on the float's sortable bit pattern in three
    passes over the data (a histogram of the top key bits, a narrower
    histogram of the buckets holding the requested ranks, a gather of the few
    values left), then numpy's linear interpolation replayed operation for
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
        with no value gives NaN and a ``RuntimeWarning``.

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
