"""Exact distributions: sorted distinct values with per-label counts, and their merge.

A *value-counts partial* is ``(values, counts)``: ``values`` the sorted distinct
non-NaN values of a block (float64, ascending, ``-0.0`` and ``0.0`` counted as
one value), ``counts`` a ``(len(values), n_labels)`` float64 matrix of the
(weighted) number of rows per value and label. Partials merge exactly (counts
add), so any chunking gives the same distribution. Used for exact ROC AUC,
Kolmogorov-Smirnov and Wasserstein statistics on Dask input.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def block_value_counts(values, labels, weights, n_labels):
    """Sorted distinct values of ``values`` with per-label weighted counts.

    Parameters
    ----------
    values : float64[:]
        Values; NaN is skipped.
    labels : int64[:]
        Label code per row in ``[0, n_labels)`` (all zeros for one sample).
    weights : float64[:]
        Weight per row (ones for plain counts).
    n_labels : int
        Number of label columns in the counts matrix.

    Examples
    --------
    >>> import numpy as np
    >>> v, c = block_value_counts(np.array([2.0, 1.0, 2.0, np.nan]),
    ...                           np.zeros(4, np.int64), np.ones(4), 1)
    >>> v.tolist(), c[:, 0].tolist()
    ([1.0, 2.0], [1.0, 2.0])
    """
    order = np.argsort(values, kind="mergesort")
    n = 0
    for i in range(values.shape[0]):
        if not np.isnan(values[i]):
            n += 1
    out_values = np.empty(n)
    out_counts = np.zeros((n, n_labels))
    m = -1
    for r in range(n):  # NaN sorts last, so the first n positions are the non-NaN rows
        i = order[r]
        v = values[i]
        if m < 0 or v != out_values[m]:
            m += 1
            out_values[m] = v
        out_counts[m, labels[i]] += weights[i]
    return out_values[: m + 1].copy(), out_counts[: m + 1].copy()


@njit(cache=True, nogil=True)
def merge_value_counts(values_a, counts_a, values_b, counts_b):
    """Merge two value-counts partials into one (exact; counts add).

    Examples
    --------
    >>> import numpy as np
    >>> v, c = merge_value_counts(np.array([1.0, 3.0]), np.ones((2, 1)),
    ...                           np.array([3.0]), np.ones((1, 1)))
    >>> v.tolist(), c[:, 0].tolist()
    ([1.0, 3.0], [1.0, 2.0])
    """
    na = values_a.shape[0]
    nb = values_b.shape[0]
    k = counts_a.shape[1]
    out_values = np.empty(na + nb)
    out_counts = np.empty((na + nb, k))  # every kept row is written in full below
    i = 0
    j = 0
    m = 0
    while i < na or j < nb:
        if j >= nb or (i < na and values_a[i] < values_b[j]):
            out_values[m] = values_a[i]
            for c in range(k):
                out_counts[m, c] = counts_a[i, c]
            i += 1
        elif i >= na or values_b[j] < values_a[i]:
            out_values[m] = values_b[j]
            for c in range(k):
                out_counts[m, c] = counts_b[j, c]
            j += 1
        else:
            out_values[m] = values_a[i]
            for c in range(k):
                out_counts[m, c] = counts_a[i, c] + counts_b[j, c]
            i += 1
            j += 1
        m += 1
    if m == na + nb:
        return out_values, out_counts
    return out_values[:m].copy(), out_counts[:m].copy()


@njit(cache=True, nogil=True)
def sorted_segments_value_counts(sorted_values, offsets):
    """Value-counts partial from per-label sorted segments (unweighted).

    ``sorted_values[offsets[l]:offsets[l + 1]]`` holds the values of the rows
    of label ``l``, sorted ascending with NaN last (as ``numpy.sort`` leaves
    them). A k-way merge produces the sorted distinct non-NaN values and the
    number of rows per value and label. Exact; one pass over the segments.

    Examples
    --------
    >>> import numpy as np
    >>> v, c = sorted_segments_value_counts(np.array([1.0, 2.0, 2.0, 5.0, np.nan]),
    ...                                     np.array([0, 2, 5]))
    >>> v.tolist(), c.tolist()
    ([1.0, 2.0, 5.0], [[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    """
    k = offsets.shape[0] - 1
    pos = offsets[:-1].copy()
    end = offsets[1:].copy()
    total = 0
    for lab in range(k):
        while end[lab] > pos[lab] and np.isnan(sorted_values[end[lab] - 1]):
            end[lab] -= 1
        total += end[lab] - pos[lab]
    out_values = np.empty(total)
    out_counts = np.empty((total, k))  # every kept row is written in full below
    m = 0
    while True:
        best = np.inf
        alive = False
        for lab in range(k):
            if pos[lab] < end[lab]:
                v = sorted_values[pos[lab]]
                if not alive or v < best:
                    best = v
                alive = True
        if not alive:
            break
        out_values[m] = best
        for lab in range(k):
            p = pos[lab]
            e = end[lab]
            while p < e and sorted_values[p] == best:
                p += 1
            out_counts[m, lab] = p - pos[lab]
            pos[lab] = p
        m += 1
    return out_values[:m].copy(), out_counts[:m].copy()


@njit(cache=True, nogil=True)
def roc_area(pos, neg):
    """Area under the ROC curve from per-score positive/negative counts (ascending scores).

    Walks the distinct scores from the highest down, accumulating true and
    false positives, and sums the trapezoids in count units; the area is then
    divided by ``total_pos * total_neg``. Ties at one score form one
    trapezoid (the half-credit convention). Equals the trapezoid rule on the
    normalized ROC curve up to rounding (~1e-15 relative); NaN when either
    class is absent. One pass over the distinct scores.

    Examples
    --------
    >>> import numpy as np
    >>> float(roc_area(np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 1.0, 0.0])))
    0.75
    """
    n = pos.shape[0]
    tp = 0.0
    fp = 0.0
    area = 0.0
    for r in range(n - 1, -1, -1):
        p = pos[r]
        q = neg[r]
        area += q * (tp + 0.5 * p)
        tp += p
        fp += q
    if tp <= 0.0 or fp <= 0.0:
        return np.nan
    return area / (tp * fp)
