"""One-pass, NaN-aware column moments and their exact fixed-order merge.

A *moments partial* is a ``(7, n_columns)`` float64 array whose rows are
:data:`COUNT`, :data:`MISSING`, :data:`MEAN`, :data:`M2` (sum of squared
deviations from the mean), :data:`MIN`, :data:`MAX` and :data:`N_INF` (number
of +/-inf values, which are excluded from every other row). Rows are scanned
in cache-sized chunks, row-major (C-order friendly): each chunk's count, sum,
min and max come from one branch-free sweep, its M2 from a second sweep while
the chunk is still in cache, and chunks merge by Chan et al.'s pairwise
formula, so the data is read from memory once.
"""

import numpy as np
from numba import njit, prange

COUNT, MISSING, MEAN, M2, MIN, MAX, N_INF = range(7)
N_FIELDS = 7
CHUNK_ROWS = 2048


@njit(cache=True, nogil=True)
def empty_moments(n_columns):
    """A partial for zero rows: count 0, mean 0, min +inf, max -inf."""
    out = np.zeros((N_FIELDS, n_columns))
    for j in range(n_columns):
        out[MIN, j] = np.inf
        out[MAX, j] = -np.inf
    return out


@njit(cache=True, nogil=True)
def merge_moments_into(acc, part):
    """Merge partial ``part`` into ``acc`` in place (Chan et al.), column by column."""
    for j in range(acc.shape[1]):
        nb = part[COUNT, j]
        na = acc[COUNT, j]
        if nb > 0:
            if na == 0:
                acc[MEAN, j] = part[MEAN, j]
                acc[M2, j] = part[M2, j]
            else:
                n = na + nb
                delta = part[MEAN, j] - acc[MEAN, j]
                acc[MEAN, j] = acc[MEAN, j] + delta * (nb / n)
                acc[M2, j] = acc[M2, j] + part[M2, j] + delta * delta * (na * nb / n)
            acc[COUNT, j] = na + nb
            if part[MIN, j] < acc[MIN, j]:
                acc[MIN, j] = part[MIN, j]
            if part[MAX, j] > acc[MAX, j]:
                acc[MAX, j] = part[MAX, j]
        acc[MISSING, j] += part[MISSING, j]
        acc[N_INF, j] += part[N_INF, j]


@njit(cache=True, nogil=True)
def _chunk_moments(X, start, stop, out):
    """Overwrite ``out`` with the partial of rows ``start:stop`` (branch-free inner loops)."""
    n_columns = X.shape[1]
    count = np.zeros(n_columns)
    missing = np.zeros(n_columns)
    total = np.zeros(n_columns)
    low = np.full(n_columns, np.inf)
    high = np.full(n_columns, -np.inf)
    for i in range(start, stop):
        for j in range(n_columns):
            v = X[i, j]
            finite = (v - v) == 0.0
            count[j] += 1.0 if finite else 0.0
            missing[j] += 1.0 if v != v else 0.0
            total[j] += v if finite else 0.0
            a = v if finite else np.inf
            b = v if finite else -np.inf
            low[j] = a if a < low[j] else low[j]
            high[j] = b if b > high[j] else high[j]
    mean = np.zeros(n_columns)
    for j in range(n_columns):
        if count[j] > 0:
            mean[j] = total[j] / count[j]
    m2 = np.zeros(n_columns)
    for i in range(start, stop):
        for j in range(n_columns):
            v = X[i, j]
            d = v - mean[j]
            m2[j] += d * d if (v - v) == 0.0 else 0.0
    for j in range(n_columns):
        out[COUNT, j] = count[j]
        out[MISSING, j] = missing[j]
        out[N_INF, j] = (stop - start) - count[j] - missing[j]
        out[MEAN, j] = mean[j]
        out[M2, j] = m2[j]
        out[MIN, j] = low[j]
        out[MAX, j] = high[j]


@njit(cache=True, nogil=True)
def block_moments(X):
    """Moments partial of a 2-D float block, single-threaded (for use inside Dask tasks).

    Examples
    --------
    >>> import numpy as np
    >>> m = block_moments(np.array([[1.0], [np.nan], [3.0]]))
    >>> m[COUNT, 0], m[MISSING, 0], m[MEAN, 0], m[M2, 0]
    (2.0, 1.0, 2.0, 2.0)
    """
    n_rows, n_columns = X.shape
    acc = empty_moments(n_columns)
    part = empty_moments(n_columns)
    for start in range(0, n_rows, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n_rows)
        _chunk_moments(X, start, stop, part)
        merge_moments_into(acc, part)
    return acc


@njit(cache=True, parallel=True)
def _parallel_partials(X, n_parts):
    n_rows, n_columns = X.shape
    partials = np.empty((n_parts, N_FIELDS, n_columns))
    per_part = (n_rows + n_parts - 1) // n_parts
    for p in prange(n_parts):
        start = min(p * per_part, n_rows)
        stop = min(start + per_part, n_rows)
        acc = empty_moments(n_columns)
        part = empty_moments(n_columns)
        for s in range(start, stop, CHUNK_ROWS):
            e = min(s + CHUNK_ROWS, stop)
            _chunk_moments(X, s, e, part)
            merge_moments_into(acc, part)
        partials[p] = acc
    return partials


def parallel_block_moments(X: np.ndarray, n_parts: int = 8) -> np.ndarray:
    """Moments partial of an in-memory array, using Numba threads over row ranges.

    The row ranges and their merge order are fixed by ``n_parts`` alone, so
    the result does not depend on the number of threads.
    """
    partials = _parallel_partials(X, n_parts)
    acc = empty_moments(X.shape[1])
    for p in range(n_parts):
        merge_moments_into(acc, partials[p])
    return acc
