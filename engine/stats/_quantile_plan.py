"""Plans between the passes of the exact quantile selection, and numpy's arithmetic.

:func:`_plan_pass2` turns the merged pass-1 histograms into target key
ranges, :func:`_plan_pass3` turns the merged pass-2 result into gather ranges
(or final keys), :func:`_finish` reads the order statistics off the gathered
keys and replays ``numpy.nanquantile``'s linear interpolation on them. See
:mod:`engine.stats._quantile` for the method.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from engine.kernels import selection as sk


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
    table: np.ndarray | None = None  # per column and pass-1 bucket: first range + 1
    shift: np.ndarray | None = None  # per pass-2 target
    capacity: np.ndarray | None = None  # per gather
    direct: bool = False  # pass 2 gathers the target buckets (they are small)


def _locate(cum: np.ndarray, rank: int) -> tuple[int, int]:
    """Bucket holding the ``rank``-th value (``cum``: cumulative counts) and the rank inside it."""
    b = int(np.searchsorted(cum, rank, side="right"))
    return b, rank - (int(cum[b - 1]) if b else 0)


def _pack_ranges(n_columns: int, items: list) -> tuple[np.ndarray, np.ndarray]:
    """Kernel layout of ``(column, lo, width)`` key ranges (disjoint within a column).

    Returns ``ranges[j, r] = (lo, width, id, n_j)`` sorted by ``lo`` in each
    column, and ``table[j, b]``: one plus the first range meeting pass-1
    bucket ``b`` (0 for none).
    """
    per_column = [[] for _ in range(n_columns)]
    for i, (j, lo, width) in enumerate(items):
        per_column[j].append((lo, width, i))
    ranges = np.zeros((n_columns, max(1, *map(len, per_column)), 4), dtype=np.uint64)
    table = np.zeros((n_columns, sk.N1), dtype=np.uint16)
    shift = int(sk.SHIFT1)
    for j, rows in enumerate(per_column):
        rows.sort()
        ranges[j, 0, 3] = len(rows)
        for r, (lo, width, i) in enumerate(rows):
            ranges[j, r, :3] = (lo, width, i)
            first, last = lo >> shift, (lo + width) >> shift
            block = table[j, first : last + 1]
            block[block == 0] = r + 1
    return ranges, table


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
    plan.ranges, plan.table = _pack_ranges(n_columns, items)
    plan.shift = np.array(shift, dtype=np.uint64)
    plan.capacity = np.array(sizes, dtype=np.int64)
    budget = max(DIRECT_GATHER_MIN, int(plan.counts.sum() * DIRECT_GATHER_SHARE))
    plan.direct = bool(plan.capacity.sum() <= budget)
    return plan


def _plan_pass3(plan2: _Plan, merged2) -> _Plan:
    """Resolve what pass 2 settled; the sub-buckets still holding a rank become gathers."""
    if plan2.direct:
        keys = _finish_keys(plan2, [merged2])
        ranges, table = _pack_ranges(len(plan2.counts), [])
        return replace(
            plan2,
            keys=keys,
            pending={},
            ranges=ranges,
            table=table,
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
    plan.ranges, plan.table = _pack_ranges(len(plan.counts), items)
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
