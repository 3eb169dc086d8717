"""Scaling benchmark: profile + clean + scale on 1 worker, 2 workers and the threaded scheduler.

The workload is the batch job the engine exists for: ``engine.stats.profile``
(moments and exact quartiles, three passes), ``SimpleImputer(mean)``, then
``StandardScaler`` fitted on the imputed data, then the transformed data
materialised. It runs, in one process run and on the same data, on

- ``1 worker``: a ``LocalCluster`` of one single-threaded worker process,
- ``2 workers``: two single-threaded worker processes (this machine has 2 cores),
- ``threads``: Dask's threaded scheduler in this process (2 threads),

for two datasets:

- ``in-memory``: an ``n x 8`` float64 dask array generated *on the workers*
  (``persist``), never embedded in the graph (``da.from_array`` of a NumPy array
  would ship the whole array inside the graph to the scheduler); the output is
  reduced to its column sums on the workers;
- ``zarr``: an on-disk Zarr store (8 GB by default; written once, then reused
  from ``--data-dir``); the output goes to a new Zarr store, deleted after
  each run. Its reads are mostly served by the page cache on a machine with
  enough RAM: a warm-cache figure, as stated in the result file.

Throughput is dataset bytes / wall time of the whole job (median of
``--repeats`` runs after a warm-up). Peak worker memory is the largest
``VmHWM`` (peak RSS) of any worker process over all runs of a variant; for
``threads`` it is this process's peak RSS increase over the run. Targets
(issue 5): 2 workers >= 1.7x one worker; on-disk peak worker memory < 2 GB.

It starts its own local clusters, so it skips itself under ``--scheduler``.

Run: ``python -m benchmarks --only scaling`` (``--quick``: 0.04 GB, one run, and
one cluster grown from 1 to 2 workers instead of a new one per variant).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from _harness import Plot, median_seconds, options, skip, write_results

from engine.cluster import connect
from engine.data import read_table, write_table
from engine.preprocessing import SimpleImputer, StandardScaler
from engine.stats import profile

N_COLUMNS = 8
CHUNK_ROWS = 262_144  # 16 MiB blocks


def make_block(n_rows: int, n_columns: int, block_id=None) -> np.ndarray:
    """Block ``block_id[0]``: uniform data scaled per column, 1 % NaN, seeded by its index."""
    rng = np.random.default_rng(block_id[0])
    block = rng.random((n_rows, n_columns))
    block *= np.arange(1.0, n_columns + 1.0)
    block[block < 0.01] = np.nan
    return block


def source(n_blocks: int, block=make_block) -> da.Array:
    """``n_blocks`` lazy blocks of ``CHUNK_ROWS x N_COLUMNS`` made by ``block`` where computed."""
    return da.map_blocks(
        block,
        CHUNK_ROWS,
        N_COLUMNS,
        chunks=((CHUNK_ROWS,) * n_blocks, (N_COLUMNS,)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )


def job(X: da.Array, sink: Path | None):
    """profile + clean + scale on the active scheduler; the output is materialised."""
    summary = profile(X)
    imputer = SimpleImputer(strategy="mean").fit(X)
    imputed = imputer.transform(X)
    scaler = StandardScaler().fit(imputed)
    out = scaler.transform(imputed)
    if sink is None:
        return summary, out.sum(axis=0).compute()
    try:
        write_table(out, sink)
    finally:
        shutil.rmtree(sink, ignore_errors=True)
    return summary, None


def vm_hwm() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Workers:
    """The local cluster of each variant: ``workers(n)`` is a client of ``n`` worker processes.

    Each variant gets a new cluster (fresh workers: its peak memory is its
    own), except with ``reuse``: one cluster grows from 1 to 2 workers (a quick
    run, where a cluster's start costs more than its runs).
    """

    def __init__(self, reuse: bool):
        self.reuse, self.client = reuse, None

    def __call__(self, n_workers: int):
        if self.client is not None and not self.reuse:
            self.close()
        if self.client is None:
            self.client = connect(n_workers=n_workers, threads_per_worker=1, memory_limit="4GiB")
        else:
            self.client.cluster.scale(n_workers)
            self.client.wait_for_workers(n_workers)
        return self.client

    def close(self) -> None:
        """Stop the cluster, if one runs."""
        if self.client is not None:
            self.client.close()
            self.client = None


def run_variant(
    name: str, client, n_blocks: int, zarr_path: Path, repeats: int, work: Path
) -> list[dict]:
    """Both datasets' rows on ``client``'s cluster, or on Dask's threads when it is None."""
    nbytes = n_blocks * CHUNK_ROWS * N_COLUMNS * 8
    rows = []
    scheduler = client if client is not None else "threads"
    with dask.config.set(scheduler=scheduler):
        # Zarr first: its peak memory is then measured on fresh workers (but for
        # the first of a reused cluster), not on memory the in-memory blocks left.
        for dataset in ("zarr", "in-memory"):
            if dataset == "in-memory":
                X = source(n_blocks).persist()  # generated where it will be used
                dask.compute(X.sum())  # wait until every block exists
                sink = None
            else:
                X = read_table(zarr_path)
                sink = work / f"out-{name.replace(' ', '')}.zarr"
            if client is not None:
                client.run(reset_peak)
            base = _rss()
            reset_peak()
            seconds = median_seconds(lambda X=X, sink=sink: job(X, sink), repeats=repeats)
            if client is not None:
                peak = max(client.run(vm_hwm).values())
            else:
                peak = max(0, vm_hwm() - base)
            rows.append(
                {
                    "dataset": dataset,
                    "scheduler": name,
                    "GB": nbytes / 1e9,
                    "seconds": seconds,
                    "GB/s": nbytes / 1e9 / seconds,
                    "peak worker memory (GB)": peak / 1e9,
                }
            )
            print(rows[-1], flush=True)
            del X
    return rows


def reset_peak() -> bool:
    """Reset this process's peak RSS (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=None, help="dataset size in GB (default 8)")
    parser.add_argument("--data-dir", default=None, help="where the Zarr input is kept")
    args = options(parser=parser)
    if args.scheduler:
        skip(
            "compares local clusters of 1 and 2 workers it starts itself, on a Zarr store "
            "on this machine's disk; it cannot run on a remote scheduler"
        )
    gb = args.gb or (0.04 if args.quick else 8.0)
    repeats = args.repeats
    n_blocks = max(2, math.ceil(gb * 1e9 / (CHUNK_ROWS * N_COLUMNS * 8)))
    work = Path(args.data_dir or tempfile.mkdtemp(prefix="bench-scaling-"))
    work.mkdir(parents=True, exist_ok=True)
    zarr_path = work / f"input-{n_blocks}x{CHUNK_ROWS}x{N_COLUMNS}.zarr"
    if not zarr_path.exists():
        start = time.perf_counter()
        with dask.config.set(scheduler="threads"):  # untimed; no cluster to start for it
            write_table(source(n_blocks), zarr_path)
        print(f"wrote {zarr_path} in {time.perf_counter() - start:.1f} s", flush=True)

    rows = []
    workers = Workers(reuse=args.quick)
    try:
        for name, n_workers in (("1 worker", 1), ("2 workers", 2), ("threads", 0)):
            if not n_workers:
                workers.close()  # the threaded scheduler runs alone
            client = workers(n_workers) if n_workers else None
            rows += run_variant(name, client, n_blocks, zarr_path, repeats, work)
    finally:
        workers.close()
    for dataset in ("in-memory", "zarr"):
        by = {r["scheduler"]: r for r in rows if r["dataset"] == dataset}
        for r in by.values():
            r["speed-up vs 1 worker"] = by["1 worker"]["seconds"] / r["seconds"]
    if args.data_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    meta = {
        "job": "profile + SimpleImputer(mean) + StandardScaler fit, transform materialised",
        "rows x columns": f"{n_blocks * CHUNK_ROWS} x {N_COLUMNS} float64, {CHUNK_ROWS}-row blocks",
        "repeats": f"median of {repeats} after 1 warm-up",
        "zarr": "uncompressed Zarr on local disk, warm page cache; output written to a new store",
        "targets": "2 workers >= 1.7x 1 worker; zarr peak worker memory < 2 GB",
        "clusters": (
            "one, grown from 1 to 2 workers (quick: the 2-worker peak memory includes what "
            "the 1-worker runs left in the first worker)"
            if args.quick
            else "a new cluster per variant"
        ),
    }
    columns = [
        "dataset",
        "scheduler",
        "GB",
        "seconds",
        "GB/s",
        "speed-up vs 1 worker",
        "peak worker memory (GB)",
    ]
    write_results(
        "bench_scaling",
        rows,
        columns,
        meta,
        plot=Plot(
            variant="scheduler",
            value="GB/s",
            unit="GB/s",
            ratio="speed-up vs 1 worker",
            group=["dataset"],
            larger_is_better=True,
            ours="",
        ),
        title="profile + clean + scale throughput: 1 worker, 2 workers, threads",
    )


if __name__ == "__main__":
    main()
