"""Two-sample empirical-CDF statistics from exact value counts.

Both samples arrive as value-counts partials (sorted distinct values with the
number of rows per value, see :mod:`engine.kernels.distinct`). One merge walk
over the union of distinct values evaluates both empirical CDFs at every
union value, which gives the two-sample Kolmogorov-Smirnov extremes and the
first Wasserstein distance exactly as ``scipy.stats.ks_2samp`` and
``scipy.stats.wasserstein_distance`` define them (CDF values are
``cumulative count / n`` with integer counts, so they are the same floats).
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def ecdf_two_sample(values_a, counts_a, values_b, counts_b):
    """KS extremes and Wasserstein-1 distance of two exact distributions.

    Parameters
    ----------
    values_a, values_b : float64[:]
        Sorted distinct values of each sample (no NaN).
    counts_a, counts_b : float64[:]
        Number of rows per value (integers stored as float64); an empty
        array means one row per value.

    Returns
    -------
    (max_diff, min_diff, wasserstein) : tuple of float
        ``max_diff`` / ``min_diff`` are the largest and smallest
        ``F_a(x) - F_b(x)`` over the union values ``x``; ``wasserstein`` is
        ``sum |F_a(x_k) - F_b(x_k)| * (x_{k+1} - x_k)`` (Neumaier-compensated).
        One pass over both inputs.

    Examples
    --------
    >>> import numpy as np
    >>> hi, lo, w = ecdf_two_sample(np.array([0.0, 1.0]), np.array([1.0, 1.0]),
    ...                             np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    >>> float(hi), float(lo), float(w)
    (0.5, 0.0, 1.0)
    """
    na = values_a.shape[0]
    nb = values_b.shape[0]
    unit_a = counts_a.shape[0] == 0
    unit_b = counts_b.shape[0] == 0
    n_a = float(na) if unit_a else counts_a.sum()
    n_b = float(nb) if unit_b else counts_b.sum()
    cum_a = 0.0
    cum_b = 0.0
    max_diff = -np.inf
    min_diff = np.inf
    total = 0.0
    comp = 0.0
    i = 0
    j = 0
    first = True
    prev_x = 0.0
    prev_gap = 0.0
    # Written with selects instead of branches: the two streams interleave
    # unpredictably, and mispredicted branches dominated the walk.
    while i < na or j < nb:
        va = values_a[i] if i < na else np.inf
        vb = values_b[j] if j < nb else np.inf
        x = min(va, vb)
        take_a = va == x
        take_b = vb == x
        term = 0.0 if first else prev_gap * (x - prev_x)
        first = False
        t = total + term
        comp += ((total - t) + term) if abs(total) >= abs(term) else ((term - t) + total)
        total = t
        if unit_a:
            cum_a += 1.0 if take_a else 0.0
        else:
            cum_a += counts_a[i] if take_a else 0.0
        if unit_b:
            cum_b += 1.0 if take_b else 0.0
        else:
            cum_b += counts_b[j] if take_b else 0.0
        i += 1 if take_a else 0
        j += 1 if take_b else 0
        diff = cum_a / n_a - cum_b / n_b
        max_diff = max(max_diff, diff)
        min_diff = min(min_diff, diff)
        prev_gap = abs(diff)
        prev_x = x
    return max_diff, min_diff, total + comp


@njit(cache=True, nogil=True)
def count_runs(sorted_values):
    """``(n, runs)``: non-NaN length and number of distinct values of an ascending array.

    When ``runs == n`` every value is distinct and the array (cut to ``n``)
    is already its own value-counts partial with unit counts, so callers can
    skip allocating one.

    Examples
    --------
    >>> import numpy as np
    >>> count_runs(np.array([1.0, 1.0, 2.0, np.nan]))
    (3, 2)
    """
    n = sorted_values.shape[0]
    while n > 0 and np.isnan(sorted_values[n - 1]):
        n -= 1
    runs = 0
    for i in range(n):
        if i == 0 or sorted_values[i] != sorted_values[i - 1]:
            runs += 1
    return n, runs


@njit(cache=True, nogil=True)
def run_length_counts(sorted_values):
    """Distinct values and their counts of an ascending array (NaN last, skipped).

    Two sequential passes (count the runs, then fill exact-size outputs), so
    no oversized buffer is allocated. ``-0.0`` and ``0.0`` form one run.

    Returns
    -------
    (values, counts) : float64[:], float64[:, 1]
        The value-counts partial of :mod:`engine.kernels.distinct`.

    Examples
    --------
    >>> import numpy as np
    >>> v, c = run_length_counts(np.array([1.0, 1.0, 2.5, np.nan]))
    >>> v.tolist(), c[:, 0].tolist()
    ([1.0, 2.5], [2.0, 1.0])
    """
    n, runs = count_runs(sorted_values)
    values = np.empty(runs)
    counts = np.zeros((runs, 1))
    m = -1
    for i in range(n):
        if i == 0 or sorted_values[i] != sorted_values[i - 1]:
            m += 1
            values[m] = sorted_values[i]
        counts[m, 0] += 1.0
    return values, counts
