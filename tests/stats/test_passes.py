"""Passes of the exact statistics over Dask input: measured, and as the engine counts them."""

from __future__ import annotations

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from engine.data import as_table
from engine.stats import profile, quantile
from engine.stats.internal import column_moments, count_block_reads, moments_and_quantiles
from tests._passes import BlockReads, measured_passes


def _sources():
    X = np.random.default_rng(0).standard_normal((90, 3))
    X[::7, 1] = np.nan
    yield da.from_array(X, chunks=(30, 3))
    yield da.from_array(X, chunks=(20, 1))  # column chunks: read through the float64 view
    yield dd.from_pandas(pd.DataFrame(X, columns=list("abc")), npartitions=4)


# name: (build, measured passes on these data, the graph's count: the most it can make)
STATISTICS = {
    "quantile": (lambda X: quantile(X, [0.25, 0.5]), 1, 3),
    "profile": (lambda X: profile(X, compute=False), 1, 3),
    "column_moments": (lambda X: column_moments(as_table(X)), 1, 1),
    "moments_and_quantiles": (lambda X: moments_and_quantiles(as_table(X), 0.5), 1, 3),
}


@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_measured_passes_and_the_graph_count(name):
    build, measured, most = STATISTICS[name]
    for X in _sources():
        lazy = build(X)
        lazy = list(lazy) if isinstance(lazy, tuple) else [lazy]
        assert measured_passes(lambda lazy=lazy: dask.compute(*lazy), X) == measured
        assert count_block_reads(lazy, as_table(X)) == most


def test_one_compute_for_a_profile():
    X = next(_sources())
    with BlockReads(X) as reads:
        profile(X)
    assert (reads.passes, reads.computes) == (1, 1)


def test_nothing_read_counts_zero():
    X = next(_sources())
    assert count_block_reads([da.zeros(3)], as_table(X)) == 0
    assert measured_passes(lambda: da.zeros(3).compute(), X) == 0
