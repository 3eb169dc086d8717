"""Out-of-core: a Zarr array 3x a worker's memory limit (1.5x the cluster's), cleaned, scaled.

Two single-threaded workers limited to ``SMALL_MEMORY_LIMIT`` each read a
Zarr store on disk (written by the workers, >= 3x that limit and more than
both limits together, so no worker and not the cluster can hold it), profile
it, fit ``SimpleImputer(mean) -> StandardScaler`` and write the transformed
data to a new Zarr store. No worker may exceed its limit (peak RSS from
``VmHWM``) or be restarted (same worker processes before and after, no restart
in the nanny logs), and every statistic and output block must equal a
chunk-by-chunk NumPy reference computed in the test process.

Cost: the limit cannot go lower (a worker's imports alone take ~350 MiB, see
``SMALL_MEMORY_LIMIT``), so the data is the smallest that proves the property
(3x one limit, 1.5x the cluster's memory) in 8 MiB blocks (fewer tasks), and
the reference reads the stores in two passes. The kernels come from the
client's cache through the plugins of ``prepare_workers``: nothing compiles.
"""

from __future__ import annotations

import math
import os

import dask
import dask.array as da
import numpy as np
import pytest
from cluster_helpers import SMALL_MEMORY_LIMIT, assert_workers_stayed_under, ooc_block

from engine.data import read_table, write_table

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

N_COLUMNS = 8
N_WORKERS = 2  # the small_memory_cluster fixture's
CHUNK_ROWS = 131_072  # 8 MiB blocks
N_BLOCKS = math.ceil(3.05 * SMALL_MEMORY_LIMIT / (CHUNK_ROWS * N_COLUMNS * 8))
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


def _blocks(store):
    for start in range(0, N_ROWS, CHUNK_ROWS):
        yield slice(start, start + CHUNK_ROWS), store[start : start + CHUNK_ROWS]


def _reference_mean(store) -> tuple[np.ndarray, np.ndarray]:
    """Chunk-by-chunk NumPy: the non-NaN count and mean of each column."""
    count = np.zeros(N_COLUMNS)
    total = np.zeros(N_COLUMNS)
    for _, block in _blocks(store):
        count += np.sum(~np.isnan(block), axis=0)
        total += np.nansum(block, axis=0)
    return count, total / count


def _check_output_and_imputed_moments(store, out, mean, imputer, scaler) -> dict:
    """One pass: each output block against NumPy with the fitted statistics; the
    imputed data's mean and std (ddof=0) from ``mean``, chunk by chunk."""
    shifted_sum = np.zeros(N_COLUMNS)
    shifted_squares = np.zeros(N_COLUMNS)
    for rows, block in _blocks(store):
        filled = np.where(np.isnan(block), mean, block) - mean
        shifted_sum += filled.sum(axis=0)
        shifted_squares += np.square(filled).sum(axis=0)
        expected = (
            np.where(np.isnan(block), imputer.statistics_, block) - scaler.mean_
        ) / scaler.scale_
        np.testing.assert_allclose(out[rows], expected, rtol=1e-12, atol=1e-12)
    offset = shifted_sum / N_ROWS
    return {
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


def test_zarr_three_times_worker_memory(small_memory_cluster, tmp_path):
    import zarr

    cluster, client = small_memory_cluster
    source_path, target_path = tmp_path / "source.zarr", tmp_path / "scaled.zarr"
    nbytes = N_ROWS * N_COLUMNS * 8
    assert nbytes >= 3 * SMALL_MEMORY_LIMIT and nbytes > N_WORKERS * SMALL_MEMORY_LIMIT

    pids_before = client.run(os.getpid)
    assert len(pids_before) == N_WORKERS
    with dask.config.set(scheduler=client):
        write_table(_source(), source_path)  # generated and written by the workers
        X, summary, imputer, scaler = _job(source_path, target_path)
        assert X.nbytes == nbytes and X.numblocks[0] == N_BLOCKS

    assert_workers_stayed_under(cluster, client, pids_before, SMALL_MEMORY_LIMIT)

    store = zarr.open_array(str(source_path), mode="r")
    out = zarr.open_array(str(target_path), mode="r")
    assert out.shape == (N_ROWS, N_COLUMNS)
    count, mean = _reference_mean(store)
    np.testing.assert_array_equal(summary["count"].to_numpy(), count)
    np.testing.assert_allclose(summary["mean"].to_numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(imputer.statistics_, mean, rtol=1e-12)
    imputed = _check_output_and_imputed_moments(store, out, mean, imputer, scaler)
    np.testing.assert_allclose(scaler.mean_, imputed["imputed_mean"], rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, imputed["imputed_std"], rtol=1e-12)
