"""Elementwise kernels against NumPy formulas (hypothesis: NaN, inf, one row, empty blocks)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.kernels import elementwise as ew

values = st.one_of(st.floats(-1e6, 1e6), st.just(np.nan), st.just(0.0))
blocks = st.integers(0, 40).flatmap(
    lambda n: st.integers(1, 5).flatmap(lambda p: arrays(np.float64, (n, p), elements=values))
)


def _vectors(p, seed):
    rng = np.random.default_rng(seed)
    fill = np.where(rng.random(p) < 0.5, np.nan, rng.standard_normal(p))
    sub, div = rng.standard_normal(p), rng.uniform(0.5, 2.0, p)
    mul, add = rng.standard_normal(p), rng.standard_normal(p)
    lo = rng.uniform(-3, -1, p)
    return fill, sub, div, mul, add, lo, lo + rng.uniform(0, 4, p)


@pytest.mark.parametrize("parallel", [False, True])
@given(X=blocks, seed=st.integers(0, 2**16))
def test_fill_affine_clip_matches_numpy_in_place_formula(X, seed, parallel):
    fill, sub, div, mul, add, lo, hi = _vectors(X.shape[1], seed)
    before = X.copy()
    out, n_inf = ew.fill_affine_clip(X, fill, sub, div, mul, add, lo, hi, parallel=parallel)
    expected = np.where(np.isnan(X), fill, X)
    expected -= sub
    expected /= div
    expected *= mul
    expected += add
    expected = np.clip(expected, lo, hi)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(X, before)  # never in place
    assert n_inf == 0


def test_fill_affine_clip_counts_inf_and_serial_equals_parallel():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50_000, 3))
    X[5, 1], X[40_000, 2], X[7, 0] = np.inf, -np.inf, np.nan
    args = _vectors(3, 2)
    a, na = ew.fill_affine_clip(X, *args, parallel=False)
    b, nb = ew.fill_affine_clip(X, *args, parallel=True)
    assert na == nb == 2
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("parallel", [False, True])
@given(X=blocks, seed=st.integers(0, 2**16))
def test_outside_bounds_modes(X, seed, parallel):
    *_, lo, hi = _vectors(X.shape[1], seed)
    outside = (lo > X) | (hi < X)
    out, _ = ew.outside_bounds(X, lo, hi, ew.NAN_OUTSIDE, parallel=parallel)
    np.testing.assert_array_equal(out, np.where(outside, np.nan, X))
    flags, _ = ew.outside_bounds(X, lo, hi, ew.FLAG_OUTSIDE, parallel=parallel)
    np.testing.assert_array_equal(flags, np.hstack([X, outside.astype(np.float64)]))
    keep, n_inf = ew.outside_bounds(X, lo, hi, ew.ROWS_INSIDE, parallel=parallel)
    np.testing.assert_array_equal(keep, ~outside.any(axis=1))
    assert n_inf == 0


def test_outside_bounds_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        ew.outside_bounds(np.zeros((2, 1)), np.zeros(1), np.ones(1), 7)


@given(X=blocks)
def test_row_missing_counts(X):
    np.testing.assert_array_equal(ew.row_missing_counts(X), np.isnan(X).sum(axis=1))


@pytest.mark.parametrize("parallel", [False, True])
def test_fill_affine_clip_reads_fortran_order_in_place(parallel):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40_000, 3))
    X[::9, 1] = np.nan
    args = _vectors(3, 4)
    expected, _ = ew.fill_affine_clip(X, *args, parallel=False)
    out, _ = ew.fill_affine_clip(np.asfortranarray(X), *args, parallel=parallel)  # pandas' layout
    assert out.flags.c_contiguous and out.tobytes() == expected.tobytes()
