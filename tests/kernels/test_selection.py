"""Window-pass kernel: the key map, exact counts below starts, gathered keys, any layout."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.kernels import selection as sk

finite_or_special = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 2.0, 2.0]),
)


def _keys_sorted(x: np.ndarray) -> np.ndarray:
    """Non-NaN values in total order (-0.0 before +0.0), via numpy only."""
    x = x[~np.isnan(x)]
    order = np.lexsort((~np.signbit(x), x))
    return x[order]


@given(arrays(np.float64, st.integers(0, 60), elements=finite_or_special))
def test_keys_sort_like_floats_and_round_trip(x):
    x = x[~np.isnan(x)]
    keys = sk.floats_to_keys(x)
    back = sk.keys_to_floats(keys)
    assert np.array_equal(back.view(np.uint64), x.view(np.uint64))
    by_key = back[np.argsort(keys, kind="stable")]
    assert np.array_equal(by_key.view(np.uint64), _keys_sorted(x).view(np.uint64))


def test_nan_keys_lie_above_every_float_and_padding():
    """Every NaN bit pattern is skipped; no float key reaches the padding key TOP."""
    nans = np.array(
        [0x7FF0000000000001, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0xFFF8000000000000],
        dtype=np.uint64,
    )
    X = np.concatenate([nans.view(np.float64), [np.inf, -np.inf]])[:, None]
    starts = np.array([[sk.TOP]], dtype=np.uint64)
    pad = np.array([[sk.TOP]], dtype=np.uint64)
    layout = (starts, pad, pad, np.zeros((1, 1), dtype=np.int64), np.array([sk.GATHER]))
    below, stats, keys, kept, inside, _ = sk.window_pass(
        X.view(np.uint64), layout, np.array([8]), stats=True
    )
    assert below.tolist() == [[2]] and inside.tolist() == [0] and len(keys) == 0
    assert stats[0, sk.COUNT] == 2
    assert sk.keys_to_floats(stats[0, [sk.KMIN, sk.KMAX]]).tolist() == [-np.inf, np.inf]


@st.composite
def _blocks_and_windows(draw):
    """A block (any layout), per column sorted starts and disjoint windows (gather or histogram)."""
    n_rows = draw(st.integers(0, 90))
    n_columns = draw(st.integers(1, 4))
    X = draw(arrays(np.float64, (n_rows, n_columns), elements=finite_or_special))
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "strided":
        X = np.repeat(X, 2, axis=1)[:, ::2]
    pool = sk.floats_to_keys(
        np.array([-np.inf, -3.0, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, 2.5, 7.0, np.inf])
    )
    n_starts = draw(st.integers(0, 6))
    n_gathers = draw(st.integers(0, 3))
    starts = np.full((n_columns, max(1, n_starts)), sk.ALL_ONES, dtype=np.uint64)
    lo = np.full((n_columns, n_gathers), sk.TOP, dtype=np.uint64)
    hi = lo.copy()
    slot = np.full((n_columns, n_gathers), sk.NO_SLOT, dtype=np.int64)
    n_slots = 0
    for j in range(n_columns):
        chosen = np.sort(
            draw(st.lists(st.sampled_from(list(pool)), max_size=n_starts, unique=True))
        )
        starts[j, : len(chosen)] = chosen
        bounds = np.sort(
            draw(st.lists(st.sampled_from(list(pool)), max_size=2 * n_gathers, unique=True))
        )
        for g in range(len(bounds) // 2):
            lo[j, g], hi[j, g], slot[j, g] = bounds[2 * g], bounds[2 * g + 1], n_slots
            n_slots += 1
    capacity = np.array(draw(st.lists(st.integers(0, 30), min_size=n_slots, max_size=n_slots)))
    shift = np.full(n_slots, sk.GATHER, dtype=np.uint64)
    for j, g in zip(*np.nonzero(slot != sk.NO_SLOT), strict=True):
        if draw(st.booleans()):
            width = int(hi[j, g] - lo[j, g]).bit_length()
            shift[slot[j, g]] = max(0, width - sk.HIST_BITS) + draw(st.integers(0, 3))
            capacity[slot[j, g]] = 0
    layout = (starts, lo, hi, slot, shift)
    return X, layout, capacity.astype(np.int64), draw(st.booleans())


@given(_blocks_and_windows())
def test_window_pass_counts_and_gathers_exactly(case):
    """Counts below every start and inside every window, kept keys in row order, histograms and
    stats: as numpy.

    A window holding more keys than its slot's capacity keeps none, and still
    counts them all; a histogram window counts its keys per sub-range.
    """
    X, layout, capacity, stats = case
    starts, lo, hi, slot, shift = layout
    below, st_, keys, kept, inside, hist = sk.window_pass(
        X.view(np.uint64), layout, capacity, stats=stats
    )
    gathered = np.split(keys, np.cumsum(kept)[:-1]) if len(kept) else []
    rows = np.cumsum(shift != sk.GATHER) - 1
    assert hist.shape == (np.sum(shift != sk.GATHER), 2**sk.HIST_BITS)
    for j in range(X.shape[1]):
        column = X[:, j]
        col_keys = sk.floats_to_keys(column[~np.isnan(column)])
        assert below[j].tolist() == [int(np.sum(col_keys < s)) for s in starts[j]]
        for g in range(lo.shape[1]):
            s = slot[j, g]
            if s != sk.NO_SLOT:
                expected = col_keys[(col_keys >= lo[j, g]) & (col_keys <= hi[j, g])]
                assert inside[s] == len(expected)
                if shift[s] != sk.GATHER:
                    sub = (expected - lo[j, g]) >> shift[s]
                    counts = np.bincount(sub.astype(np.int64), minlength=2**sk.HIST_BITS)
                    assert np.array_equal(hist[rows[s]], counts) and kept[s] == 0
                    continue
                fits = len(expected) <= min(capacity[s], len(X))
                assert np.array_equal(gathered[s], expected if fits else expected[:0])
        if stats:
            assert st_[j, sk.COUNT] == len(col_keys)
            assert st_[j, sk.NEG_ZEROS] == np.sum((column == 0) & np.signbit(column))
            assert st_[j, sk.POS_ZEROS] == np.sum((column == 0) & ~np.signbit(column))
            if len(col_keys):
                assert st_[j, sk.KMIN] == col_keys.min() and st_[j, sk.KMAX] == col_keys.max()


def test_blocks_merge_like_one_block():
    """Counts add and kept keys concatenate: two halves give one block's answer."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5000, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    keys = sk.floats_to_keys(np.array([-0.5, 0.0, 0.1, 0.4]))
    starts = np.tile(keys[[0, 2]], (3, 1))
    lo = np.tile(keys[[0, 2]], (3, 1))
    hi = np.tile(keys[[1, 3]], (3, 1))
    slot = np.arange(6).reshape(3, 2)
    layout = (starts, lo, hi, slot, np.full(6, sk.GATHER))
    room = np.full(6, 5000)
    whole = sk.window_pass(X.view(np.uint64), layout, room, stats=True)
    halves = [
        sk.window_pass(part.view(np.uint64), layout, room, stats=True)
        for part in (X[:1700], X[1700:])
    ]
    assert np.array_equal(whole[0], halves[0][0] + halves[1][0])
    assert np.array_equal(whole[3], halves[0][3] + halves[1][3])
    assert np.array_equal(whole[3], whole[4])
    split = [np.split(h[2], np.cumsum(h[3])[:-1]) for h in halves]
    joined = np.concatenate([np.concatenate(pair) for pair in zip(*split, strict=True)])
    assert np.array_equal(whole[2], joined)


def test_block_too_large_is_refused():
    U = np.lib.stride_tricks.as_strided(np.zeros(1, dtype=np.uint64), (2**31, 1), (0, 8))
    layout = (
        np.full((1, 1), sk.ALL_ONES),
        np.zeros((1, 0), np.uint64),
        np.zeros((1, 0), np.uint64),
        np.zeros((1, 0), np.int64),
        np.zeros(0, np.uint64),
    )
    with pytest.raises(ValueError, match="too large"):
        sk.window_pass(U, layout, np.zeros(0, dtype=np.int64), stats=False)
