"""Property tests: edge-case data (NaN, one row, constant or all-NaN columns, tiny blocks)."""

import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
import sklearn.impute as ski
import sklearn.preprocessing as skp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import engine.preprocessing as ep
from engine.kernels.elementwise import ROW_CHUNK

PAIRS = [
    (ep.StandardScaler, skp.StandardScaler),
    (ep.MinMaxScaler, skp.MinMaxScaler),
    (ep.MaxAbsScaler, skp.MaxAbsScaler),
    (ep.RobustScaler, skp.RobustScaler),
]

cells = st.one_of(st.integers(-1000, 1000).map(float), st.just(np.nan))
tables = st.integers(1, 25).flatmap(
    lambda n: st.integers(1, 3).flatmap(lambda p: arrays(np.float64, (n, p), elements=cells))
)


@settings(max_examples=15)
@given(X=tables, block=st.integers(1, 10))
def test_scalers_equal_sklearn_on_edge_cases(X, block):
    Xd = da.from_array(X, chunks=(block, -1))
    for ours, theirs in PAIRS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns, as numpy warns
            expected = theirs().fit_transform(X)
            for data in (X, Xd):
                out = np.asarray(ours().fit_transform(data))
                np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=15)
@given(
    X=tables,
    block=st.integers(1, 10),
    strategy=st.sampled_from(["mean", "median", "most_frequent", "constant"]),
    keep=st.booleans(),
)
def test_imputer_equals_sklearn_with_or_without_empty_columns(X, block, strategy, keep):
    reference = ski.SimpleImputer(strategy=strategy, keep_empty_features=keep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the empty columns' warning
        expected = reference.fit_transform(X)
        for data in (X, da.from_array(X, chunks=(block, -1))):
            est = ep.SimpleImputer(strategy=strategy, keep_empty_features=keep)
            out = np.asarray(est.fit_transform(data))
            np.testing.assert_allclose(out, expected, rtol=1e-12)


def _zscore_clip(X):
    wide = X.astype(np.float64)
    mean, std = np.nanmean(wide, axis=0), np.nanstd(wide, axis=0)
    return np.clip(wide, mean - 3.0 * std, mean + 3.0 * std)


NAN_PATH = [
    (ep.StandardScaler, lambda X: skp.StandardScaler().fit_transform(X)),
    (ep.MinMaxScaler, lambda X: skp.MinMaxScaler().fit_transform(X)),
    (lambda: ep.OutlierHandler(method="zscore", action="clip"), _zscore_clip),
]


@settings(max_examples=10, deadline=None)
@given(
    n_rows=st.integers(2 * 2048, 3 * 2048 + 7),
    seed=st.integers(0, 2**32 - 1),
    nan_share=st.sampled_from([0.0, 0.001, 0.01, 0.3]),
    dtype=st.sampled_from([np.float64, np.float32]),
    inf=st.sampled_from([None, np.inf, -np.inf]),
)
def test_nan_path_equals_references_over_several_chunks(n_rows, seed, nan_share, dtype, inf):
    # Rows span several 2048-row moment chunks, so chunks after a NaN chunk take
    # the NaN-first sweep (in-memory input, Numba threads over row ranges)
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n_rows, 3)) * [1.0, 1e3, 1e-3] + [0.0, 5.0, -2e-3]).astype(dtype)
    X[rng.random(X.shape) < nan_share] = np.nan
    X[rng.integers(n_rows), 1] = np.nan
    if inf is not None:
        X[rng.integers(2048, n_rows), 2] = inf
    for ours, reference in NAN_PATH:
        if inf is not None:
            with pytest.raises(ValueError, match="infinity in column 'x2'"):
                ours().fit(X)
            continue
        expected = reference(X)
        out = ours().fit_transform(X)
        # the references sum in another order: a mean ~1e-16 x 1e3 off moves values near 0
        tol = 1e-11 if dtype == np.float64 else 1e-6
        np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
        assert np.array_equal(np.isnan(out), np.isnan(X))


@settings(max_examples=6, deadline=None)
@given(
    n_rows=st.integers(2 * ROW_CHUNK, 2 * ROW_CHUNK + 300),
    seed=st.integers(0, 2**32 - 1),
    nan_share=st.sampled_from([0.0, 0.01, 0.3]),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_nan_path_same_bits_on_every_layout(n_rows, seed, nan_share, dtype):
    # C-ordered NumPy input is transformed on the flat, vectorized lane path (Numba
    # threads over row chunks); Fortran-ordered NumPy and pandas input (Fortran values)
    # on the row-by-row path: the same bits, equal to the references.
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n_rows, 3)) * [1.0, 1e3, 1e-3] + [0.0, 5.0, -2e-3]).astype(dtype)
    X[rng.random(X.shape) < nan_share] = np.nan
    for ours, reference in NAN_PATH:
        out = ours().fit_transform(X)
        for other in (np.asfortranarray(X), pd.DataFrame(X)):
            assert np.asarray(ours().fit_transform(other)).tobytes() == out.tobytes()
        tol = 1e-11 if dtype == np.float64 else 1e-6
        np.testing.assert_allclose(out, reference(X), rtol=tol, atol=tol)
