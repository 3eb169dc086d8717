"""Exact order statistics by radix selection on the float's sortable bit pattern.

A float64 ``x`` maps to a *key*, an unsigned 64-bit integer that sorts like
``x``: the bits of a negative float are all flipped, a positive float gets
its sign bit set. Keys order ``-inf < ... < -0.0 < +0.0 < ... < +inf``; NaN is
skipped. The kernels take ``U = X.view(numpy.uint64)`` (any memory layout)
and scan it row by row (the C-order friendly direction), every column at once:

pass 1, :func:`block_hist1`
    a histogram of the top :data:`BITS1` = 16 key bits (sign, exponent and
    four mantissa bits: sixteen buckets per binade) of every column, plus each
    column's smallest and largest key and its counts of ``-0.0`` and
    ``+0.0``. ``n_columns x 65538`` int32 counts per block; real data touches
    a few hundred buckets per column, which stay in cache.
pass 2, :func:`block_hist2`
    for each *target* (the key range ``[lo, lo + width]`` of a column's
    pass-1 bucket holding a requested rank), a histogram of :data:`N2` = 256
    sub-buckets ``(key - lo) >> shift`` with each sub-bucket's count and
    smallest/largest key. A per-column table over the pass-1 buckets rejects
    most values with one cache-resident load. A sub-bucket whose smallest and largest
    keys are equal holds one repeated value (duplicates, integer data, a
    constant column) and is resolved without gathering.
pass 3, :func:`block_gather`
    the keys lying in a few key ranges (the sub-buckets still holding a
    requested rank), grouped by range; the caller partitions them and reads
    off the order statistics. When the pass-1 target buckets are small the
    caller gathers them directly in pass 2 with this kernel and stops there.

Every kernel is single-threaded and releases the GIL: Dask tasks run them
per block, the in-memory path runs them on row ranges from a few threads.
Every partial is integer counts, min/max keys or gathered keys, so any merge
order gives the same answer. Memory: the histograms above plus the gathered
keys: about ``n / 2**16`` of a binade's values per requested rank when
gathering pass-1 buckets (about 1.6 million keys, 13 MB, for the quartiles of
10 million x 8 normal values), ``n / 2**24`` after pass 2; in the worst case
(values packed within a few ulps) it is the whole bucket.
"""

import numpy as np
from numba import njit

BITS1 = 16
SHIFT1 = np.uint64(64 - BITS1)
N1 = 1 << BITS1
BITS2 = 8
N2 = 1 << BITS2
SIGN = np.uint64(1 << 63)
ABS_MASK = np.uint64((1 << 63) - 1)
EXP_INF = np.uint64(0x7FF0000000000000)
ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
ZERO = np.uint64(0)
ONE = np.uint64(1)
SIGN_SHIFT = np.uint64(63)
COUNT, KMIN, KMAX = 0, 1, 2
MAX_BLOCK_ROWS = 2**31 - 1


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


def _check_rows(U: np.ndarray) -> None:
    if U.shape[0] > MAX_BLOCK_ROWS:
        raise ValueError(f"a block of {U.shape[0]} rows is too large; split it below 2**31 rows")


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
                hist[j, N1 + 1 - np.int64(u >> SIGN_SHIFT)] += 1
            kmin[j] = min(kmin[j], k)
            kmax[j] = max(kmax[j], k)


@njit(cache=True, nogil=True)
def _hist1_range(U, start, stop):
    n_columns = U.shape[1]
    hist = np.zeros((n_columns, N1 + 2), dtype=np.int32)
    kmin = np.full(n_columns, ALL_ONES, dtype=np.uint64)
    kmax = np.zeros(n_columns, dtype=np.uint64)
    _hist1_rows(U, start, stop, hist, kmin, kmax)
    return hist.astype(np.int64), kmin, kmax


def block_hist1(U: np.ndarray):
    """Pass 1 on one block, single-threaded: ``(hist, kmin, kmax)``.

    ``hist[j, b]`` counts column ``j``'s non-NaN values whose key has top bits
    ``b`` (``hist[j, N1]`` and ``hist[j, N1 + 1]`` count ``-0.0`` and ``+0.0``,
    which are also in their buckets); ``kmin``/``kmax`` are each column's
    extreme keys (all-ones / zero for a column without values).

    Examples
    --------
    >>> import numpy as np
    >>> hist, kmin, kmax = block_hist1(np.array([[1.0], [np.nan], [-2.0]]).view(np.uint64))
    >>> int(hist[:, :N1].sum()), keys_to_floats(kmin)[0], keys_to_floats(kmax)[0]
    (2, np.float64(-2.0), np.float64(1.0))
    """
    _check_rows(U)
    return _hist1_range(U, 0, U.shape[0])


@njit(cache=True, nogil=True)
def merge_hist1(a, b):
    """Merge two pass-1 partials into a new one (exact: integer counts, min/max keys)."""
    return a[0] + b[0], np.minimum(a[1], b[1]), np.maximum(a[2], b[2])


# ---------------------------------------------------------------- pass 2


@njit(cache=True, nogil=True, inline="always")
def _find_range(k, j, ranges, table):
    """Index of column ``j``'s key range holding key ``k``, or -1.

    ``table[j, bucket]`` is one plus the first range (ranges sorted by ``lo``)
    meeting that pass-1 bucket, 0 for none: one load rejects most values.
    """
    r = np.int64(table[j, k >> SHIFT1]) - 1
    if r < 0:
        return -1
    n = np.int64(ranges[j, 0, 3])
    while r < n:
        lo = ranges[j, r, 0]
        if k < lo:
            return -1
        if k - lo <= ranges[j, r, 1]:
            return r
        r += 1
    return -1


@njit(cache=True, nogil=True)
def _hist2_rows(U, start, stop, ranges, table, shift, stats):
    n_columns = U.shape[1]
    for i in range(start, stop):
        for j in range(n_columns):
            u = U[i, j]
            if _is_nan(u):
                continue
            k = _key(u)
            r = _find_range(k, j, ranges, table)
            if r < 0:
                continue
            t = ranges[j, r, 2]
            s = (k - ranges[j, r, 0]) >> shift[t]
            stats[t, s, COUNT] += ONE
            stats[t, s, KMIN] = min(stats[t, s, KMIN], k)
            stats[t, s, KMAX] = max(stats[t, s, KMAX], k)


@njit(cache=True, nogil=True)
def new_stats(n_targets):
    """An empty pass-2 partial: ``stats[t, s] = (count 0, min all-ones, max 0)``."""
    stats = np.zeros((n_targets, N2, 3), dtype=np.uint64)
    stats[:, :, KMIN] = ALL_ONES
    return stats


@njit(cache=True, nogil=True)
def block_hist2(U, ranges, table, shift):
    """Pass 2 on one block: ``stats[t, s] = (count, min key, max key)`` per target sub-bucket.

    ``ranges[j, r] = (lo, width, t, n_j)``: column ``j``'s ``r``-th target ``t``
    covers keys ``lo .. lo + width`` (``n_j`` targets in column ``j``, stored in
    ``ranges[j, 0, 3]``, sorted by ``lo``); its sub-bucket is
    ``(key - lo) >> shift[t]``. ``table[j, b]`` is one plus the first range of
    column ``j`` meeting pass-1 bucket ``b`` (0: none).
    """
    stats = new_stats(shift.shape[0])
    _hist2_rows(U, 0, U.shape[0], ranges, table, shift, stats)
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


# ---------------------------------------------------------------- pass 3


@njit(cache=True, nogil=True)
def _gather_rows(U, start, stop, ranges, table, offsets, buf, fill):
    n_columns = U.shape[1]
    for i in range(start, stop):
        for j in range(n_columns):
            u = U[i, j]
            if _is_nan(u):
                continue
            k = _key(u)
            r = _find_range(k, j, ranges, table)
            if r < 0:
                continue
            g = ranges[j, r, 2]
            buf[offsets[g] + fill[g]] = k
            fill[g] += 1


@njit(cache=True, nogil=True)
def _offsets(capacity):
    offsets = np.zeros(capacity.shape[0] + 1, dtype=np.int64)
    for g in range(capacity.shape[0]):
        offsets[g + 1] = offsets[g] + capacity[g]
    return offsets


@njit(cache=True, nogil=True)
def block_gather(U, ranges, table, capacity):
    """Pass 3 on one block: the keys of every gather range, grouped by range.

    ``ranges[j, r] = (lo, width, g, n_j)`` and ``table`` as in
    :func:`block_hist2`, ``g`` a gather id; ``capacity[g]`` bounds gather ``g``'s size (its count over all
    blocks). Returns ``(keys, fill)``: gather 0's keys, then gather 1's...,
    ``fill[g]`` of them each.
    """
    offsets = _offsets(capacity)
    buf = np.empty(offsets[-1], dtype=np.uint64)
    fill = np.zeros(capacity.shape[0], dtype=np.int64)
    _gather_rows(U, 0, U.shape[0], ranges, table, offsets, buf, fill)
    out = np.empty(fill.sum(), dtype=np.uint64)
    pos = 0
    for g in range(capacity.shape[0]):
        out[pos : pos + fill[g]] = buf[offsets[g] : offsets[g] + fill[g]]
        pos += fill[g]
    return out, fill
