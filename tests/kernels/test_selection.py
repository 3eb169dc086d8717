"""Radix-selection kernels: the key map, the three passes, exact order statistics."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.kernels import selection as sk
from engine.stats import _quantile as Q
from engine.stats import _quantile_plan as P

finite_or_special = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324]),
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


@given(
    arrays(np.float64, st.tuples(st.integers(0, 40), st.integers(1, 3)), elements=finite_or_special)
)
def test_pass1_counts_extremes_and_zeros(X):
    hist, kmin, kmax = sk.block_hist1(X.view(np.uint64))
    for j in range(X.shape[1]):
        col = X[:, j][~np.isnan(X[:, j])]
        keys = sk.floats_to_keys(col)
        expected = np.bincount((keys >> sk.SHIFT1).astype(np.int64), minlength=sk.N1)
        assert np.array_equal(hist[j, : sk.N1], expected)
        assert hist[j, sk.N1] == np.sum((col == 0) & np.signbit(col))
        assert hist[j, sk.N1 + 1] == np.sum((col == 0) & ~np.signbit(col))
        if len(col):
            assert kmin[j] == keys.min() and kmax[j] == keys.max()


def _three_passes(blocks, q):
    merged1 = sk.block_hist1(blocks[-1])
    for U in reversed(blocks[:-1]):
        merged1 = sk.merge_hist1(merged1, sk.block_hist1(U))
    plan = P._plan_pass2(merged1, P.check_q(q))
    merged2 = None
    for U in blocks:
        part = Q._task_hist2(U.view(np.float64), plan)
        merged2 = part if merged2 is None else Q._merge2(merged2, part)
    plan = P._plan_pass3(plan, merged2)
    gathered = [Q._task_gather(U.view(np.float64), plan) for U in blocks]
    return plan, gathered


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("direct", [True, False], ids=["2-pass", "3-pass"])
@given(
    X=arrays(
        np.float64, st.tuples(st.integers(1, 80), st.integers(1, 3)), elements=finite_or_special
    ),
    n_blocks=st.integers(1, 4),
    q=st.lists(st.floats(0, 1), min_size=1, max_size=4),
)
def test_passes_give_exact_order_statistics(direct, X, n_blocks, q):
    """Blocks of any size (empty ones too) give numpy's sorted values, in both pass modes."""
    bounds = np.linspace(0, len(X), n_blocks + 1).astype(int)
    blocks = [X[a:b].view(np.uint64) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(P, "DIRECT_GATHER_MIN", 1 << 30 if direct else 0)
        mp.setattr(P, "DIRECT_GATHER_SHARE", 1.0 if direct else 0.0)
        plan, gathered = _three_passes(blocks, q)
    keys = P._finish_keys(plan, gathered)
    for j in range(X.shape[1]):
        ordered = _keys_sorted(X[:, j])
        for (jj, rank), key in keys.items():
            if jj == j:
                assert sk.keys_to_floats(np.array([key]))[0].tobytes() == ordered[rank].tobytes()


def test_threaded_row_parts_equal_one_block():
    """The in-memory path (row ranges on threads, merged in order) equals one block."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5000, 3))
    X[rng.random(X.shape) < 0.05] = np.nan
    X[:, 2] = np.round(X[:, 2])
    U = X.view(np.uint64)
    parts = [X[:1700], X[1700:1700], X[1700:]]
    one = sk.block_hist1(U)
    threaded = Q._map_reduce(Q._task_hist1_dense, parts, sk.merge_hist1)
    assert all(np.array_equal(a, b) for a, b in zip(one, threaded, strict=True))
    for direct in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(P, "DIRECT_GATHER_MIN", 1 << 30 if direct else 0)
            mp.setattr(P, "DIRECT_GATHER_SHARE", 1.0 if direct else 0.0)
            plan = P._plan_pass2(one, P.check_q([0.1, 0.5, 0.9]))
        assert plan.direct == direct
        expected = np.nanquantile(X, [0.1, 0.5, 0.9], axis=0)
        for blocks in ([X], parts):
            merged2 = Q._map_reduce(partial(Q._task_hist2, plan=plan), blocks, Q._merge2)
            plan3 = P._plan_pass3(plan, merged2)
            gathered = Q._map_reduce(partial(Q._task_gather, plan=plan3), blocks, Q._merge_gathered)
            out = P._finish(plan3, [gathered])
            assert np.array_equal(out.view(np.uint64), expected.view(np.uint64))


def test_duplicates_resolve_without_gathering():
    X = np.repeat(np.arange(50.0), 200)[:, None]
    U = X.view(np.uint64)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(P, "DIRECT_GATHER_MIN", 0)
        mp.setattr(P, "DIRECT_GATHER_SHARE", 0.0)
        plan = P._plan_pass2(sk.block_hist1(U), P.check_q([0.25, 0.5, 0.75]))
    plan = P._plan_pass3(plan, sk.block_hist2(U, plan.ranges, plan.table, plan.shift))
    assert plan.capacity.sum() == 0
    assert np.array_equal(P._finish(plan, []), np.quantile(X, [0.25, 0.5, 0.75], axis=0))
