"""Property tests: edge-case data (NaN, one row, constant or all-NaN columns, tiny blocks)."""

import warnings

import dask.array as da
import numpy as np
import sklearn.impute as ski
import sklearn.preprocessing as skp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import engine.preprocessing as ep

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
