"""PolynomialFeatures against scikit-learn: sparse formats, float32, order, degree checks, Dask."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn.preprocessing as skp

import engine.preprocessing as ep
from tests._passes import CountComputes

PARAMS = [
    {"degree": 2},
    {"degree": 3, "interaction_only": True, "include_bias": False},
    {"degree": (2, 3)},
    {"degree": 4, "include_bias": False},  # scikit-learn's CSC path
    {"degree": 0},
]


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 4))
    X[rng.random(X.shape) < 0.6] = 0.0
    return X


@pytest.mark.parametrize("params", PARAMS, ids=str)
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_array, sp.coo_matrix])
def test_sparse_input_keeps_its_format_and_scikit_learns_bits(params, container, X):
    ours = ep.PolynomialFeatures(**params).fit(container(X))
    reference = skp.PolynomialFeatures(**params).fit(container(X))
    out, expected = ours.transform(container(X)), reference.transform(container(X))
    assert type(out) is type(expected) and out.format == expected.format
    np.testing.assert_array_equal(out.toarray(), expected.toarray())
    np.testing.assert_array_equal(ours.powers_, reference.powers_)
    assert list(ours.get_feature_names_out()) == list(reference.get_feature_names_out())


def test_float32_is_kept_on_every_kind(X):
    data = X.astype(np.float32)
    expected = skp.PolynomialFeatures(3).fit_transform(data)
    assert expected.dtype == np.float32
    frame = pd.DataFrame(data, columns=list("abcd"))
    for source in [data, frame, sp.csr_matrix(data), *(da.from_array(data, chunks=(c, -1)) for c in (40, 7, 1))]:  # fmt: skip
        out = ep.PolynomialFeatures(3).fit_transform(source)
        dtypes = set(out.dtypes) if isinstance(out, pd.DataFrame) else {out.dtype}
        assert dtypes == {np.dtype(np.float32)}, type(source)
        dense = out.toarray() if sp.issparse(out) else np.asarray(out)
        np.testing.assert_allclose(dense, expected, rtol=1e-6)
    assert ep.PolynomialFeatures().fit_transform(X.astype(int)).dtype == np.float64


@pytest.mark.parametrize("order", ["C", "F"])
def test_order_sets_the_layout_of_numpy_output(order, X):
    out = ep.PolynomialFeatures(order=order).fit_transform(X)
    assert out.flags[f"{order}_CONTIGUOUS"]


@pytest.mark.parametrize(
    "degree, message",
    [
        ((-1, 2), r"degree=\(min_degree, max_degree\) must"),
        ((3, 2), r"degree=\(min_degree, max_degree\) must"),
        ((1, 2, 3), r"int or tuple \(min_degree, max_degree\)"),
        ((0, 0), "Setting both min_degree and max_degree to zero"),
    ],
)
def test_bad_degrees_raise_scikit_learns_errors(degree, message):
    params = {"degree": degree, "include_bias": degree != (0, 0)}
    with pytest.raises(ValueError, match=message):
        skp.PolynomialFeatures(**params).fit([[1.0], [2.0]])
    with pytest.raises(ValueError, match=message):
        ep.PolynomialFeatures(**params).fit([[1.0], [2.0]])


def test_an_output_too_wide_to_index_raises_before_any_work():
    n = np.iinfo(np.int64).max // 2
    X = sp.csr_array(([1.0], ([0], [n - 1])), shape=(1, n))
    with pytest.raises(ValueError, match="too large to be indexed"):
        ep.PolynomialFeatures(degree=(2, 2)).fit(X)


def test_wide_sparse_output_gets_int64_indices():
    n = 70_000  # about 2.45e9 degree-2 columns: past int32
    X = sp.csr_array(([2.0, 3.0], ([0, 0], [n - 2, n - 1])), shape=(2, n))
    ours = ep.PolynomialFeatures(include_bias=False).fit_transform(X)
    expected = skp.PolynomialFeatures(include_bias=False).fit_transform(X)
    assert ours.indices.dtype == expected.indices.dtype == np.int64
    np.testing.assert_array_equal(ours.indices, expected.indices)
    np.testing.assert_array_equal(ours.data, expected.data)


@pytest.mark.parametrize("rows", [40, 9, 1])
def test_dask_chunkings_equal_scikit_learn(rows, X):
    expected = skp.PolynomialFeatures((1, 3), interaction_only=True).fit_transform(X)
    source = da.from_array(X, chunks=(rows, -1))
    out = ep.PolynomialFeatures((1, 3), interaction_only=True).fit_transform(source)
    assert out.chunks[0] == source.chunks[0]
    np.testing.assert_allclose(out.compute(), expected, rtol=1e-12)


@pytest.mark.parametrize("params", PARAMS, ids=str)
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_dask_array_of_sparse_blocks_gives_scikit_learns_bits_block_by_block(params, fmt, X):
    matrix = sp.csr_matrix(X).asformat(fmt)
    reference = skp.PolynomialFeatures(**params).fit(matrix)
    expected = reference.transform(matrix)
    for chunks in [(40, 4), (9, 4), (7, 2), (1, 4)]:
        lazy = da.from_array(matrix, chunks=chunks, asarray=False)
        with CountComputes() as computes:
            out = ep.PolynomialFeatures(**params).fit(lazy).transform(lazy)
        assert computes.n == 0 and out.chunks[0] == lazy.chunks[0]
        assert out.shape == expected.shape and out.dtype == expected.dtype
        blocks = dask.compute(*out.to_delayed().ravel())
        assert all(type(b) is type(expected) and b.format == fmt for b in blocks)
        np.testing.assert_array_equal(sp.vstack(blocks).toarray(), expected.toarray())


def test_dask_array_of_sparse_blocks_is_checked_as_scikit_learn_checks_it(X):
    lazy = da.from_array(sp.csr_matrix(X), chunks=(10, 4), asarray=False)
    fitted = ep.PolynomialFeatures().fit(lazy)
    with pytest.raises(ValueError, match="X has 3 features, but PolynomialFeatures is expecting 4"):
        fitted.transform(lazy[:, :3])
    integers = sp.csr_matrix((X * 10).astype(np.int64))
    expected = skp.PolynomialFeatures().fit_transform(integers)
    out = fitted.transform(da.from_array(integers, chunks=(10, 4), asarray=False))
    assert out.dtype == expected.dtype == np.float64
    got = sp.vstack(dask.compute(*out.to_delayed().ravel()))
    np.testing.assert_array_equal(got.toarray(), expected.toarray())
