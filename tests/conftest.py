"""Shared fixtures: deterministic Dask tokens, hypothesis profile, a real Dask cluster."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import dask
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "engine",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("engine")

dask.config.set({"tokenize.ensure-deterministic": True})

ROW_CHUNKINGS = [1, 3, 7]  # number of row blocks used by the Dask parity tests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dask_cli() -> str:
    exe = Path(sys.executable).with_name("dask")
    return str(exe) if exe.exists() else shutil.which("dask")


class RealCluster:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, stopped on close."""

    def __init__(self, n_workers: int = 2, memory_limit: str = "2GiB", extra_args=()):
        self.dir = Path(tempfile.mkdtemp(prefix="engine-cluster-"))
        self.scheduler_file = self.dir / "scheduler.json"
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        cli = _dask_cli()
        self.scheduler = subprocess.Popen(
            [
                cli,
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dashboard-address",
                ":0",
                "--scheduler-file",
                str(self.scheduler_file),
                *extra_args,
            ],
            stdout=open(self.dir / "scheduler.log", "w"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.workers = []
        for i in range(n_workers):
            self.start_worker(i, memory_limit, env)
        self.n_workers = n_workers

    def start_worker(self, i, memory_limit, env=None):
        env = env or dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
        proc = subprocess.Popen(
            [
                _dask_cli(),
                "worker",
                "--scheduler-file",
                str(self.scheduler_file),
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--memory-limit",
                memory_limit,
                "--name",
                f"w{i}-{len(self.workers)}",
                "--no-dashboard",
                "--local-directory",
                str(self.dir / f"w{len(self.workers)}"),
            ],
            stdout=open(self.dir / f"worker{len(self.workers)}.log", "w"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.workers.append(proc)
        return proc

    def wait(self, client, n_workers=None, timeout=60):
        client.wait_for_workers(n_workers or self.n_workers, timeout=timeout)

    def close(self):
        # Workers first: a worker whose scheduler vanished waits for its nanny's timeout.
        for group in (self.workers, [self.scheduler]):
            for proc in group:
                if proc.poll() is None:
                    proc.terminate()
            for proc in group:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def real_cluster():
    """A session-wide real cluster: 1 scheduler + 2 single-threaded worker processes."""
    cluster = RealCluster(n_workers=2)
    deadline = time.time() + 60
    while not cluster.scheduler_file.exists() and time.time() < deadline:
        time.sleep(0.2)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def cluster_client(real_cluster):
    """A ``distributed.Client`` connected to :func:`real_cluster` (not the default scheduler)."""
    from distributed import Client

    client = Client(real_cluster.address, set_as_default=False, timeout=60)
    real_cluster.wait(client)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (Debian's ``chromium``); skipped when absent unless CI requires it."""
    from tests.headless import REQUIRE_ENV, Chromium, find_chromium

    executable = find_chromium()
    if executable is None:
        message = "Chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}, and {REQUIRE_ENV}=1 requires the browser tests to run")
        pytest.skip(f"{message}; set {REQUIRE_ENV}=1 to make this a failure")
    with Chromium(executable) as browser:
        yield browser


class ServeProcess:
    """``engine serve RUN_DIR`` in a subprocess; ``request`` returns ``(status, JSON body)``."""

    def __init__(self, run_dir, *options):
        port = str(_free_port())
        self.url = f"http://127.0.0.1:{port}"
        argv = [sys.executable, "-m", "engine.cli", "serve", str(run_dir), "--host", "127.0.0.1"]
        argv += ["--port", port, *options]
        self.process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        lines = []
        for line in self.process.stderr:  # blocks until a uvicorn worker serves (or exits)
            lines.append(line)
            if "Application startup complete" in line:
                break
        else:
            raise RuntimeError(f"engine serve did not start: {''.join(lines)}")
        # A uvicorn worker logs its start-up just before it listens on the shared socket.
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", int(port))) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("engine serve started but does not accept connections")

    def request(self, path, body=None, content_type="application/json"):
        data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data)
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stderr.close()


SMALL_RUN_ROWS = 3_000


def small_run_spec(output_dir: Path, **output) -> dict:
    """A quick spec on the demo table: median imputer + scaler + logistic regression, no extras."""
    from engine.workflow import check_spec

    return check_spec(
        {
            "name": "small",
            "data": {
                "rows": SMALL_RUN_ROWS,
                "partitions": 2,
                "target": "default",
                "sensitive": "gender",
            },
            "preprocessing": [{"SimpleImputer": {"strategy": "median"}}, {"StandardScaler": {}}],
            "model": {"params": {"max_iter": 300}},
            "evaluation": {"fairness": False, "drift": False, "importance": False},
            "output": {"dir": str(output_dir), "report": False, **output},
        }
    )


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> Path:
    """The folder of a finished small run (model.skops, record.json, reference.parquet)."""
    from engine.workflow import run_spec

    record = run_spec(
        small_run_spec(tmp_path_factory.mktemp("small-run")), progress=False, echo=lambda s: None
    )
    return record.path
