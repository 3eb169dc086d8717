"""Row-draw machinery: controlled rounding, exact spreads, chunking independence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.stats import _draws, _row_plans


@given(
    totals=st.lists(st.integers(0, 60), min_size=1, max_size=8),
    weights=st.lists(st.integers(1, 10), min_size=2, max_size=4),
    seed=st.integers(0, 1000),
)
def test_allocate_is_a_controlled_rounding(totals, weights, seed):
    n = sum(totals)
    if n == 0:
        return
    raw = np.array(weights) / sum(weights) * n
    sizes = np.floor(raw).astype(int)
    sizes[: n - sizes.sum()] += 1
    alloc = _draws.allocate(totals, sizes, np.random.default_rng(seed))
    assert alloc.sum(axis=1).tolist() == list(totals)
    assert alloc.sum(axis=0).tolist() == sizes.tolist()
    share = np.outer(totals, sizes) / n
    assert np.all(np.abs(alloc - share) < 1)
    assert np.all(alloc >= 0)


def test_allocate_gives_ceilings_to_largest_remainders():
    # test shares 2.1, 0.9, 3.0 of 6 rows: the one extra row goes to the 0.9 class
    alloc = _draws.allocate([7, 3, 10], [14, 6], np.random.default_rng(0))
    assert alloc[:, 1].tolist() == [2, 1, 3]
    assert alloc[:, 0].tolist() == [5, 2, 7]


@given(
    lengths=st.lists(st.integers(0, 40), min_size=1, max_size=6),
    seed=st.integers(0, 99),
    rows_per_draw=st.sampled_from([4, 7, 64]),
)
def test_part_labels_independent_of_chunking(lengths, seed, rows_per_draw):
    n = sum(lengths)
    if n < 3:
        return
    y = np.random.default_rng(seed).integers(0, 3, n)
    offsets = np.cumsum([0, *lengths])
    blocks = [y[offsets[b] : offsets[b + 1]] for b in range(len(lengths))]

    def labels(parts_of_y, lens):
        layout = _draws.class_layout(parts_of_y, lens, rows_per_draw)
        alloc = _draws.allocate(layout.totals(), [n - n // 3, n // 3], _draws.keyed_rng(seed, 0))
        plan = _row_plans.part_plan(layout, parts_of_y, alloc, seed, lazy=False)
        values = plan.values()
        for v, size in zip(values, plan.block_sizes, strict=True):
            assert np.bincount(v, minlength=2).tolist() == size.tolist()
        return np.concatenate(values), alloc, layout.classes

    whole, alloc, classes = labels([y], [n])
    chunked, _, _ = labels(blocks, lengths)
    assert np.array_equal(whole, chunked)
    for i, c in enumerate(classes):
        assert np.bincount(whole[y == c], minlength=2).tolist() == alloc[i].tolist()


def test_repeat_counts_sum_and_keep():
    y = np.array([0, 1, 1, 0, 1, 1, 1, 0])
    layout = _draws.class_layout([y[:3], y[3:]], [3, 5], 2)
    plan = _row_plans.repeat_plan(
        layout, [y[:3], y[3:]], np.array([4, 0]), 11, lazy=False, keep=np.array([0, 1])
    )
    reps = np.concatenate(plan.values())
    assert reps[y == 0].sum() == 4 and np.all(reps[y == 1] == 1)
    assert [int(s[0]) for s in plan.block_sizes] == [int(reps[:3].sum()), int(reps[3:].sum())]


def test_random_entropy():
    assert _draws.random_entropy(5) == 5
    rs = np.random.RandomState(0)
    assert _draws.random_entropy(rs) != _draws.random_entropy(rs)
    assert isinstance(_draws.random_entropy(None), int)
    assert isinstance(_draws.random_entropy(np.random.default_rng(1)), int)
    with pytest.raises(ValueError, match="random_state"):
        _draws.random_entropy(-1)
    with pytest.raises(TypeError, match="random_state"):
        _draws.random_entropy("seed")
