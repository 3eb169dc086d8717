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
    """Merge two value-counts partials into one (exact; counts add)."""
    na = values_a.shape[0]
    nb = values_b.shape[0]
    k = counts_a.shape[1]
    out_values = np.empty(na + nb)
    out_counts = np.zeros((na + nb, k))
    i = 0
    j = 0
    m = 0
    while i < na or j < nb:
        if j >= nb or (i < na and values_a[i] < values_b[j]):
            out_values[m] = values_a[i]
            out_counts[m] = counts_a[i]
            i += 1
        elif i >= na or values_b[j] < values_a[i]:
            out_values[m] = values_b[j]
            out_counts[m] = counts_b[j]
            j += 1
        else:
            out_values[m] = values_a[i]
            out_counts[m] = counts_a[i] + counts_b[j]
            i += 1
            j += 1
        m += 1
    return out_values[:m].copy(), out_counts[:m].copy()
