"""``engine serve`` benchmark: latency and throughput of a real uvicorn process on 127.0.0.1.

A run of ``Pipeline(SimpleImputer, StandardScaler, LogisticRegression)`` on
the demo table's 8 numeric columns is served by ``engine serve`` in its own
process (one uvicorn worker). A bounded load is sent from this process over
keep-alive HTTP connections: 2,000 single-row JSON requests from 8
concurrent clients, then 50 requests of 10,000 rows one after another
(``--quick``: 200 and 5). Reported: p50/p99 latency per request and rows
per second. The peer is the same model scored in this process without HTTP
(``score_frame`` on a pandas DataFrame), and the service's own scorer
(``ArrayScorer`` on the request's NumPy columns), the floor that the
service's parsing, validation and transport add to. Targets on a 2-core machine: p99
below 50 ms for one row, at least 200,000 rows/s for 10,000-row batches.

Run: ``python -m benchmarks --only serve`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from _harness import Plot, options, skip, write_results

from engine.data import demo_table
from engine.workflow import (
    ArrayScorer,
    check_spec,
    load_model,
    records_columns,
    run_spec,
    score_frame,
)

CLIENTS = 8
BATCH_ROWS = 10_000


def numeric_features() -> list[str]:
    """The demo table's numeric columns, less the target."""
    meta = demo_table(10, npartitions=1)._meta
    return [c for c in meta.select_dtypes("number").columns if c != "default"]


def train(folder: Path, rows: int) -> Path:
    spec = check_spec(
        {
            "name": "serve-bench",
            "data": {
                "rows": rows,
                "partitions": 2,
                "target": "default",
                "sensitive": "gender",
                "features": numeric_features(),
            },
            "preprocessing": [{"SimpleImputer": {"strategy": "median"}}, {"StandardScaler": {}}],
            "model": {"params": {"max_iter": 300}},
            "evaluation": {"fairness": False, "drift": False, "importance": False},
            "output": {"dir": str(folder), "report": False},
        }
    )
    return run_spec(spec, progress=False, echo=lambda s: None).path


class Service:
    """``engine serve RUN_DIR`` on a free port of 127.0.0.1, stopped on exit."""

    def __init__(self, run_dir: Path):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        argv = [
            sys.executable,
            "-m",
            "engine.cli",
            "serve",
            str(run_dir),
            "--port",
            str(self.port),
            "--max-body-bytes",
            str(64 * 1024 * 1024),
        ]
        self.process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        for line in self.process.stderr:
            if "Uvicorn running on" in line:  # one worker: logged once it listens
                return
        raise RuntimeError("engine serve did not start")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def post_all(port: int, bodies: list[bytes]) -> list[float]:
    """Send ``bodies`` over one keep-alive connection; the seconds each answer took."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    seconds = []
    for body in bodies:
        start = time.perf_counter()
        connection.request("POST", "/predict", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        seconds.append(time.perf_counter() - start)
        if response.status != 200:
            raise RuntimeError(f"status {response.status}: {payload[:200]!r}")
    connection.close()
    return seconds


def load(port: int, bodies: list[bytes], clients: int) -> tuple[list[float], float]:
    """Latencies of every request and the wall time, ``clients`` connections in parallel."""
    shares = [bodies[i::clients] for i in range(clients)]
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [s for part in pool.map(lambda b: post_all(port, b), shares) for s in part]
    return latencies, time.perf_counter() - start


def records(frame) -> bytes:
    rows = frame.to_dict("records")
    return json.dumps([{k: None if v != v else v for k, v in r.items()} for r in rows]).encode()


def row(workload, variant, latencies, wall, rows_per_request, floor=None):
    rate = len(latencies) * rows_per_request / wall
    return {
        "workload": workload,
        "variant": variant,
        "requests": len(latencies),
        "p50 ms": round(1e3 * float(np.percentile(latencies, 50)), 2),
        "p99 ms": round(1e3 * float(np.percentile(latencies, 99)), 2),
        "rows/s": round(rate),
        "rows/s vs in-process": 1.0 if floor is None else round(rate / floor, 3),
    }


def in_process(score, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        score()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    args = options(parser=argparse.ArgumentParser(description=__doc__))
    if args.scheduler:
        skip("serving scores in the service's own process; no Dask scheduler is involved")
    singles, batches = (200, 5) if args.quick else (2_000, 50)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = train(Path(tmp), 20_000 if not args.quick else 5_000)
        model, meta = load_model(run_dir)
        data = demo_table(BATCH_ROWS, npartitions=1, random_state=1).compute()[meta["features"]]
        one = [records(data.iloc[[i % BATCH_ROWS]]) for i in range(singles)]
        big = records(data)
        service = Service(run_dir)
        try:
            load(service.port, one[: CLIENTS * 4], CLIENTS)  # warm-up
            one_lat, one_wall = load(service.port, one, CLIENTS)
            post_all(service.port, [big])  # warm-up
            start = time.perf_counter()
            big_lat = post_all(service.port, [big] * batches)
            big_wall = time.perf_counter() - start
        finally:
            service.close()
        one_row, columns = data.iloc[:1], records_columns(json.loads(big), meta["dtypes"])
        one_columns = {c: v[:1] for c, v in columns.items()}
        scorer = ArrayScorer.for_model(model, meta)
        local_one = in_process(lambda: score_frame(model, one_row, meta), singles)
        local_big = in_process(lambda: score_frame(model, data, meta), batches)
        array_one = in_process(lambda: scorer.score(one_columns), singles)
        array_big = in_process(lambda: scorer.score(columns), batches)
    floor_one = len(local_one) / sum(local_one)
    floor_big = len(local_big) * BATCH_ROWS / sum(local_big)
    rows = [
        row("1 row per request", "in-process score_frame", local_one, sum(local_one), 1),
        row("1 row per request", "in-process ArrayScorer", array_one, sum(array_one), 1, floor_one),
        row(
            "1 row per request", f"engine serve, {CLIENTS} clients", one_lat, one_wall, 1, floor_one
        ),
        row(
            f"{BATCH_ROWS:,} rows per request",
            "in-process score_frame",
            local_big,
            sum(local_big),
            BATCH_ROWS,
        ),
        row(
            f"{BATCH_ROWS:,} rows per request",
            "in-process ArrayScorer",
            array_big,
            sum(array_big),
            BATCH_ROWS,
            floor_big,
        ),
        row(
            f"{BATCH_ROWS:,} rows per request",
            "engine serve, 1 client",
            big_lat,
            big_wall,
            BATCH_ROWS,
            floor_big,
        ),
    ]
    served = [r for r in rows if r["variant"].startswith("engine serve")]
    write_results(
        "bench_serve",
        rows,
        ["workload", "variant", "requests", "p50 ms", "p99 ms", "rows/s", "rows/s vs in-process"],
        {
            "single_row_requests": singles,
            "clients": CLIENTS,
            "batch_requests": batches,
            "batch_rows": BATCH_ROWS,
            "uvicorn_workers": 1,
            "train_rows": 20_000 if not args.quick else 5_000,
            "model": "Pipeline(SimpleImputer(median), StandardScaler, LogisticRegression), 8 numeric features",
        },
        plot=Plot(
            variant="variant",
            value="rows/s",
            ratio="rows/s vs in-process",
            group=["workload"],
            unit="rows/s",
            larger_is_better=True,
            ours="engine serve",
        ),
        title="engine serve on 127.0.0.1: latency and rows/s vs scoring in-process",
        notes=[
            f"Targets: p99 below 50 ms for one row (measured {served[0]['p99 ms']} ms), at least "
            f"200,000 rows/s for {BATCH_ROWS:,}-row batches (measured {served[1]['rows/s']:,}).",
            "Latency is per request as the client sees it (JSON encoding done beforehand).",
        ],
    )


if __name__ == "__main__":
    main()
