"""Fresh workers with an empty node cache and a small memory limit get the kernels without compiling.

Two real ``dask worker`` processes limited to 768 MiB share an empty kernel
cache (``ENGINE_KERNEL_CACHE``), as a new node would. The plugins that
:func:`engine.cluster.prepare_workers` registers write the client's warm
cache (held by the scheduler) into that node cache once, before the first
task; the workers then profile, scale and clean data loading every kernel and
compiling none, are never paused, and give bit-identical results to this
process.

The limit is the smallest the README recommends for an engine worker: once
the engine's dependencies are imported and the first tasks have loaded their
kernels from the cache (no compilation), a worker holds 480-515 MiB, at or just
past Dask's pause threshold (80 %) of a 640 MiB limit, which made this test hang
until its timeout; compiling would add a few hundred MiB more.
"""

from __future__ import annotations

import dask
import numpy as np
import pytest
from cluster_helpers import (
    FreshNodeCluster,
    kernel_counts,
    kernel_plugin_outcome,
    peak_rss,
    seeded_dask_array,
    start_cluster,
    stop_cluster,
    worker_log_text,
)

import engine
from engine.preprocessing import OutlierHandler, RobustScaler, StandardScaler
from engine.stats import profile

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

MEMORY_LIMIT = 768 * 2**20
#: Dask pauses a worker whose process memory passes this share of its limit.
PAUSE_FRACTION = 0.8


def _first_results(X):
    return [
        profile(X),
        StandardScaler().fit_transform(X).compute(),
        RobustScaler().fit_transform(X).compute(),
        OutlierHandler(action="nan").fit_transform(X).compute(),
    ]


def test_fresh_small_workers_load_the_kernels_and_compile_none(tmp_path):
    engine.warmup()  # this process's cache is the one shipped (already warm after `make`)
    node_cache = tmp_path / "node-cache"
    cluster = FreshNodeCluster(node_cache, n_workers=2, memory_limit=str(MEMORY_LIMIT))
    client = start_cluster(cluster)
    try:
        # One worker of the node fetched the client's cache; the other found it warm.
        outcomes = sorted(client.run(kernel_plugin_outcome).values())
        assert outcomes == ["shipped", "warm"], outcomes
        assert any(node_cache.glob("moments.block_moments-*.nbi"))

        X = seeded_dask_array(4, 250, 4, seed=3)
        with dask.config.set(scheduler=client):
            on_cluster = _first_results(X)
        counts = client.run(kernel_counts)
        peaks = client.run(peak_rss)
        log = worker_log_text(cluster)
    finally:
        stop_cluster(cluster, client)

    assert all(c["compiled"] == 0 for c in counts.values()), counts
    assert sum(c["loaded"] for c in counts.values()) > 0, counts
    # Dask pauses a worker whose memory passes 80 % of its limit; none did.
    assert all(peak < PAUSE_FRACTION * MEMORY_LIMIT for peak in peaks.values()), peaks
    assert "Pausing worker" not in log and "exceeded" not in log

    with dask.config.set(scheduler="sync"):
        local = _first_results(X)
    np.testing.assert_array_equal(on_cluster[0].to_numpy(), local[0].to_numpy())
    for got, expected in zip(on_cluster[1:], local[1:], strict=True):
        np.testing.assert_array_equal(got, expected)
