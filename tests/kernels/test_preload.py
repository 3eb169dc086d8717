"""Preloading: every signature the kernel cache holds is loaded ahead of the first call, none compiled."""

from __future__ import annotations

import numpy as np
from numba import njit

import engine
from engine.kernels import preload_in_background, preload_kernels
from engine.kernels._preload import cached_signatures
from engine.kernels.moments import block_moments


def _fresh_copy():
    """A new dispatcher of ``block_moments``'s function: what a fresh process starts with."""
    return njit(cache=True, nogil=True)(block_moments.py_func)


def test_preload_loads_every_cached_signature_and_compiles_none():
    engine.warmup()  # the cache holds block_moments' signatures (a no-op once warm)
    fresh = _fresh_copy()
    signatures = cached_signatures(fresh)
    assert signatures, "the warm cache holds no signature of block_moments"

    assert preload_kernels([fresh]) == len(signatures)
    assert sorted(map(str, fresh.overloads)) == sorted(map(str, signatures))
    assert sum(fresh.stats.cache_hits.values()) == len(signatures)
    assert not fresh.stats.cache_misses

    # The first call finds its signature loaded: no compilation, no new load; same result.
    X = np.array([[1.0, 2.0], [np.nan, 4.0], [3.0, 8.0]])
    np.testing.assert_array_equal(fresh(X), block_moments(X))
    assert not fresh.stats.cache_misses
    assert sum(fresh.stats.cache_hits.values()) == len(signatures)
    assert preload_kernels([fresh]) == 0  # loaded already


def test_preload_in_background_and_nothing_cached():
    fresh = _fresh_copy()
    preload_in_background([fresh]).join()
    assert sum(fresh.stats.cache_hits.values()) == len(cached_signatures(fresh)) > 0

    uncached = njit(block_moments.py_func)  # no cache: nothing to load, nothing compiled
    assert cached_signatures(uncached) == []
    assert preload_kernels([uncached]) == 0
    assert not uncached.overloads
