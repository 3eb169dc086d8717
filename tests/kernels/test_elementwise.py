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


def _numpy_formula(X, fill, sub, div, mul, add, lo, hi):
    """The NumPy in-place formulas scikit-learn uses, step by step."""
    expected = np.where(np.isnan(X), fill, X)
    expected -= sub
    expected /= div
    expected *= mul
    expected += add
    return np.clip(expected, lo, hi)


@pytest.mark.parametrize("parallel", [False, True])
@given(X=blocks, seed=st.integers(0, 2**16))
def test_fill_affine_clip_matches_numpy_in_place_formula(X, seed, parallel):
    fill, sub, div, mul, add, lo, hi = _vectors(X.shape[1], seed)
    before = X.copy()
    out, n_inf = ew.fill_affine_clip(X, fill, sub, div, mul, add, lo, hi, parallel=parallel)
    np.testing.assert_array_equal(out, _numpy_formula(X, fill, sub, div, mul, add, lo, hi))
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


@given(
    n_rows=st.integers(0, 700),
    n_columns=st.sampled_from([1, 3, 8, 37, 300]),
    seed=st.integers(0, 2**32 - 1),
    p_special=st.floats(0.0, 0.3),
    from_float32=st.booleans(),
    zero_div=st.booleans(),
)
def test_fill_affine_clip_flat_lanes_equal_row_path_and_numpy(
    n_rows, n_columns, seed, p_special, from_float32, zero_div
):
    # C-ordered blocks take the flat lane path (groups of ceil(256 / n_columns) rows
    # plus a tail); Fortran-ordered and strided blocks take the row-by-row path.
    # Both must give the bits of the NumPy in-place formula, NaN, +/-inf, signed
    # zeros and a zero divisor (IEEE inf/NaN, as NumPy) included.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_columns)) * 1e3
    if from_float32:
        X = X.astype(np.float32).astype(np.float64)
    mask = rng.random(X.shape) < p_special
    X[mask] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, 5e-324], size=int(mask.sum()))
    fill, sub, div, mul, add, lo, hi = _vectors(n_columns, seed)
    if zero_div:
        div[rng.random(n_columns) < 0.5] = 0.0
    args = (fill, sub, div, mul, add, lo, hi)
    out, n_inf = ew.fill_affine_clip(X, *args)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, _numpy_formula(X, *args))
    assert n_inf == np.isinf(X).sum()
    strided = np.repeat(X, 2, axis=1)[:, ::2]
    for other in (np.asfortranarray(X), strided):
        out_other, n_inf_other = ew.fill_affine_clip(other, *args)
        assert out_other.tobytes() == out.tobytes() and n_inf_other == n_inf


@given(
    n_chunks=st.integers(1, 3),
    tail=st.integers(0, 300),
    n_columns=st.integers(1, 9),
    seed=st.integers(0, 2**32 - 1),
    nan_share=st.sampled_from([0.0, 0.01, 0.3]),
)
def test_fill_affine_clip_parallel_chunks_equal_serial_row_path(
    n_chunks, tail, n_columns, seed, nan_share
):
    # Rows over several parallel row chunks (each a run of lane groups and a tail):
    # the flat path on threads gives the bits of the serial row-by-row path.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_chunks * ew.ROW_CHUNK + tail, n_columns))
    X[rng.random(X.shape) < nan_share] = np.nan
    args = _vectors(n_columns, seed)
    parallel, n_inf = ew.fill_affine_clip(X, *args, parallel=True)
    general, n_inf_general = ew.fill_affine_clip(np.asfortranarray(X), *args, parallel=False)
    assert parallel.tobytes() == general.tobytes() and n_inf == n_inf_general == 0
