"""Exact order statistics: count below window starts, gather inside narrow key windows.

A float64 ``x`` maps to a *key*, an unsigned 64-bit integer that sorts like
``x``: the bits of a negative float are all flipped, a positive float gets
its sign bit set. Keys order ``-inf < ... < -0.0 < +0.0 < ... < +inf``; NaN is
skipped. The kernel takes ``U = X.view(numpy.uint64)`` (any memory layout).

One *window pass* (:func:`window_pass`) reads a block once. Each column has a
few sorted *starts* (keys to count below) and a few disjoint *gather
windows* ``[lo, hi]``. The block is read in chunks of about
:data:`CHUNK_VALUES` values in memory order (a C-contiguous block in place,
any other layout copied chunk by chunk into row order); the starts and
windows are laid out once per call beside each chunk position's column, so
every step is a flat loop the compiler vectorizes:

keys
    every value's key (NaN: all-ones, above every start), and with
    ``stats`` its column's count of non-NaN values, smallest and largest key
    and counts of ``-0.0`` and ``+0.0``;
counts
    for every start, whether the key lies below it, summed per position;
flags
    which window (if any) holds the key; the flagged positions are listed
    without branching (they are rare and scattered), then their keys go to
    their window's buffer (or histogram), in row order.

Per column the sums give the exact count of values below every start, and
every window its exact count of values and, when they fit its buffer, its
keys. A window holding more keys than its buffer in a block keeps none (its
count stays exact), so memory is bounded by the buffers the caller sizes. A
*histogram* window keeps no keys at all: it counts them in
``2**HIST_BITS`` equal sub-ranges of its keys (32 KB whatever the data), for
a caller that would rather pay one more pass than hold the keys.
A window holding a single repeated key (a tie, a zero) is not gathered: a
start at its key and one just past it count it. Every output is integer
counts, min/max keys or gathered keys, so any merge order gives the same
answer. Cost: one read of the block and a few vector operations per value
and start or window; single-threaded, releases the GIL.
"""

import numpy as np
from numba import njit

SIGN = np.uint64(1 << 63)
ABS_MASK = np.uint64((1 << 63) - 1)
EXP_INF = np.uint64(0x7FF0000000000000)
ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)  # NaN's key in a pass: above every start
TOP = np.uint64(0xFFFFFFFFFFFFFFFE)  # above every float's key; padding windows are [TOP, TOP]
ZERO = np.uint64(0)
ONE = np.uint64(1)
SIGN_SHIFT = np.uint64(63)
CHUNK_VALUES = 512  # values per chunk: the chunk and its tiles stay in the L1 cache
N_STATS = 5
COUNT, KMIN, KMAX, NEG_ZEROS, POS_ZEROS = range(N_STATS)
NO_SLOT = -1  # a count-only window
HIST_BITS = 12  # a counted window: 4,096 sub-buckets of its key range
GATHER = np.uint64(64)  # the shift of a slot that gathers its keys (no histogram)
MAX_BLOCK_ROWS = 2**31 - 1


@njit(cache=True, nogil=True, inline="always")
def _key(u):
    """Sortable key of float bits ``u`` (branch-free: flip all bits or set the sign)."""
    return u ^ ((ZERO - (u >> SIGN_SHIFT)) | SIGN)


def keys_to_floats(keys: np.ndarray) -> np.ndarray:
    """Invert the key map: sortable uint64 keys back to float64 values."""
    keys = np.asarray(keys, dtype=np.uint64)
    bits = np.where(keys & SIGN, keys ^ SIGN, keys ^ ALL_ONES)
    return bits.view(np.float64)


def floats_to_keys(x: np.ndarray) -> np.ndarray:
    """Sortable uint64 keys of float64 values (NaN gets a key too: filter it first)."""
    u = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)
    return np.where(u & SIGN, u ^ ALL_ONES, u | SIGN)


@njit(cache=True, nogil=True)
def _tile(per_column, width):
    """``per_column[j, s]`` laid out as ``out[s, t]`` for chunk position ``t`` (column ``t % m``)."""
    m, n = per_column.shape
    out = np.empty((n, width), dtype=per_column.dtype)
    for t in range(width):
        for s in range(n):
            out[s, t] = per_column[t % m, s]
    return out


@njit(cache=True, nogil=True)
def _scan_chunk(F, n, tiles, acc, keys, flags, flagged, gather, with_stats):
    """One chunk ``F[:n]`` (positions match the tiles): keys, counts, flags, gathered keys."""
    starts, glo, gwidth, column = tiles
    below, count, kmin, kmax, neg_zeros, pos_zeros = acc
    slot, shift, row, lo_of, hist, buf, offsets, capacity, fill = gather
    for t in range(n):
        u = F[t]
        valid = (u & ABS_MASK) <= EXP_INF
        k = _key(u)
        keys[t] = k if valid else ALL_ONES
        if with_stats:
            count[t] += np.int64(valid)
            kmin[t] = min(kmin[t], k if valid else ALL_ONES)
            kmax[t] = max(kmax[t], k if valid else ZERO)
            neg_zeros[t] += np.int64(u == SIGN)
            pos_zeros[t] += np.int64(u == ZERO)
    for s in range(starts.shape[0]):
        for t in range(n):
            below[s, t] += np.int64(keys[t] < starts[s, t])
    if glo.shape[0] == 0:
        return
    for t in range(n):
        flags[t] = np.uint8((keys[t] - glo[0, t]) <= gwidth[0, t])
    for g in range(1, glo.shape[0]):
        for t in range(n):
            flags[t] += np.uint8((keys[t] - glo[g, t]) <= gwidth[g, t]) * np.uint8(g + 1)
    n_flagged = 0
    for t in range(n):  # branch-free compaction: flagged keys are rare and scattered
        flagged[n_flagged] = t
        n_flagged += np.int64(flags[t] != 0)
    for i in range(n_flagged):
        t = flagged[i]
        s = slot[column[0, t], flags[t] - 1]
        f = fill[s]
        if shift[s] != GATHER:
            hist[row[s], (keys[t] - lo_of[s]) >> shift[s]] += 1
        elif f < capacity[s]:
            buf[offsets[s] + f] = keys[t]
        fill[s] = f + 1


@njit(cache=True, nogil=True)
def _buffers(m, starts, glo, ghi, slot, shift, capacity):
    """Tiles, accumulators, scratch and gather buffers for a pass over ``m`` columns."""
    rows = max(1, CHUNK_VALUES // max(1, m))
    width = rows * m
    column = np.zeros((1, width), dtype=np.int32)
    for t in range(width):
        column[0, t] = t % m
    tiles = (_tile(starts, width), _tile(glo, width), _tile(ghi - glo, width), column)
    acc = (
        np.zeros((starts.shape[1], width), dtype=np.int64),
        np.zeros(width, dtype=np.int64),
        np.full(width, ALL_ONES, dtype=np.uint64),
        np.zeros(width, dtype=np.uint64),
        np.zeros(width, dtype=np.int64),
        np.zeros(width, dtype=np.int64),
    )
    offsets = np.zeros(capacity.shape[0] + 1, dtype=np.int64)
    for s in range(capacity.shape[0]):
        offsets[s + 1] = offsets[s] + capacity[s]
    n_slots = capacity.shape[0]
    fill = np.zeros(n_slots, dtype=np.int64)
    row = np.full(n_slots, -1, dtype=np.int64)
    lo_of = np.zeros(n_slots, dtype=np.uint64)
    n_hist = 0
    for j in range(m):
        for g in range(slot.shape[1]):
            s = slot[j, g]
            if s != NO_SLOT:
                lo_of[s] = glo[j, g]
                if shift[s] != GATHER:
                    row[s] = n_hist
                    n_hist += 1
    hist = np.zeros((n_hist, 1 << HIST_BITS), dtype=np.int64)
    buf = np.empty(offsets[-1], dtype=np.uint64)
    gather = (slot, shift, row, lo_of, hist, buf, offsets, capacity, fill)
    flags = np.zeros(width, dtype=np.uint8)
    return rows, tiles, acc, np.zeros(width, dtype=np.uint64), flags, gather


@njit(cache=True, nogil=True)
def _per_column(acc, m, with_stats):
    """Sum the per-position accumulators into per-column counts and stats."""
    below, count, kmin, kmax, neg_zeros, pos_zeros = acc
    per_column = np.zeros((m, below.shape[0]), dtype=np.int64)
    stats = np.zeros((m, N_STATS), dtype=np.uint64)
    stats[:, KMIN] = ALL_ONES
    for t in range(count.shape[0]):
        j = t % m
        for s in range(below.shape[0]):
            per_column[j, s] += below[s, t]
        stats[j, COUNT] += np.uint64(count[t])
        stats[j, KMIN] = min(stats[j, KMIN], kmin[t])
        stats[j, KMAX] = max(stats[j, KMAX], kmax[t])
        stats[j, NEG_ZEROS] += np.uint64(neg_zeros[t])
        stats[j, POS_ZEROS] += np.uint64(pos_zeros[t])
    if not with_stats:
        stats[:] = 0
    return per_column, stats


@njit(cache=True, nogil=True)
def _gathered(gather):
    """Each slot's kept keys back to back (a slot that overflowed keeps none), counts, histograms."""
    slot, shift, row, lo_of, hist, buf, offsets, capacity, fill = gather
    kept = np.minimum(fill, capacity)
    kept[fill > capacity] = 0
    out = np.empty(kept.sum(), dtype=np.uint64)
    pos = 0
    for s in range(fill.shape[0]):
        out[pos : pos + kept[s]] = buf[offsets[s] : offsets[s] + kept[s]]
        pos += kept[s]
    return out, kept, fill, hist


@njit(cache=True, nogil=True)
def _scan_flat(flat, m, starts, glo, ghi, slot, shift, with_stats, capacity):
    """The pass over a C-contiguous block given as ``flat`` (rows of ``m`` values), in place."""
    rows, tiles, acc, keys, flags, gather = _buffers(m, starts, glo, ghi, slot, shift, capacity)
    flagged = np.empty(flags.shape[0], dtype=np.int64)
    for c0 in range(0, flat.shape[0], rows * m):
        n = min(rows * m, flat.shape[0] - c0)
        _scan_chunk(flat[c0 : c0 + n], n, tiles, acc, keys, flags, flagged, gather, with_stats)
    below, stats = _per_column(acc, m, with_stats)
    return below, stats, _gathered(gather)


@njit(cache=True, nogil=True)
def _scan_strided(U, starts, glo, ghi, slot, shift, with_stats, capacity):
    """The pass over a block of any layout, copied chunk by chunk into row order."""
    n_rows, m = U.shape
    rows, tiles, acc, keys, flags, gather = _buffers(m, starts, glo, ghi, slot, shift, capacity)
    flagged = np.empty(flags.shape[0], dtype=np.int64)
    chunk = np.empty(rows * m, dtype=np.uint64)
    for c0 in range(0, n_rows, rows):
        c1 = min(n_rows, c0 + rows)
        for i in range(c1 - c0):
            for j in range(m):
                chunk[i * m + j] = U[c0 + i, j]
        n = (c1 - c0) * m
        _scan_chunk(chunk, n, tiles, acc, keys, flags, flagged, gather, with_stats)
    below, stats = _per_column(acc, m, with_stats)
    return below, stats, _gathered(gather)


def window_pass(U: np.ndarray, windows: tuple, capacity: np.ndarray, *, stats: bool):
    """One pass over a block: counts below every start, keys inside every gather window.

    Parameters
    ----------
    U : numpy.ndarray of uint64, shape (n_rows, n_columns)
        The block's float64 bits (``X.view(numpy.uint64)``), any layout.
    windows : tuple
        ``(starts, lo, hi, slot, shift)``: ``starts`` of shape ``(n_columns,
        n_starts)``, each column's keys to count below (padding
        ``ALL_ONES``); ``lo``/``hi``/``slot`` of shape ``(n_columns,
        n_windows)``, each column's disjoint windows ``[lo, hi]`` and their
        slots (padding: ``lo = hi = TOP``, which holds nothing); ``shift[s]``
        is :data:`GATHER` for a slot that keeps its keys, else the slot
        counts its keys in ``2**HIST_BITS`` sub-buckets ``(key - lo) >> shift``
        (``(hi - lo) >> shift`` must stay below ``2**HIST_BITS``).
    capacity : numpy.ndarray of int64
        Keys each gathering slot may keep in this block: a slot holding more
        keeps none (its count stays exact).
    stats : bool
        Also count each column's non-NaN values, extreme keys and zeros.

    Returns
    -------
    tuple
        ``(below, stats, keys, kept, inside, hist)``: per column and start,
        the count of non-NaN values below it; ``stats[j] = (count, kmin,
        kmax, n(-0.0), n(+0.0))`` (uint64; zeros without ``stats``, kmin
        all-ones for a column without values); the kept keys, slot 0's first
        (each slot's in row order), ``kept[s]`` of them each; ``inside[s]``,
        the count of values in each slot's window (more than ``kept[s]`` when
        the slot overflowed or counts a histogram); the histograms of the
        counting slots, in slot order.

    Examples
    --------
    Starts at 1.0 and 3.0, one gather window ``[1.0, 2.0]`` (slot 0):

    >>> import numpy as np
    >>> starts = floats_to_keys(np.array([[1.0, 3.0]]))
    >>> lo, hi = floats_to_keys(np.array([[1.0]])), floats_to_keys(np.array([[2.0]]))
    >>> X = np.array([[0.5], [2.0], [np.nan], [1.0], [5.0]])
    >>> layout = (starts, lo, hi, np.zeros((1, 1), dtype=np.int64), np.array([GATHER]))
    >>> below, st, keys, kept, inside, hist = window_pass(
    ...     X.view(np.uint64), layout, np.array([4]), stats=True)
    >>> below.tolist(), keys_to_floats(keys).tolist(), kept.tolist(), inside.tolist()
    ([[1, 3]], [2.0, 1.0], [2], [2])
    >>> int(st[0, COUNT]), float(keys_to_floats(st[0, KMAX]))
    (4, 5.0)

    Room for one key only: the slot keeps none, and still counts two.

    >>> window_pass(X.view(np.uint64), layout, np.array([1]), stats=False)[3:5]
    (array([0]), array([2]))
    """
    if U.shape[0] > MAX_BLOCK_ROWS:
        raise ValueError(f"a block of {U.shape[0]} rows is too large; split it below 2**31 rows")
    starts, lo, hi, slot, shift = windows
    if lo.shape[1] > 254:
        raise ValueError(f"{lo.shape[1]} windows in a column: at most 254")
    capacity = np.minimum(np.asarray(capacity, dtype=np.int64), U.shape[0])
    layout = (starts, lo, hi, slot, np.asarray(shift, dtype=np.uint64))
    if U.flags.c_contiguous:
        below, st, gathered = _scan_flat(U.reshape(-1), U.shape[1], *layout, stats, capacity)
    else:
        below, st, gathered = _scan_strided(U, *layout, stats, capacity)
    return (below, st, *gathered)
