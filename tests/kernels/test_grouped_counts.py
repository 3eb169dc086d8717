"""Grouped counts: encoder and keyed-count kernels, and the exact lazy merge."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.kernels import grouped_counts as gk
from engine.stats._grouped import (
    encode_column,
    keyed_counts,
    keyed_counts_block,
    merge_keyed_counts,
)


@given(arrays(np.int64, st.integers(0, 60), elements=st.integers(-3, 3)), st.integers(1, 8))
def test_encode_into_matches_numpy_unique(values, max_distinct):
    codes = np.empty(values.shape[0], np.int64)
    uniques, n_nan, ok = gk.encode_into(values, max_distinct, codes)
    ref, inverse = np.unique(values, return_inverse=True)
    assert n_nan == 0
    assert ok == (len(ref) <= max_distinct)
    if ok:
        np.testing.assert_array_equal(uniques, ref)
        np.testing.assert_array_equal(codes, inverse)


@given(
    arrays(np.float64, st.integers(0, 30), elements=st.sampled_from([1.0, 2.5, np.nan, -0.0, 0.0]))
)
def test_encode_float_counts_nan(values):
    codes = np.empty(values.shape[0], np.int64)
    uniques, n_nan, ok = gk.encode_into(values, 64, codes)
    assert ok and n_nan == int(np.isnan(values).sum())
    keep = ~np.isnan(values)
    np.testing.assert_array_equal(uniques, np.unique(values[keep]))
    assert np.all(codes[~keep] == -1)
    np.testing.assert_array_equal(uniques[codes[keep]], values[keep])


def test_encode_column_fallback_many_distinct_and_strings():
    x = np.arange(500)[::-1]
    u, c = encode_column(x, "x")
    np.testing.assert_array_equal(u[c], x)
    s = np.array(["b", "a", "c", "a"], dtype=object)
    u, c = encode_column(s, "s")
    assert u.tolist() == ["a", "b", "c"] and c.tolist() == [1, 0, 2, 0]
    with pytest.raises(ValueError, match="s contains missing values"):
        encode_column(np.array(["a", None], dtype=object), "s")
    with pytest.raises(ValueError, match="x contains NaN"):
        encode_column(np.array([1.0, np.nan]), "x")


KEYS = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(["u", "v"]), st.booleans()),
    min_size=0,
    max_size=50,
)


@given(KEYS, st.integers(1, 4), st.booleans())
def test_keyed_counts_any_split_equals_pandas(rows, n_parts, weighted):
    n = len(rows)
    a = np.array([r[0] for r in rows], dtype=np.int64)
    b = np.array([r[1] for r in rows], dtype=object)
    c = np.array([r[2] for r in rows], dtype=bool)
    w = (np.arange(n) % 3 + 0.5) if weighted else None
    cuts = np.linspace(0, n, n_parts + 1).astype(int)[1:-1]
    parts = []
    for idx in np.split(np.arange(n), cuts):
        parts.append(
            keyed_counts_block(
                [a[idx], b[idx], c[idx]], None if w is None else w[idx], ["a", "b", "c"]
            )
        )
    acc = parts[0]
    for p in parts[1:]:
        acc = merge_keyed_counts(acc, p)
    frame = pd.DataFrame({"a": a, "b": b, "c": c, "w": np.ones(n) if w is None else w})
    ref = frame.groupby(["a", "b", "c"]).agg(rows=("w", "size"), wsum=("w", "sum"))
    nonzero = np.nonzero(acc.rows)
    got = {
        (acc.keys[0][i], acc.keys[1][j], bool(acc.keys[2][k])): acc.rows[i, j, k]
        for i, j, k in zip(*nonzero, strict=True)
    }
    assert got == {key: int(v) for key, v in ref["rows"].items()}
    if weighted:
        for i, j, k in zip(*nonzero, strict=True):
            key = (acc.keys[0][i], acc.keys[1][j], bool(acc.keys[2][k]))
            assert acc.wsum[i, j, k] == pytest.approx(ref.loc[key, "wsum"], rel=1e-15)


def test_keyed_counts_one_row_and_lazy_schedulers_identical():
    one = keyed_counts({"g": np.array([5])}, np.array([2.0]))
    assert one.keys[0].tolist() == [5] and one.rows.tolist() == [1] and one.wsum.tolist() == [2.0]
    rng = np.random.default_rng(0)
    g = rng.integers(0, 5, 999)
    w = rng.random(999)
    lazy = keyed_counts({"g": da.from_array(g, chunks=100)}, da.from_array(w, chunks=100))
    results = []
    for scheduler in ("sync", "threads"):
        with dask.config.set(scheduler=scheduler):
            (res,) = dask.compute(lazy)
        results.append(res)
    np.testing.assert_array_equal(results[0].wsum, results[1].wsum)
    np.testing.assert_array_equal(results[0].rows, np.bincount(g))


@given(
    arrays(np.float64, st.integers(0, 40), elements=st.sampled_from([0.0, 1.0, 3.0, -2.0])),
    st.integers(1, 3),
)
def test_dense_float_path_and_partition(values, n_codes):
    codes = np.empty(values.shape[0], np.int64)
    uniques, n_nan, ok = gk.encode_into(values, 8, codes)
    assert ok and n_nan == 0
    np.testing.assert_array_equal(uniques, np.unique(values))
    np.testing.assert_array_equal(uniques[codes], values)
    labels = np.arange(values.shape[0], dtype=np.int64) % n_codes
    grouped, offsets = gk.partition_by_code(values, labels, n_codes)
    for c in range(n_codes):
        np.testing.assert_array_equal(grouped[offsets[c] : offsets[c + 1]], values[labels == c])


@settings(max_examples=60)
@given(
    values=arrays(
        np.float64,
        st.integers(0, 50),
        elements=st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-5, 5).map(float),
            st.sampled_from([2.0**63, -(2.0**63), 1e20, 0.5]),
        ),
    )
)
def test_float_label_flags_match_sklearns_round_trip(values):
    n_nan, n_inf, non_integral = gk.float_label_flags(values)
    assert n_nan == np.count_nonzero(np.isnan(values))
    assert n_inf == np.count_nonzero(np.isinf(values))
    finite = values[np.isfinite(values)]
    with np.errstate(invalid="ignore"):
        round_trip = finite.astype(np.int64).astype(np.float64)
    expected = bool(np.any(finite != round_trip)) or bool(n_nan or n_inf)
    assert non_integral == expected


@given(
    arrays(np.int64, st.integers(1, 40), elements=st.integers(-(2**62), 2**62)),
    st.integers(1, 5),
)
def test_integer_weights_sum_exactly_as_int64(weights, n_blocks):
    keys = np.arange(len(weights)) % 2
    kc = keyed_counts({"k": da.from_array(keys, chunks=-(-len(keys) // n_blocks))}, weights)
    (kc,) = dask.compute(kc)
    assert kc.wsum.dtype == np.int64
    expected = np.array([weights[keys == k].sum() for k in np.unique(keys)])
    np.testing.assert_array_equal(kc.wsum, expected)
