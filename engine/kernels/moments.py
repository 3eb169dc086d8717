"""One-pass, NaN-aware column moments and their exact fixed-order merge.

A *moments partial* is a ``(7, n_columns)`` float64 array whose rows are
:data:`COUNT`, :data:`MISSING`, :data:`MEAN`, :data:`M2` (sum of squared
deviations from the mean), :data:`MIN`, :data:`MAX` and :data:`N_INF` (number
of +/-inf values, which are excluded from every other row). Rows are scanned
in cache-sized chunks of :data:`CHUNK_ROWS` rows, each read as one flat
row-major run (C-order friendly) into fixed accumulator lanes: each chunk's
count, sum, min and max come from one branch-free, vectorized sweep (sum, min
and max only when the chunk proves all-finite; else a NaN-counting sweep, as
branch-free, is rerun from cache; a chunk after one that held a NaN starts
with the NaN-counting sweep, so 1 % NaN costs no rerun; only a chunk holding
+/-inf takes the general NaN/inf-aware sweep; all give the same bits), its M2
(about the chunk mean, with the corrected two-pass formula's correction for
the mean's rounding) from a second sweep while the chunk is still in cache,
and chunks merge by Chan et al.'s pairwise formula, so the data is read from
memory once. Every summation order is fixed by the data's shape alone, so
results are bit-identical across runs and thread counts.
"""

import numpy as np
from numba import njit, prange

COUNT, MISSING, MEAN, M2, MIN, MAX, N_INF = range(7)
N_FIELDS = 7
CHUNK_ROWS = 2048
LANE_VALUES = 256  # minimum accumulator lanes: loops long enough to vectorize


@njit(cache=True, nogil=True)
def empty_moments(n_columns):
    """A partial for zero rows: count 0, mean 0, min +inf, max -inf."""
    out = np.zeros((N_FIELDS, n_columns))
    for j in range(n_columns):
        out[MIN, j] = np.inf
        out[MAX, j] = -np.inf
    return out


@njit(cache=True, nogil=True)
def chan_update(na, mean_a, m2a, nb, mean_b, m2b):
    """Chan et al.'s merge of two ``(count, mean, M2)`` summaries: ``(mean, M2)``.

    The one place the engine writes the formula: counts (or weight sums)
    ``na + nb`` must not be 0; means and M2 may be scalars or arrays of one
    value per column (the same operations in the same order either way).

    Examples
    --------
    >>> chan_update(2.0, 1.0, 2.0, 1.0, 4.0, 0.0)
    (2.0, 8.0)
    """
    n = na + nb
    delta = mean_b - mean_a
    return mean_a + delta * (nb / n), m2a + m2b + delta * delta * (na * nb / n)


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
                acc[MEAN, j], acc[M2, j] = chan_update(
                    na, acc[MEAN, j], acc[M2, j], nb, part[MEAN, j], part[M2, j]
                )
            acc[COUNT, j] = na + nb
            if part[MIN, j] < acc[MIN, j]:
                acc[MIN, j] = part[MIN, j]
            if part[MAX, j] > acc[MAX, j]:
                acc[MAX, j] = part[MAX, j]
        acc[MISSING, j] += part[MISSING, j]
        acc[N_INF, j] += part[N_INF, j]


@njit(cache=True, nogil=True)
def _new_lanes(n_columns):
    """Scratch ``(6, L * n_columns)`` lanes, ``L`` rows wide, ``L * n_columns >= LANE_VALUES``."""
    n_rows_lane = (LANE_VALUES + n_columns - 1) // max(n_columns, 1)
    return np.empty((6, n_rows_lane * n_columns))


@njit(cache=True, nogil=True)
def _sweep_range(block, count, missing, total, low, high):
    """Lane-wise count, NaN count, sum, min and max of the finite values of ``block``.

    Indexing a fresh slice from 0 (not ``flat[base + q]``) keeps Numba from
    emitting negative-index wraparound, which would stop LLVM vectorizing.
    """
    for q in range(block.size):
        v = block[q]
        finite = (v - v) == 0.0
        count[q] += 1.0 if finite else 0.0
        missing[q] += 1.0 if v != v else 0.0
        total[q] += v if finite else 0.0
        a = v if finite else np.inf
        b = v if finite else -np.inf
        low[q] = a if a < low[q] else low[q]
        high[q] = b if b > high[q] else high[q]


@njit(cache=True, nogil=True)
def _sweep_all_finite(block, total, low, high):
    """:func:`_sweep_range` for a block assumed finite (sum, min and max only).

    Gives the same lanes as the general sweep when the assumption holds; any
    NaN or inf makes its lane's sum non-finite, which :func:`_all_finite` sees.
    """
    for q in range(block.size):
        v = block[q]
        total[q] += v
        low[q] = v if v < low[q] else low[q]
        high[q] = v if v > high[q] else high[q]


@njit(cache=True, nogil=True)
def _sweep_nan(block, missing, total, low, high):
    """:func:`_sweep_range` for a block assumed free of +/-inf: NaN count, sum, min and max.

    NaN adds 0 to the sum and never wins a comparison, so the lanes equal the
    general sweep's when the assumption holds (counts are then the lane's rows
    minus its NaN); an inf makes its lane's sum non-finite, which
    :func:`_all_finite` sees. Branch-free with one select per value: it
    vectorizes like the all-finite sweep.
    """
    for q in range(block.size):
        v = block[q]
        nan = v != v
        missing[q] += 1.0 if nan else 0.0
        total[q] += 0.0 if nan else v
        low[q] = v if v < low[q] else low[q]
        high[q] = v if v > high[q] else high[q]


@njit(cache=True, nogil=True)
def _all_finite(values):
    """Whether no value is NaN or +/-inf."""
    zero = 0.0
    for q in range(values.size):
        zero += values[q] - values[q]  # NaN as soon as one value is NaN or inf
    return zero == 0.0


@njit(cache=True, nogil=True)
def _sweep_m2(block, centre, sq, dev):
    """Lane-wise sums of the deviations, and of their squares, of the finite values from ``centre``."""
    for q in range(block.size):
        v = block[q]
        finite = (v - v) == 0.0
        d = v - centre[q] if finite else 0.0
        sq[q] += d * d
        dev[q] += d


@njit(cache=True, nogil=True)
def _chunk_moments(X, start, stop, out, lanes, nan_likely):
    """Overwrite ``out`` with the partial of rows ``start:stop``.

    The chunk is read as one flat row-major run in groups of ``L`` rows
    (``L * n_columns >= LANE_VALUES``); value ``q`` of a group goes to
    accumulator lane ``q``, so the straight-line, branch-free lane loops
    vectorize, and lanes fold per column in a fixed order (rows ``l = 0..L-1``).
    ``lanes`` is a ``(6, L * n_columns)`` scratch array from :func:`_new_lanes`.
    ``nan_likely`` starts with the NaN-counting sweep instead of the all-finite
    one (same bits). Exact up to floating-point rounding; reads the chunk twice
    (three times when an unexpected NaN makes it rerun), from cache.
    """
    n_columns = X.shape[1]
    if n_columns == 0:
        return
    width = lanes.shape[1]
    n_rows_lane = width // n_columns
    flat = X[start:stop].ravel()
    count = lanes[0]
    missing = lanes[1]
    total = lanes[2]
    low = lanes[3]
    high = lanes[4]
    centre = lanes[5]
    n = stop - start
    n_full = n - n % n_rows_lane
    total[:] = 0.0
    low[:] = np.inf
    high[:] = -np.inf
    missing[:] = 0.0
    if not nan_likely:
        for b in range(0, n_full * n_columns, width):
            _sweep_all_finite(flat[b : b + width], total, low, high)
        _sweep_all_finite(flat[n_full * n_columns :], total, low, high)
    if nan_likely or not _all_finite(total):
        # a NaN is expected, or one made its lane's sum non-finite: sweep counting NaN
        total[:] = 0.0
        low[:] = np.inf
        high[:] = -np.inf
        for b in range(0, n_full * n_columns, width):
            _sweep_nan(flat[b : b + width], missing, total, low, high)
        _sweep_nan(flat[n_full * n_columns :], missing, total, low, high)
    count[:] = n_full // n_rows_lane
    count[: (n - n_full) * n_columns] += 1.0
    count -= missing
    if not _all_finite(total):
        # an inf: the general sweep counts it apart
        count[:] = 0.0
        missing[:] = 0.0
        total[:] = 0.0
        low[:] = np.inf
        high[:] = -np.inf
        for b in range(0, n_full * n_columns, width):
            _sweep_range(flat[b : b + width], count, missing, total, low, high)
        _sweep_range(flat[n_full * n_columns :], count, missing, total, low, high)
    for j in range(n_columns):
        c = 0.0
        m = 0.0
        t = 0.0
        a = np.inf
        b = -np.inf
        for q in range(j, width, n_columns):
            c += count[q]
            m += missing[q]
            t += total[q]
            a = low[q] if low[q] < a else a
            b = high[q] if high[q] > b else b
        mean = t / c if c > 0 else 0.0
        out[COUNT, j] = c
        out[MISSING, j] = m
        out[N_INF, j] = n - c - m
        out[MEAN, j] = mean
        out[MIN, j] = a
        out[MAX, j] = b
        for q in range(j, width, n_columns):
            centre[q] = mean
    sq = count
    dev = missing
    sq[:] = 0.0
    dev[:] = 0.0
    for b in range(0, n_full * n_columns, width):
        _sweep_m2(flat[b : b + width], centre, sq, dev)
    _sweep_m2(flat[n_full * n_columns :], centre, sq, dev)
    for j in range(n_columns):
        s = 0.0
        d = 0.0
        for q in range(j, width, n_columns):
            s += sq[q]
            d += dev[q]
        # the chunk mean carries the sum's rounding error e; sum((v - mean)^2)
        # exceeds the true M2 by n e^2 = (sum of deviations)^2 / n (the corrected
        # two-pass formula, as scikit-learn's): on a near-constant column with a
        # large mean, e is comparable to the spread and the uncorrected M2 is off
        c = out[COUNT, j]
        out[M2, j] = max(s - d * d / c, 0.0) if c > 0 else 0.0


@njit(cache=True, nogil=True)
def _range_moments(X, start, stop):
    """Partial of rows ``start:stop``, merged chunk by chunk in row order.

    A chunk after one that held a NaN starts with the NaN sweep (NaN tends to
    recur: at 1 % NaN every chunk holds some), any other with the all-finite
    sweep; both give the same bits, so the guess costs time only.
    """
    n_columns = X.shape[1]
    acc = empty_moments(n_columns)
    part = empty_moments(n_columns)
    lanes = _new_lanes(n_columns)
    # np.bool_, not a bare False: a literal first value would have Numba type (and
    # compile, and cache) _chunk_moments for Literal[bool](False) too, a signature
    # no call uses, on top of the bool one the loop needs (seconds of a cold start)
    nan_likely = np.bool_(False)
    for s in range(start, stop, CHUNK_ROWS):
        _chunk_moments(X, s, min(s + CHUNK_ROWS, stop), part, lanes, nan_likely)
        merge_moments_into(acc, part)
        nan_likely = part[MISSING].sum() > 0.0
    return acc


@njit(cache=True, nogil=True)
def block_moments(X):
    """Moments partial of a 2-D float block, single-threaded (for use inside Dask tasks).

    Examples
    --------
    >>> import numpy as np
    >>> m = block_moments(np.array([[1.0], [np.nan], [3.0]]))
    >>> [float(m[k, 0]) for k in (COUNT, MISSING, MEAN, M2)]
    [2.0, 1.0, 2.0, 2.0]
    """
    return _range_moments(X, 0, X.shape[0])


@njit(cache=True, parallel=True)
def _parallel_partials(X, n_parts):
    n_rows, n_columns = X.shape
    partials = np.empty((n_parts, N_FIELDS, n_columns))
    per_part = (n_rows + n_parts - 1) // n_parts
    for p in prange(n_parts):
        start = min(p * per_part, n_rows)
        stop = min(start + per_part, n_rows)
        partials[p] = _range_moments(X, start, stop)
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


@njit(cache=True, nogil=True)
def block_weighted_moments(X, w):
    """Moments partial of ``X`` with row weights ``w`` (COUNT holds the weight sums).

    Per column: weight sum of the finite values, weighted mean, M2 =
    ``sum w (x - mean)^2`` by the corrected two-pass formula, min and max of the
    finite values; NaN and inf are counted in MISSING and N_INF (unweighted).
    Weighted partials merge with :func:`merge_moments_into` like counted ones.

    Examples
    --------
    >>> import numpy as np
    >>> m = block_weighted_moments(np.array([[1.0], [3.0]]), np.array([3.0, 1.0]))
    >>> [float(m[k, 0]) for k in (COUNT, MEAN, M2)]
    [4.0, 1.5, 3.0]
    """
    n_rows, n_columns = X.shape
    out = empty_moments(n_columns)
    for j in range(n_columns):
        total_w = 0.0
        total = 0.0
        missing = 0.0
        n_inf = 0.0
        low = np.inf
        high = -np.inf
        for i in range(n_rows):
            v = X[i, j]
            if v != v:
                missing += 1.0
            elif v - v != 0.0:
                n_inf += 1.0
            else:
                total_w += w[i]
                total += w[i] * v
                low = v if v < low else low
                high = v if v > high else high
        mean = total / total_w if total_w != 0.0 else 0.0
        sq = 0.0
        dev = 0.0
        for i in range(n_rows):
            v = X[i, j]
            if v - v == 0.0:
                d = v - mean
                sq += w[i] * d * d
                dev += w[i] * d
        out[COUNT, j] = total_w
        out[MISSING, j] = missing
        out[N_INF, j] = n_inf
        out[MEAN, j] = mean
        out[M2, j] = max(sq - dev * dev / total_w, 0.0) if total_w != 0.0 else 0.0
        out[MIN, j] = low
        out[MAX, j] = high
    return out
