"""Moments kernel: one-pass NaN-aware column moments and their fixed-order merge."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.kernels import moments as mk

values = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 3.0]),
)


def _reference(X: np.ndarray) -> dict:
    finite = np.where(np.isfinite(X), X, np.nan)
    if len(X) == 0:
        finite = np.full((1, X.shape[1]), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "count": np.sum(np.isfinite(X), axis=0),
            "missing": np.sum(np.isnan(X), axis=0),
            "n_inf": np.sum(np.isinf(X), axis=0),
            "mean": np.nanmean(finite, axis=0),
            "var": np.nanvar(finite, axis=0),
            "min": np.nanmin(finite, axis=0),
            "max": np.nanmax(finite, axis=0),
        }


def _check(m: np.ndarray, X: np.ndarray) -> None:
    ref = _reference(X)
    assert np.array_equal(m[mk.COUNT], ref["count"])
    assert np.array_equal(m[mk.MISSING], ref["missing"])
    assert np.array_equal(m[mk.N_INF], ref["n_inf"])
    has = ref["count"] > 0
    np.testing.assert_allclose(m[mk.MEAN][has], ref["mean"][has], rtol=1e-12, atol=1e-9)
    var = m[mk.M2][has] / ref["count"][has]
    np.testing.assert_allclose(var, ref["var"][has], rtol=1e-12, atol=1e-6)
    assert np.array_equal(m[mk.MIN][has], ref["min"][has])
    assert np.array_equal(m[mk.MAX][has], ref["max"][has])


@given(arrays(np.float64, st.tuples(st.integers(0, 50), st.integers(1, 4)), elements=values))
def test_block_moments_match_numpy(X):
    _check(mk.block_moments(X), X)


@given(
    arrays(np.float64, st.tuples(st.integers(0, 50), st.integers(1, 3)), elements=values),
    st.integers(1, 5),
)
def test_merged_blocks_match_numpy_and_are_reproducible(X, n_blocks):
    bounds = np.linspace(0, len(X), n_blocks + 1).astype(int)
    parts = [mk.block_moments(X[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    acc = mk.empty_moments(X.shape[1])
    for p in parts:
        mk.merge_moments_into(acc, p)
    _check(acc, X)
    again = mk.empty_moments(X.shape[1])
    for p in parts:
        mk.merge_moments_into(again, p)
    assert np.array_equal(acc, again, equal_nan=True)


def test_parallel_moments_match_numpy_and_do_not_depend_on_threads():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_011, 5)) * 1e3 + 7
    X[rng.random(X.shape) < 0.02] = np.nan
    X[5, 1] = np.inf
    m = mk.parallel_block_moments(X)
    _check(m, X)
    from numba import get_num_threads, set_num_threads

    n = get_num_threads()
    try:
        set_num_threads(1)
        m1 = mk.parallel_block_moments(X)
    finally:
        set_num_threads(n)
    assert np.array_equal(m, m1)


def test_fortran_order_and_one_row():
    X = np.asfortranarray(np.arange(12.0).reshape(4, 3))
    _check(mk.parallel_block_moments(np.ascontiguousarray(X)), X)
    one = np.array([[1.5, np.nan, -np.inf]])
    _check(mk.block_moments(one), one)


@given(
    st.integers(0, 300),
    st.sampled_from([1, 3, 8, 37, 300]),
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 0.2),
)
def test_lane_groups_and_layouts_agree(n_rows, n_columns, seed, p_bad):
    # Rows span several accumulator lane groups plus a tail (LANE_VALUES values
    # per group, one row per group when n_columns > LANE_VALUES); C, Fortran and
    # strided blocks must give bit-identical partials that match numpy.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_columns)) * 1e3 + 5
    bad = rng.random(X.shape) < p_bad
    X[bad] = rng.choice([np.nan, np.inf, -np.inf], size=int(bad.sum()))
    m = mk.block_moments(X)
    _check(m, X)
    wide = np.repeat(X, 2, axis=1)[:, ::2]
    for other in (np.asfortranarray(X), wide):
        assert np.array_equal(mk.block_moments(other), m, equal_nan=True)


@given(
    st.integers(1, 3000),
    st.integers(2, 40),
    st.integers(0, 2**32 - 1),
    st.sampled_from([np.nan, np.inf, -np.inf, 1e308]),
)
def test_all_finite_fast_path_matches_general_path(n_rows, n_columns, seed, bad):
    # One non-finite value (or a sum overflowing to inf) in column 0 sends its
    # chunk down the NaN/inf-aware sweep; every other column keeps the same
    # summation lanes, so its moments must be bit-identical to the fast path's.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_columns)) * 1e3 + 5
    Y = X.copy()
    Y[rng.integers(n_rows), 0] = bad
    if bad == 1e308:
        Y[rng.integers(n_rows), 0] = 1e308
    fast, general = mk.block_moments(X), mk.block_moments(Y)
    assert np.array_equal(fast[:, 1:], general[:, 1:])
    if bad != 1e308:  # an overflowing column-0 sum has no finite mean to check
        _check(general, Y)


@given(
    st.integers(1, 3000),
    st.integers(2, 40),
    st.integers(0, 2**32 - 1),
    st.floats(0.001, 0.5),
)
def test_nan_sweep_matches_general_path(n_rows, n_columns, seed, p_nan):
    # NaN (and no inf) sends a chunk down the NaN sweep; an inf in column 0 of
    # the same chunk sends it down the general NaN/inf sweep instead. Every
    # other column keeps its lanes, so its moments must have the same bits.
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_columns)) * 1e3 + 5
    X[rng.random(X.shape) < p_nan] = np.nan
    Y = X.copy()
    Y[rng.integers(n_rows), 0] = np.inf
    nan_sweep, general = mk.block_moments(X), mk.block_moments(Y)
    assert np.array_equal(nan_sweep[:, 1:], general[:, 1:], equal_nan=True)
    _check(nan_sweep, X)


@given(
    st.lists(st.sampled_from(["finite", "nan", "inf", "nan+inf"]), min_size=2, max_size=4),
    st.integers(1, 9),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_chunk_after_nan_starts_with_nan_sweep_same_bits(kinds, n_columns, seed, from_float32):
    # A chunk after one holding NaN starts with the NaN sweep; a block of one
    # chunk always starts with the all-finite sweep. Merging the chunks' own
    # partials in row order must give the bits of the whole block, whatever
    # each chunk holds (finite only, NaN, +/-inf, both), and match numpy.
    rng = np.random.default_rng(seed)
    n_rows = mk.CHUNK_ROWS * (len(kinds) - 1) + int(rng.integers(1, mk.CHUNK_ROWS + 1))
    X = rng.standard_normal((n_rows, n_columns)) * 1e3 + 5
    if from_float32:
        X = X.astype(np.float32).astype(np.float64)
    for c, kind in enumerate(kinds):
        rows = X[c * mk.CHUNK_ROWS : (c + 1) * mk.CHUNK_ROWS]
        if "nan" in kind:
            rows[rng.random(rows.shape) < 0.01] = np.nan
            rows[rng.integers(len(rows)), rng.integers(n_columns)] = np.nan
        if "inf" in kind:
            rows[rng.integers(len(rows)), rng.integers(n_columns)] = rng.choice([np.inf, -np.inf])
    whole = mk.block_moments(X)
    acc = mk.empty_moments(n_columns)
    for start in range(0, n_rows, mk.CHUNK_ROWS):
        mk.merge_moments_into(acc, mk.block_moments(X[start : start + mk.CHUNK_ROWS]))
    assert np.array_equal(whole, acc, equal_nan=True)
    _check(whole, X)


def test_chunk_moments_is_typed_for_a_plain_bool_flag_only():
    # _range_moments's NaN flag starts False: Numba must type _chunk_moments for
    # bool alone, not also for Literal[bool](False), a signature no call runs that
    # an empty cache compiles (seconds of every cold start). A fresh compile of
    # _range_moments types the call again whatever the kernel cache holds.
    from numba import njit, types

    njit(mk._range_moments.py_func)(np.zeros((3, 2)), 0, 3)
    flags = {signature[-1] for signature in mk._chunk_moments.overloads}
    assert flags == {types.boolean}
