"""Constant columns of any magnitude: every scaler's fitted state and output as scikit-learn's.

A constant column has variance exactly 0 (scikit-learn's two-pass sum gives
0; a merge of per-block moments leaves a rounding residue such as 1e-52 that
must not show in ``var_``) and gets scale 1 in every scaler.
"""

from __future__ import annotations

import warnings

import dask.array as da
import numpy as np
import sklearn.preprocessing as skp
from hypothesis import given, settings
from hypothesis import strategies as st

import engine.preprocessing as ep

SCALERS = {
    "standard": (ep.StandardScaler, skp.StandardScaler, ("var_", "scale_", "mean_")),
    "minmax": (ep.MinMaxScaler, skp.MinMaxScaler, ("scale_", "min_", "data_range_")),
    "maxabs": (ep.MaxAbsScaler, skp.MaxAbsScaler, ("scale_", "max_abs_")),
    "robust": (ep.RobustScaler, skp.RobustScaler, ("center_", "scale_")),
}

magnitudes = st.builds(
    lambda mantissa, exponent: mantissa * 10.0**exponent,
    st.floats(-9.99, 9.99, allow_nan=False).filter(lambda v: abs(v) > 1e-3),
    st.integers(-30, 30),
)


def _table(constant: float, n: int, n_missing: int) -> np.ndarray:
    """A constant column (some NaN), an ordinary column, and an all-zero column."""
    col = np.full(n, constant)
    col[:n_missing] = np.nan
    return np.column_stack([col, np.arange(n, dtype=np.float64), np.zeros(n)])


@settings(max_examples=20)
@given(
    constant=magnitudes,
    n=st.integers(2, 400),
    n_missing=st.integers(0, 3),
    n_blocks=st.integers(1, 7),
    name=st.sampled_from(sorted(SCALERS)),
)
def test_constant_column_fits_like_sklearn(constant, n, n_missing, n_blocks, name):
    ours, theirs, attributes = SCALERS[name]
    X = _table(constant, n, min(n_missing, n - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = theirs().fit(X)
    expected_out = reference.transform(X)
    for data in (X, da.from_array(X, chunks=(-(-n // n_blocks), -1))):
        fitted = ours().fit(data)
        for attr in attributes:
            np.testing.assert_allclose(
                getattr(fitted, attr), getattr(reference, attr), rtol=1e-12, atol=0, err_msg=attr
            )
        if name == "standard":
            assert fitted.var_[0] == 0.0 and fitted.scale_[0] == 1.0
        out = np.asarray(fitted.transform(data))
        # the constant column comes out as (x - mean) / 1: the residue of each library's
        # rounded mean, bounded by n ulps (the error bound of a sum of n values)
        tolerance = (n + 4) * np.spacing(abs(constant))
        np.testing.assert_allclose(out[:, 0], expected_out[:, 0], rtol=0, atol=tolerance)
        np.testing.assert_allclose(out[:, 1:], expected_out[:, 1:], rtol=1e-12, atol=0)


def test_large_constant_column_variance_is_zero_not_residue():
    """The issue's case: a constant column with a large mean, on NumPy and Dask."""
    X = np.column_stack([np.full(1000, 123456789.123), np.arange(1000.0)])
    expected = skp.StandardScaler().fit(X)
    assert expected.var_[0] == 0.0
    for data in (X, da.from_array(X, chunks=(137, -1))):
        fitted = ep.StandardScaler().fit(data)
        assert fitted.var_[0] == 0.0
        np.testing.assert_allclose(fitted.var_, expected.var_, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(fitted.scale_, expected.scale_)
