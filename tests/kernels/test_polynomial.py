"""The CSR polynomial expansion kernel against a direct enumeration of the terms."""

from __future__ import annotations

from itertools import chain, combinations, combinations_with_replacement
from math import comb

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels.polynomial import csr_expansion


def _offsets(n, min_degree, max_degree, interaction_only, include_bias):
    terms = combinations if interaction_only else combinations_with_replacement
    offsets, column = np.zeros(max_degree + 1, dtype=np.int64), int(include_bias)
    for degree in range(1, max_degree + 1):
        offsets[degree] = column
        if degree >= min_degree:
            column += sum(1 for _ in terms(range(n), degree))
    return offsets, column


def _expected(X, min_degree, max_degree, interaction_only, include_bias):
    """Every term's product, column by column, in scikit-learn's output order."""
    n = X.shape[1]
    terms = combinations if interaction_only else combinations_with_replacement
    degrees = range(max(1, min_degree), max_degree + 1)
    columns = chain([()] if include_bias else [], *(terms(range(n), d) for d in degrees))
    products = [np.prod(X[:, list(t)], axis=1) if t else np.ones(len(X)) for t in columns]
    return np.column_stack(products) if products else np.zeros((len(X), 0))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 5),
    rows=st.integers(1, 6),
    degrees=st.tuples(st.integers(0, 4), st.integers(0, 4)).map(sorted),
    interaction_only=st.booleans(),
    include_bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_expansion_equals_the_products_of_every_term(
    n, rows, degrees, interaction_only, include_bias, seed
):
    min_degree, max_degree = degrees
    rng = np.random.default_rng(seed)
    X = np.where(rng.random((rows, n)) < 0.5, 0.0, rng.integers(-3, 4, (rows, n)))
    csr = sp.csr_array(X)
    offsets, n_out = _offsets(n, min_degree, max_degree, interaction_only, include_bias)
    data, indices, indptr = csr_expansion(
        csr.data, csr.indices.astype(np.int64), csr.indptr.astype(np.int64), n,
        min_degree, max_degree, interaction_only, include_bias, offsets,
    )  # fmt: skip
    out = sp.csr_array((data, indices, indptr), shape=(rows, n_out)).toarray()
    expected = _expected(X, min_degree, max_degree, interaction_only, include_bias)
    np.testing.assert_array_equal(out, expected.reshape(rows, n_out))


@pytest.mark.parametrize(
    "degree, interaction_only, last, value",
    [(2, False, "n-1 n-1", 9.0), (2, True, "n-2 n-1", 6.0), (3, False, "n-1 n-1 n-1", 27.0)],
)
def test_column_of_the_last_term_is_exact_near_int64_max(degree, interaction_only, last, value):
    """Columns near 4.6e18 (degree 2) and 1.5e18 (degree 3), whose naive products overflow."""
    n = int(np.iinfo(np.int64).max ** (1 / degree)) + (0 if degree == 2 else 3)
    x = sp.csr_array(([2.0, 3.0], ([0, 0], [n - 2, n - 1])), shape=(1, n))
    offsets = np.array([0, 0, n, n + comb(n + 1, 2)][: degree + 1], dtype=np.int64)
    data, indices, _ = csr_expansion(
        x.data, x.indices.astype(np.int64), x.indptr.astype(np.int64), n, 0, degree,
        interaction_only, False, offsets,
    )  # fmt: skip
    count = comb(n, degree) if interaction_only else comb(n + degree - 1, degree)
    assert int(indices[-1]) == int(offsets[degree]) + count - 1  # the last term's column
    assert data[-1] == value, last
