"""Out-of-core benchmark: a 3-step pipeline on a Zarr store larger than the cluster's memory.

``SimpleImputer(median) -> OutlierHandler(iqr, clip) -> StandardScaler``
fitted and applied to a float64 Zarr store (default compressor,
262,144-row chunks) at least twice the total memory limit of a
``LocalCluster`` of 2 single-threaded worker processes, the output written
to a new Zarr store. In the same run, on the same cluster and store (3.3 GB
by default, 2.05x the workers' 2 x 768 MiB):

- ``floor: one read pass``: every chunk read and decompressed once (a sum),
- ``floor: read + write copy``: the store copied to a new store,
- ``engine pipeline``: the engine's ``make_pipeline`` of the three steps,
- ``dask-ml pipeline``: dask-ml's equivalent: its ``SimpleImputer(median)``
  (dask-ml imputes medians only on dask DataFrames, so the array is viewed
  as one), an IQR clip with dask's quantiles (approximate: dask has no exact
  distributed quantile) and its ``StandardScaler``, written to Zarr.

Each variant is the median of ``--repeats`` runs after a warm-up (the
output store is deleted after each run). Also measured: the read passes of
each variant (bytes the workers read over all its runs, from ``/proc/<pid>/io``, over the
store's size on disk: page-cache hits count, so it is a count of reads, not
of disk I/O) and the peak memory of any worker (``VmHWM``) against the
worker memory limit. The engine's result is checked bit for bit against
the same pipeline on the same blocks held in memory (``--quick`` only:
the full store does not fit the workers). Target
(issue 13): engine pipeline at most 2.2x the copy floor, peak worker memory
under the limit.

It starts its own local cluster, so it skips itself under ``--scheduler``.

Run: ``python -m benchmarks --only out_of_core`` (``--quick``: a 40 MB store
on the same workers, one run: a smoke run, the store then fits in memory). The
workers get 768 MiB each: the engine's and dask-ml's imports alone take about
400 MiB of a worker (a 400 MiB limit restarts them before the first task).
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import dask
import dask.array as da
import dask.dataframe as dd
import numpy as np
from _harness import Plot, median_seconds, options, skip, write_results
from bench_scaling import CHUNK_ROWS, N_COLUMNS, reset_peak, source, vm_hwm
from sklearn.base import BaseEstimator, TransformerMixin

from engine.cluster import connect
from engine.data import read_table, write_table
from engine.preprocessing import OutlierHandler, SimpleImputer, StandardScaler, make_pipeline

WORKERS = 2


def make_block(n_rows: int, n_columns: int, block_id=None) -> np.ndarray:
    """Block ``block_id[0]``: skewed, heavy-tailed columns with 1 % NaN, seeded by its index."""
    rng = np.random.default_rng(block_id[0])
    block = rng.standard_normal((n_rows, n_columns))
    block[:, 1] = rng.standard_t(3, n_rows) * 10 + 5
    block[:, 2] = rng.lognormal(0, 1, n_rows)
    block[rng.random(block.shape) < 0.01] = np.nan
    return block


def engine_pipeline():
    return make_pipeline(
        SimpleImputer(strategy="median"),
        OutlierHandler(method="iqr", action="clip"),
        StandardScaler(),
    )


class DaskQuantileClip(TransformerMixin, BaseEstimator):
    """IQR clip with ``dask.dataframe`` quantiles: the peers' way (approximate quartiles)."""

    def fit(self, X, y=None):
        q1, q3 = dask.compute(X.quantile(0.25), X.quantile(0.75))
        width = q3 - q1
        self.lower_, self.upper_ = q1 - 1.5 * width, q3 + 1.5 * width
        return self

    def transform(self, X):
        return X.clip(self.lower_, self.upper_, axis=1)


def dask_ml_pipeline():
    from dask_ml.impute import SimpleImputer as DaskMLImputer
    from dask_ml.preprocessing import StandardScaler as DaskMLScaler
    from sklearn.pipeline import make_pipeline as sk_make_pipeline

    return sk_make_pipeline(DaskMLImputer(strategy="median"), DaskQuantileClip(), DaskMLScaler())


def run_read(X: da.Array, sink: Path) -> None:
    X.sum().compute()


def run_copy(X: da.Array, sink: Path) -> None:
    _write(X, sink)


def run_engine(X: da.Array, sink: Path) -> None:
    _write(engine_pipeline().fit_transform(X), sink)


def run_dask_ml(X: da.Array, sink: Path) -> None:
    frame = dd.from_dask_array(X, columns=[f"x{j}" for j in range(N_COLUMNS)])
    out = dask_ml_pipeline().fit_transform(frame)
    _write(out.to_dask_array(lengths=X.chunks[0]), sink)


def _write(X: da.Array, sink: Path) -> None:
    try:
        write_table(X, sink)
    finally:
        shutil.rmtree(sink, ignore_errors=True)


VARIANTS = {
    "floor: one read pass": run_read,
    "floor: read + write copy": run_copy,
    "engine pipeline": run_engine,
    "dask-ml pipeline": run_dask_ml,
}


def _read_bytes() -> int:
    """Bytes this process has read (``rchar``: every read call, page-cache hits included)."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


def _store_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(client, name: str, X: da.Array, work: Path, repeats: int, stored: int) -> dict:
    """Median seconds of a variant, its read passes and its peak worker memory."""
    run = VARIANTS[name]
    sink = work / "out.zarr"
    client.run(reset_peak)
    before = sum(client.run(_read_bytes).values())
    seconds = median_seconds(lambda: run(X, sink), repeats=repeats)
    passes = (sum(client.run(_read_bytes).values()) - before) / stored / (repeats + 1)
    peak = max(client.run(vm_hwm).values())
    return {"variant": name, "seconds": seconds, "read passes": passes, "peak (MiB)": peak / 2**20}


def check_bits(X: da.Array) -> bool:
    """Whether the pipeline on the store gives the bits of the pipeline on the array in memory.

    The in-memory run holds the same blocks (same chunking) in this process
    under the threaded scheduler.
    """
    out_of_core = engine_pipeline().fit_transform(X).compute()
    in_memory = da.from_array(X.compute(), chunks=X.chunks)
    with dask.config.set(scheduler="threads"):
        expected = engine_pipeline().fit_transform(in_memory).compute()
    return out_of_core.tobytes() == expected.tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=None, help="store size in GB (default 3.3)")
    parser.add_argument(
        "--worker-memory", default="768MiB", help="memory limit of each of the 2 workers"
    )
    parser.add_argument("--data-dir", default=None, help="where the Zarr input is kept")
    args = options(parser=parser)
    if args.scheduler:
        skip(
            "measures a local cluster with a memory limit it starts itself, on a Zarr store on "
            "this machine's disk; it cannot run on a remote scheduler"
        )
    warnings.simplefilter("ignore")
    gb = args.gb or (0.04 if args.quick else 3.3)
    n_blocks = max(2, math.ceil(gb * 1e9 / (CHUNK_ROWS * N_COLUMNS * 8)))
    nbytes = n_blocks * CHUNK_ROWS * N_COLUMNS * 8
    work = Path(args.data_dir or tempfile.mkdtemp(prefix="bench-out-of-core-"))
    work.mkdir(parents=True, exist_ok=True)
    zarr_path = work / f"input-{n_blocks}x{CHUNK_ROWS}x{N_COLUMNS}.zarr"
    if not zarr_path.exists():
        start = time.perf_counter()
        with dask.config.set(scheduler="threads"):
            write_table(source(n_blocks, make_block), zarr_path)
        print(f"wrote {zarr_path} in {time.perf_counter() - start:.1f} s", flush=True)
    stored = _store_bytes(zarr_path)

    rows = []
    client = connect(
        n_workers=WORKERS, threads_per_worker=1, memory_limit=args.worker_memory, timeout=600
    )
    try:
        limit = min(w["memory_limit"] for w in client.scheduler_info()["workers"].values())
        with dask.config.set(scheduler=client):
            X = read_table(zarr_path)
            for name in VARIANTS:
                rows.append(measure(client, name, X, work, args.repeats, stored))
                print(rows[-1], flush=True)
            same_bits = check_bits(X) if args.quick else None
    finally:
        client.close()
    floors = {r["variant"]: r["seconds"] for r in rows}
    for row in rows:
        row["GB"] = nbytes / 1e9
        row["x copy floor"] = row["seconds"] / floors["floor: read + write copy"]
        row["x read floor"] = row["seconds"] / floors["floor: one read pass"]
        row["peak under limit"] = row["peak (MiB)"] * 2**20 < limit
    if args.data_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    meta = {
        "pipeline": "SimpleImputer(median) -> OutlierHandler(iqr, clip) -> StandardScaler, "
        "fit_transform written to a new Zarr store",
        "data": f"{n_blocks * CHUNK_ROWS} x {N_COLUMNS} float64 ({nbytes / 1e9:.2f} GB, "
        f"{stored / 1e9:.2f} GB on disk), {CHUNK_ROWS}-row chunks, 1 % NaN",
        "cluster": f"LocalCluster, {WORKERS} single-threaded worker processes x "
        f"{limit / 2**20:.0f} MiB memory limit (the data is {nbytes / (WORKERS * limit):.2f}x that)",
        "repeats": f"median of {args.repeats} after 1 warm-up",
        "read passes": "bytes read by the workers over the store's size on disk",
        "target": "engine pipeline <= 2.2x the copy floor, peak worker memory under the limit",
    }
    if same_bits is not None:
        meta["engine out of core == in memory, bit for bit"] = same_bits
    write_results(
        "bench_out_of_core",
        rows,
        [
            "variant",
            "GB",
            "seconds",
            "x copy floor",
            "x read floor",
            "read passes",
            "peak (MiB)",
            "peak under limit",
        ],
        meta,
        plot=Plot(variant="variant", value="seconds", ratio="x copy floor"),
        title=f"3-step pipeline on a Zarr store {nbytes / (WORKERS * limit):.2f}x the cluster's "
        "memory: engine, dask-ml, floors",
    )


if __name__ == "__main__":
    main()
