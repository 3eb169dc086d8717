"""Out-of-core: a Zarr array 5x larger than a worker's memory limit, profiled, cleaned, scaled.

Two single-threaded workers limited to ``SMALL_MEMORY_LIMIT`` each read a
Zarr store on disk (written by the test, > 5x that limit), profile it, fit
``SimpleImputer(mean) -> StandardScaler`` and write the transformed data to a
new Zarr store. No worker may exceed its limit (peak RSS from ``VmHWM``) or be
restarted (same worker processes before and after, no restart in the nanny
logs), and every statistic and output block must equal a chunk-by-chunk NumPy
reference computed in the test process.
"""

from __future__ import annotations

import math
import os

import dask
import dask.array as da
import numpy as np
import pytest
from cluster_helpers import SMALL_MEMORY_LIMIT, ooc_block, peak_rss, worker_log_text

from engine.data import read_table, write_table

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

N_COLUMNS = 8
CHUNK_ROWS = 65_536  # 4 MiB blocks
N_BLOCKS = math.ceil(5.1 * SMALL_MEMORY_LIMIT / (CHUNK_ROWS * N_COLUMNS * 8))
N_ROWS = N_BLOCKS * CHUNK_ROWS


def _source() -> da.Array:
    return da.map_blocks(
        ooc_block,
        CHUNK_ROWS,
        N_COLUMNS,
        chunks=((CHUNK_ROWS,) * N_BLOCKS, (N_COLUMNS,)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )


def _reference_statistics(store) -> dict:
    """Chunk-by-chunk NumPy: non-NaN mean, the imputed data's mean and std (ddof=0)."""
    count = np.zeros(N_COLUMNS)
    total = np.zeros(N_COLUMNS)
    for start in range(0, N_ROWS, CHUNK_ROWS):
        block = store[start : start + CHUNK_ROWS]
        count += np.sum(~np.isnan(block), axis=0)
        total += np.nansum(block, axis=0)
    mean = total / count
    shifted_sum = np.zeros(N_COLUMNS)
    shifted_squares = np.zeros(N_COLUMNS)
    for start in range(0, N_ROWS, CHUNK_ROWS):
        block = store[start : start + CHUNK_ROWS]
        filled = np.where(np.isnan(block), mean, block) - mean
        shifted_sum += filled.sum(axis=0)
        shifted_squares += np.square(filled).sum(axis=0)
    offset = shifted_sum / N_ROWS
    return {
        "count": count,
        "mean": mean,
        "imputed_mean": mean + offset,
        "imputed_std": np.sqrt(shifted_squares / N_ROWS - offset**2),
    }


def _job(source_path, target_path):
    from engine.preprocessing import SimpleImputer, StandardScaler
    from engine.stats import profile

    X = read_table(source_path)
    summary = profile(X)
    imputer = SimpleImputer(strategy="mean").fit(X)
    imputed = imputer.transform(X)
    scaler = StandardScaler().fit(imputed)
    write_table(scaler.transform(imputed), target_path)
    return X, summary, imputer, scaler


def test_zarr_five_times_worker_memory(small_memory_cluster, tmp_path):
    import zarr

    cluster, client = small_memory_cluster
    source_path, target_path = tmp_path / "source.zarr", tmp_path / "scaled.zarr"
    nbytes = N_ROWS * N_COLUMNS * 8
    assert nbytes >= 5 * SMALL_MEMORY_LIMIT

    pids_before = client.run(os.getpid)
    with dask.config.set(scheduler=client):
        write_table(_source(), source_path)  # generated and written by the workers
        X, summary, imputer, scaler = _job(source_path, target_path)
        assert X.nbytes == nbytes and X.numblocks[0] == N_BLOCKS

    # No worker was restarted or went over its limit.
    assert client.run(os.getpid) == pids_before, "a worker was restarted"
    peaks = client.run(peak_rss)
    assert all(peak < SMALL_MEMORY_LIMIT for peak in peaks.values()), peaks
    log = worker_log_text(cluster)
    # Pausing at 80 % ("Worker is at ... Pausing worker") is Dask's back-pressure
    # doing its job and is allowed; exceeding the limit, a kill or a restart is not.
    for sign in ("exceeded", "Restarting worker", "was killed"):
        assert sign not in log, f"worker log: {sign!r}"

    store = zarr.open_array(str(source_path), mode="r")
    ref = _reference_statistics(store)
    np.testing.assert_array_equal(summary["count"].to_numpy(), ref["count"])
    np.testing.assert_allclose(summary["mean"].to_numpy(), ref["mean"], rtol=1e-12)
    np.testing.assert_allclose(imputer.statistics_, ref["mean"], rtol=1e-12)
    np.testing.assert_allclose(scaler.mean_, ref["imputed_mean"], rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, ref["imputed_std"], rtol=1e-12)

    out = zarr.open_array(str(target_path), mode="r")
    assert out.shape == (N_ROWS, N_COLUMNS)
    for start in range(0, N_ROWS, CHUNK_ROWS):
        block = store[start : start + CHUNK_ROWS]
        expected = (
            np.where(np.isnan(block), imputer.statistics_, block) - scaler.mean_
        ) / scaler.scale_
        np.testing.assert_allclose(
            out[start : start + CHUNK_ROWS], expected, rtol=1e-12, atol=1e-12
        )
