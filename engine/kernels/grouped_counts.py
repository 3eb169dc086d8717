"""Grouped counts: encode key columns to codes and count rows per key tuple.

A block's key columns (true label, predicted label, sensitive-feature groups,
...) are encoded to dense codes (sorted distinct values of the block), then
:func:`keyed_counts` counts rows -- and sums weights -- per combination of
codes. Counts of different blocks merge exactly after their key values are
aligned (integers add; weight sums add in a fixed order), so confusion
matrices and per-group confusion counts are exact on any chunking.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def encode_into(values, max_distinct, out_codes):
    """Encode ``values`` as codes into the sorted distinct values, for few distinct values.

    A linear scan over at most ``max_distinct`` distinct values (fast when a
    column holds a handful of labels or groups); NaN rows get code ``-1``.

    Parameters
    ----------
    values : int64[:] or float64[:]
        Key values of one block.
    max_distinct : int
        Give up (return ``ok=False``) when more distinct values appear.
    out_codes : int64[:]
        Output: code per row in ``[0, len(uniques))``, or ``-1`` for NaN.

    Returns
    -------
    uniques : ndarray
        Sorted distinct non-NaN values.
    n_nan : int
        Number of NaN rows.
    ok : bool
        False when there were more than ``max_distinct`` distinct values
        (``uniques`` is then empty and ``out_codes`` is undefined).

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.empty(4, np.int64)
    >>> u, n_nan, ok = encode_into(np.array([3, 1, 3, 2]), 8, codes)
    >>> u.tolist(), codes.tolist(), n_nan, ok
    ([1, 2, 3], [2, 0, 2, 1], 0, True)
    """
    n = values.shape[0]
    dense = _encode_dense(values, max_distinct, out_codes)
    if dense[2]:
        return dense
    uniq = np.empty(max_distinct, values.dtype)
    k = 0
    last = -1
    n_nan = 0
    for i in range(n):
        v = values[i]
        if v != v:
            out_codes[i] = -1
            n_nan += 1
            continue
        if last >= 0 and uniq[last] == v:
            out_codes[i] = last
            continue
        found = -1
        for j in range(k):
            if uniq[j] == v:
                found = j
                break
        if found < 0:
            if k == max_distinct:
                return uniq[:0].copy(), n_nan, False
            uniq[k] = v
            found = k
            k += 1
        out_codes[i] = found
        last = found
    order = np.argsort(uniq[:k])
    rank = np.empty(k, np.int64)
    for r in range(k):
        rank[order[r]] = r
    for i in range(n):
        c = out_codes[i]
        if c >= 0:
            out_codes[i] = rank[c]
    return uniq[:k][order].copy(), n_nan, True


@njit(cache=True, nogil=True)
def _encode_dense(values, max_distinct, out_codes):
    """Fast path of :func:`encode_into` for integer-valued keys spanning a small range.

    Two branch-light passes: the range, then a presence table and offsets.
    Returns ``ok=False`` (nothing written that matters) when a value is NaN or
    not integral, or the range exceeds ``4 * max_distinct``.
    """
    n = values.shape[0]
    empty = values[:0].copy()
    if n == 0:
        return empty, 0, True
    lo = values[0]
    hi = values[0]
    for i in range(n):
        v = values[i]
        if v != np.floor(v):  # NaN or fractional
            return empty, 0, False
        if v < lo:
            lo = v
        elif v > hi:
            hi = v
    span = hi - lo
    if span > 4 * max_distinct:
        return empty, 0, False
    width = np.int64(span) + 1
    present = np.zeros(width, np.int64)
    for i in range(n):
        j = np.int64(values[i] - lo)
        out_codes[i] = j
        present[j] = 1
    rank = np.empty(width, np.int64)
    k = 0
    for j in range(width):
        rank[j] = k
        k += present[j]
    if k > max_distinct:
        return empty, 0, False
    uniq = np.empty(k, values.dtype)
    for j in range(width):
        if present[j]:
            uniq[rank[j]] = lo + j
    for i in range(n):
        out_codes[i] = rank[out_codes[i]]
    return uniq, 0, True


@njit(cache=True, nogil=True)
def keyed_counts(codes, sizes, weights):
    """Rows (and weight sums) per combination of key codes.

    Parameters
    ----------
    codes : int64[:, :]
        ``(n_keys, n_rows)`` codes, ``codes[j, i]`` in ``[0, sizes[j])``.
    sizes : int64[:]
        Number of distinct values of each key.
    weights : float64[:] or int64[:]
        Weight per row, or an empty array for unweighted counts.

    Returns
    -------
    rows : int64[:]
        Row count per flat key ``((c0 * s1 + c1) * s2 + c2) ...`` (C order).
    wsum : float64[:] or int64[:]
        Weight sum per flat key, summed in row order, in the weights' dtype
        (integer weights add exactly, wrapping on overflow as NumPy does;
        empty when unweighted).

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.array([[0, 1, 1], [1, 1, 0]])
    >>> rows, _ = keyed_counts(codes, np.array([2, 2]), np.empty(0))
    >>> rows.reshape(2, 2).tolist()
    [[0, 1], [1, 1]]
    """
    d = codes.shape[0]
    n = codes.shape[1]
    total = 1
    for j in range(d):
        total *= sizes[j]
    weighted = weights.shape[0] > 0
    rows = np.zeros(total, np.int64)
    wsum = np.zeros(total if weighted else 0, weights.dtype)
    for i in range(n):
        flat = 0
        for j in range(d):
            flat = flat * sizes[j] + codes[j, i]
        rows[flat] += 1
        if weighted:
            wsum[flat] += weights[i]
    return rows, wsum


@njit(cache=True, nogil=True)
def partition_by_code(values, codes, n_codes):
    """Stable counting-sort of ``values`` by ``codes``: ``(grouped, offsets)``.

    ``grouped[offsets[c]:offsets[c + 1]]`` holds the values of code ``c`` in
    row order. One pass to count, one to scatter.

    Examples
    --------
    >>> import numpy as np
    >>> g, o = partition_by_code(np.array([5.0, 6.0, 7.0]), np.array([1, 0, 1]), 2)
    >>> g.tolist(), o.tolist()
    ([6.0, 5.0, 7.0], [0, 1, 3])
    """
    n = values.shape[0]
    offsets = np.zeros(n_codes + 1, np.int64)
    for i in range(n):
        offsets[codes[i] + 1] += 1
    for c in range(n_codes):
        offsets[c + 1] += offsets[c]
    pos = offsets[:-1].copy()
    grouped = np.empty(n, values.dtype)
    for i in range(n):
        c = codes[i]
        grouped[pos[c]] = values[i]
        pos[c] += 1
    return grouped, offsets


@njit(cache=True, nogil=True)
def float_label_flags(values):
    """``(n_nan, n_inf, non_integral)`` of float labels in one branch-free pass.

    ``non_integral`` is scikit-learn's test for a continuous target: a value
    that does not survive a round trip through int64 (a fraction, or a
    magnitude beyond int64's range); NaN and infinity count as non-integral
    too (scikit-learn then rejects them).

    Examples
    --------
    >>> import numpy as np
    >>> float_label_flags(np.array([0.0, 1.0, np.nan, 2.5]))
    (1, 0, True)
    """
    n_nan = 0
    n_inf = 0
    n_bad = 0
    for i in range(values.shape[0]):
        v = values[i]
        n_nan += v != v
        n_inf += np.abs(v) == np.inf
        n_bad += (
            (v != np.trunc(v)) | (v >= 9.223372036854775807e18) | (v < -9.223372036854775808e18)
        )
    return n_nan, n_inf, n_bad > 0
