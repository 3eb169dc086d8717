"""Polynomial expansion of a CSR matrix, row by row, without densifying.

For every row with stored values in columns ``c_1 < ... < c_m`` the output row
holds the bias (``1``), the row itself (degree 1) and, for every degree ``k``
from ``max(2, min_degree)`` to ``max_degree``, the product of every multiset
(``interaction_only=False``) or set (``True``) of ``k`` of its stored columns.
Output columns are in scikit-learn's order (bias, then by degree, then
lexicographic), so the column of the term ``a_1 <= ... <= a_k`` is the offset
of degree ``k`` plus the term's lexicographic rank, found in closed form
(hockey-stick sums of binomial coefficients, as in Nystrom & Hughes'
k-simplex indexing) and computed without overflow whenever the result fits
in int64 (each binomial is built factor by factor with the common divisor
cancelled first, so no intermediate exceeds the final value).

Products multiply from the first factor to the last (``(x_a1 * x_a2) * ...``),
as scikit-learn's sparse expansions do, so the stored values have their bits
(the dense expansion multiplies in another order: equal up to rounding).
Implicit zeros stay implicit (a NaN times an implicit zero is not stored, as in
scikit-learn). Cost: two passes over the stored values (count, then fill),
output-sized memory.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _binomial(m, r):
    """``C(m, r)`` exact in int64 (0 when ``m < r``); no intermediate exceeds the result."""
    if r < 0 or m < r:
        return np.int64(0)
    result = np.int64(1)
    for i in range(r):
        numerator = np.int64(m - i)
        denominator = np.int64(i + 1)
        a, b = result, denominator
        while b:
            a, b = b, a % b
        result //= a
        result *= numerator // (denominator // a)
    return result


@njit(cache=True, nogil=True)
def _rank(terms, k, n_features, interaction_only):
    """Lexicographic rank of the sorted term ``terms[:k]`` among the degree-``k`` terms."""
    rank = np.int64(0)
    previous = np.int64(-1) if interaction_only else np.int64(0)
    for t in range(k):
        r = k - t - 1
        if interaction_only:
            rank += _binomial(n_features - previous - 1, r + 1) - _binomial(
                n_features - terms[t], r + 1
            )
        else:
            rank += _binomial(n_features - previous + r, r + 1) - _binomial(
                n_features - terms[t] + r, r + 1
            )
        previous = terms[t]
    return rank


@njit(cache=True, nogil=True)
def _n_terms(m, k, interaction_only):
    """Number of degree-``k`` terms of a row with ``m`` stored values."""
    return _binomial(m, k) if interaction_only else _binomial(m + k - 1, k)


@njit(cache=True, nogil=True)
def csr_expansion(
    data, indices, indptr, n_features, min_degree, max_degree, interaction_only, include_bias,
    offsets,
):  # fmt: skip
    """The CSR arrays ``(data, indices, indptr)`` of the polynomial expansion of a CSR matrix.

    Parameters
    ----------
    data, indices, indptr : numpy.ndarray
        The input CSR matrix (indices sorted within each row, no duplicates).
    n_features : int
        Number of input columns.
    min_degree, max_degree : int
        Degrees of the terms beyond the bias (degree 1 is kept when
        ``min_degree <= 1 < max_degree + 1``).
    interaction_only, include_bias : bool
    offsets : numpy.ndarray of int64, shape (max_degree + 1,)
        First output column of every degree.

    Returns
    -------
    (out_data, out_indices, out_indptr) with int64 indices and ``data``'s dtype.
    """
    n_rows = indptr.shape[0] - 1
    first = max(2, min_degree)
    keep_linear = min_degree <= 1 and max_degree > 0
    out_indptr = np.zeros(n_rows + 1, dtype=np.int64)
    for i in range(n_rows):
        m = indptr[i + 1] - indptr[i]
        count = np.int64(1) if include_bias else np.int64(0)
        if keep_linear:
            count += m
        for k in range(first, max_degree + 1):
            count += _n_terms(m, k, interaction_only)
        out_indptr[i + 1] = out_indptr[i] + count
    nnz = out_indptr[n_rows]
    out_data = np.empty(nnz, dtype=data.dtype)
    out_indices = np.empty(nnz, dtype=np.int64)
    positions = np.empty(max(max_degree, 1), dtype=np.int64)
    terms = np.empty(max(max_degree, 1), dtype=np.int64)
    for i in range(n_rows):
        start, stop = indptr[i], indptr[i + 1]
        m = stop - start
        p = out_indptr[i]
        if include_bias:
            out_data[p] = 1
            out_indices[p] = 0
            p += 1
        if keep_linear:
            for s in range(start, stop):
                out_data[p] = data[s]
                out_indices[p] = offsets[1] + indices[s]
                p += 1
        for k in range(first, max_degree + 1):
            if _n_terms(m, k, interaction_only) == 0:
                continue
            # odometer over non-decreasing (or increasing) positions in the row
            step = 1 if interaction_only else 0
            for t in range(k):
                positions[t] = t * step
            while True:
                for t in range(k):
                    terms[t] = indices[start + positions[t]]
                value = data[start + positions[0]]
                for t in range(1, k):
                    value = value * data[start + positions[t]]
                out_data[p] = value
                out_indices[p] = offsets[k] + _rank(terms, k, n_features, interaction_only)
                p += 1
                t = k - 1
                while t >= 0 and positions[t] == m - 1 - (k - 1 - t) * step:
                    t -= 1
                if t < 0:
                    break
                positions[t] += 1
                for u in range(t + 1, k):
                    positions[u] = positions[u - 1] + step
    return out_data, out_indices, out_indptr
