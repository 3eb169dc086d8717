"""Exact order statistics by radix selection on the float's sortable bit pattern.

A float64 ``x`` maps to a *key*, an unsigned 64-bit integer that sorts like
``x``: the bits of a negative float are all flipped, a positive float gets
its sign bit set. Keys order ``-inf < ... < -0.0 < +0.0 < ... < +inf``; NaN is
skipped. The kernels here take ``U = X.view(numpy.uint64)`` (any memory
layout) and scan rows in order (the C-order friendly direction):

pass 1, :func:`block_hist1`
    a histogram of the top :data:`BITS1` key bits (sign and exponent: one
    bucket per binade) of every column, plus each column's smallest and largest
    key. ``(n_columns, 4096)`` counts: cache resident.
pass 2, :func:`block_hist2`
    for each *target* (a column's pass-1 bucket holding a requested rank), a
    histogram of the next key bits over the target's key range ``[lo, hi]``:
    ``sub = (key - lo) >> shift`` with :data:`N2` sub-buckets, each with its
    count and smallest/largest key. A sub-bucket whose smallest and largest
    keys are equal holds one repeated value and needs no gathering.
pass 3, :func:`block_gather`
    the keys of the few sub-buckets still holding a requested rank, which the
    caller sorts to read off the exact order statistics.

Every partial result is integer counts, min/max keys or gathered keys, so any
merge order gives the same answer. Memory: the histograms above plus, in
pass 3, the keys of the final sub-buckets (about ``n / 2**23`` values per
target for data spread over a binade; in the worst case, data concentrated
on a few ulps, the whole bucket).
"""

import numpy as np
from numba import get_num_threads, njit, prange

BITS1 = 12
SHIFT1 = np.uint64(64 - BITS1)
N1 = 1 << BITS1
BITS2 = 12
N2 = 1 << BITS2
SIGN = np.uint64(1 << 63)
ABS_MASK = np.uint64((1 << 63) - 1)
EXP_INF = np.uint64(0x7FF0000000000000)
ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
ZERO = np.uint64(0)
ONE = np.uint64(1)
COUNT, KMIN, KMAX = 0, 1, 2


@njit(cache=True, nogil=True, inline="always")
def _is_nan(u):
    return (u & ABS_MASK) > EXP_INF


@njit(cache=True, nogil=True, inline="always")
def _key(u):
    if u & SIGN:
        return u ^ ALL_ONES
    return u | SIGN


def keys_to_floats(keys: np.ndarray) -> np.ndarray:
    """Invert the key map: sortable uint64 keys back to float64 values."""
    keys = np.asarray(keys, dtype=np.uint64)
    bits = np.where(keys & SIGN, keys ^ SIGN, keys ^ ALL_ONES)
    return bits.view(np.float64)


def floats_to_keys(x: np.ndarray) -> np.ndarray:
    """Sortable uint64 keys of float64 values (NaN gets a key too: filter it first)."""
    u = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)
    return np.where(u & SIGN, u ^ ALL_ONES, u | SIGN)


# ---------------------------------------------------------------- pass 1


@njit(cache=True, nogil=True)
def _hist1_rows(U, start, stop, hist, kmin, kmax):
    n_columns = U.shape[1]
    for i in range(start, stop):
        for j in range(n_columns):
            u = U[i, j]
            if _is_nan(u):
                continue
            k = _key(u)
            hist[j, k >> SHIFT1] += 1
            if (u & ABS_MASK) == ZERO:
                hist[j, N1 + (u >> np.uint64(63))] += 1
            if k < kmin[j]:
                kmin[j] = k
            if k > kmax[j]:
                kmax[j] = k


@njit(cache=True, nogil=True)
def _new_hist1(n_columns):
    hist = np.zeros((n_columns, N1 + 2), dtype=np.int64)
    kmin = np.full(n_columns, ALL_ONES, dtype=np.uint64)
    kmax = np.zeros(n_columns, dtype=np.uint64)
    return hist, kmin, kmax


@njit(cache=True, nogil=True)
def block_hist1(U):
    """Pass 1 on one block, single-threaded: ``(hist, kmin, kmax)``.

    ``hist[j, b]`` counts the non-NaN values of column ``j`` whose key has top
    bits ``b`` (``hist[j, N1]`` and ``hist[j, N1 + 1]`` count ``-0.0`` and ``+0.0``); ``kmin``/``kmax`` are each column's extreme keys (all-ones /
    zero for a column with no value).

    Examples
    --------
    >>> import numpy as np
    >>> hist, kmin, kmax = block_hist1(np.array([[1.0], [np.nan], [-2.0]]).view(np.uint64))
    >>> int(hist[:, :N1].sum()), keys_to_floats(kmin)[0], keys_to_floats(kmax)[0]
    (2, np.float64(-2.0), np.float64(1.0))
    """
    hist, kmin, kmax = _new_hist1(U.shape[1])
    _hist1_rows(U, 0, U.shape[0], hist, kmin, kmax)
    return hist, kmin, kmax


@njit(cache=True, nogil=True)
def merge_hist1(a, b):
    """Merge two pass-1 partials into a new one (exact: integer counts, min/max keys)."""
    hist = a[0] + b[0]
    return hist, np.minimum(a[1], b[1]), np.maximum(a[2], b[2])


def _row_ranges(n_rows: int, n_parts: int) -> np.ndarray:
    return np.linspace(0, n_rows, n_parts + 1).astype(np.int64)


@njit(cache=True, parallel=True)
def _parallel_hist1(U, bounds):
    n_parts = bounds.shape[0] - 1
    n_columns = U.shape[1]
    hists = np.zeros((n_parts, n_columns, N1 + 2), dtype=np.int64)
    kmins = np.full((n_parts, n_columns), ALL_ONES, dtype=np.uint64)
    kmaxs = np.zeros((n_parts, n_columns), dtype=np.uint64)
    for p in prange(n_parts):
        _hist1_rows(U, bounds[p], bounds[p + 1], hists[p], kmins[p], kmaxs[p])
    hist = hists[0].copy()
    for p in range(1, n_parts):
        hist += hists[p]
    kmin = kmins[0].copy()
    kmax = kmaxs[0].copy()
    for p in range(1, n_parts):
        for j in range(n_columns):
            kmin[j] = min(kmin[j], kmins[p, j])
            kmax[j] = max(kmax[j], kmaxs[p, j])
    return hist, kmin, kmax


def parallel_hist1(U: np.ndarray):
    """Pass 1 of an in-memory array with Numba threads (same result as :func:`block_hist1`)."""
    return _parallel_hist1(U, _row_ranges(U.shape[0], get_num_threads()))


# ---------------------------------------------------------------- pass 2


@njit(cache=True, nogil=True)
def _hist2_rows(U, start, stop, tid, lo, shift, stats):
    n_columns = U.shape[1]
    for i in range(start, stop):
        for j in range(n_columns):
            u = U[i, j]
            if _is_nan(u):
                continue
            k = _key(u)
            t = tid[j, k >> SHIFT1]
            if t < 0:
                continue
            s = (k - lo[t]) >> shift[t]
            stats[t, s, COUNT] += ONE
            if k < stats[t, s, KMIN]:
                stats[t, s, KMIN] = k
            if k > stats[t, s, KMAX]:
                stats[t, s, KMAX] = k


@njit(cache=True, nogil=True)
def _new_stats(n_targets):
    stats = np.zeros((n_targets, N2, 3), dtype=np.uint64)
    stats[:, :, KMIN] = ALL_ONES
    return stats


@njit(cache=True, nogil=True)
def block_hist2(U, tid, lo, shift):
    """Pass 2 on one block: ``stats[t, s] = (count, min key, max key)`` per target sub-bucket.

    ``tid[j, b]`` is the target id of column ``j``'s pass-1 bucket ``b`` (or -1);
    target ``t`` covers keys ``lo[t] + [0, N2 << shift[t])``.
    """
    stats = _new_stats(lo.shape[0])
    _hist2_rows(U, 0, U.shape[0], tid, lo, shift, stats)
    return stats


@njit(cache=True, nogil=True)
def merge_hist2(a, b):
    """Merge two pass-2 partials into a new one (exact)."""
    out = a.copy()
    for t in range(a.shape[0]):
        for s in range(a.shape[1]):
            out[t, s, COUNT] += b[t, s, COUNT]
            out[t, s, KMIN] = min(a[t, s, KMIN], b[t, s, KMIN])
            out[t, s, KMAX] = max(a[t, s, KMAX], b[t, s, KMAX])
    return out


@njit(cache=True, parallel=True)
def _parallel_hist2(U, bounds, tid, lo, shift):
    n_parts = bounds.shape[0] - 1
    parts = np.zeros((n_parts, lo.shape[0], N2, 3), dtype=np.uint64)
    for p in prange(n_parts):
        parts[p] = _new_stats(lo.shape[0])
        _hist2_rows(U, bounds[p], bounds[p + 1], tid, lo, shift, parts[p])
    out = parts[0].copy()
    for p in range(1, n_parts):
        out = merge_hist2(out, parts[p])
    return out


def parallel_hist2(U: np.ndarray, tid: np.ndarray, lo: np.ndarray, shift: np.ndarray):
    """Pass 2 of an in-memory array with Numba threads (same result as :func:`block_hist2`)."""
    return _parallel_hist2(U, _row_ranges(U.shape[0], get_num_threads()), tid, lo, shift)


# ---------------------------------------------------------------- pass 3


@njit(cache=True, nogil=True)
def _gather_rows(U, start, stop, tid, lo, shift, gid, offsets, buf, fill):
    n_columns = U.shape[1]
    for i in range(start, stop):
        for j in range(n_columns):
            u = U[i, j]
            if _is_nan(u):
                continue
            k = _key(u)
            t = tid[j, k >> SHIFT1]
            if t < 0:
                continue
            g = gid[t, (k - lo[t]) >> shift[t]]
            if g < 0:
                continue
            buf[offsets[g] + fill[g]] = k
            fill[g] += 1


@njit(cache=True, nogil=True)
def _compact(buf, offsets, fill):
    out = np.empty(fill.sum(), dtype=np.uint64)
    pos = 0
    for g in range(fill.shape[0]):
        out[pos : pos + fill[g]] = buf[offsets[g] : offsets[g] + fill[g]]
        pos += fill[g]
    return out


@njit(cache=True, nogil=True)
def block_gather(U, tid, lo, shift, gid, capacity):
    """Pass 3 on one block: the keys of every gather target, grouped by target.

    ``gid[t, s]`` is the gather id of target ``t``'s sub-bucket ``s`` (or -1);
    ``capacity[g]`` bounds gather ``g``'s size (its count over all blocks).
    Returns ``(keys, fill)``: ``keys`` holds gather 0's keys, then gather 1's...,
    ``fill[g]`` of them each.
    """
    offsets = np.zeros(capacity.shape[0], dtype=np.int64)
    for g in range(1, capacity.shape[0]):
        offsets[g] = offsets[g - 1] + capacity[g - 1]
    buf = np.empty(capacity.sum(), dtype=np.uint64)
    fill = np.zeros(capacity.shape[0], dtype=np.int64)
    if capacity.shape[0] > 0:
        _gather_rows(U, 0, U.shape[0], tid, lo, shift, gid, offsets, buf, fill)
    return _compact(buf, offsets, fill), fill


@njit(cache=True, parallel=True)
def _parallel_gather(U, bounds, tid, lo, shift, gid, capacity):
    n_parts = bounds.shape[0] - 1
    n_gather = capacity.shape[0]
    offsets = np.zeros(n_gather, dtype=np.int64)
    for g in range(1, n_gather):
        offsets[g] = offsets[g - 1] + capacity[g - 1]
    bufs = np.empty((n_parts, capacity.sum()), dtype=np.uint64)
    fills = np.zeros((n_parts, n_gather), dtype=np.int64)
    for p in prange(n_parts):
        _gather_rows(U, bounds[p], bounds[p + 1], tid, lo, shift, gid, offsets, bufs[p], fills[p])
    out = np.empty(capacity.sum(), dtype=np.uint64)
    pos = 0
    for g in range(n_gather):
        for p in range(n_parts):
            n = fills[p, g]
            out[pos : pos + n] = bufs[p, offsets[g] : offsets[g] + n]
            pos += n
    return out[:pos], fills.sum(axis=0)


def parallel_gather(U, tid, lo, shift, gid, capacity):
    """Pass 3 of an in-memory array with Numba threads (same keys as :func:`block_gather`)."""
    if capacity.shape[0] == 0:
        return np.empty(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    bounds = _row_ranges(U.shape[0], get_num_threads())
    return _parallel_gather(U, bounds, tid, lo, shift, gid, capacity)
