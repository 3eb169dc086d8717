"""Helpers for tests/cluster: real clusters (plain, TLS), certificates, worker facts.

Every cluster here is the real ``dask scheduler`` / ``dask worker`` programs,
started by the :class:`RealCluster` class of ``tests/conftest.py`` (loaded by
path, because pytest registers both conftest files under the name ``conftest``).
"""

from __future__ import annotations

import datetime
import importlib.util
import ipaddress
import os
import subprocess
import time
from pathlib import Path

from sklearn.linear_model import Ridge

from engine.cluster import prepare_scheduler, prepare_workers

REPO = Path(__file__).resolve().parents[2]


def _load_root_conftest():
    spec = importlib.util.spec_from_file_location(
        "engine_tests_root_conftest", REPO / "tests" / "conftest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ROOT = _load_root_conftest()
RealCluster = _ROOT.RealCluster
ROW_CHUNKINGS = _ROOT.ROW_CHUNKINGS

#: Worker memory limit of the out-of-core cluster. A worker process that has
#: imported dask.array (which pulls pandas, scipy.sparse, xarray, numba) sits
#: near 340-400 MiB before any data arrives and near 520 MiB once its first tasks
#: have loaded their kernels; Dask pauses a worker at 80 % of its limit, which a
#: 640 MiB worker reached (it then hung), so the limit is 768 MiB.
SMALL_MEMORY_LIMIT = 768 * 2**20


def start_cluster(cluster, n_workers=None, *, security=None, timeout=60):
    """Wait for the scheduler file and workers of ``cluster``; return a connected Client."""
    from distributed import Client

    deadline = time.time() + timeout
    while not cluster.scheduler_file.exists() and time.time() < deadline:
        time.sleep(0.1)
    client = Client(cluster.address, set_as_default=False, timeout=timeout, security=security)
    cluster.wait(client, n_workers, timeout=max(1.0, deadline - time.time()))
    assert prepare_scheduler(client), "the scheduler cannot import engine"
    prepare_workers(client)  # kernels ready on every worker, compiled in none
    return client


def stop_cluster(cluster, client=None) -> None:
    """Close ``client``, stop the workers, then the scheduler.

    Stopping the workers first avoids a race in which a worker whose scheduler
    vanished mid-shutdown hangs until its nanny kills it 8 s later.
    """
    if client is not None:
        client.close()
    for proc in cluster.workers:
        if proc.poll() is None:
            proc.terminate()
    for proc in cluster.workers:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    cluster.close()


def worker_pids(client) -> dict[str, int]:
    """Worker address -> pid of the worker process (not its nanny)."""
    return client.run(os.getpid)


def worker_log_text(cluster) -> str:
    """All worker (and nanny) log files of a RealCluster, concatenated."""
    return "\n".join(p.read_text(errors="replace") for p in sorted(cluster.dir.glob("worker*.log")))


# --------------------------------------------------------------------------- TLS


def _write_pem(path: Path, obj) -> str:
    from cryptography.hazmat.primitives import serialization

    if hasattr(obj, "private_bytes"):
        data = obj.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    else:
        data = obj.public_bytes(serialization.Encoding.PEM)
    path.write_bytes(data)
    return str(path)


def make_certificates(directory: Path, name: str = "engine-test") -> dict[str, str]:
    """A self-signed CA and a certificate for 127.0.0.1/localhost signed by it.

    Returns the paths ``{"ca_file", "cert", "key"}`` (PEM).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    valid = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return {
        "ca_file": _write_pem(directory / "ca.pem", ca_cert),
        "cert": _write_pem(directory / "cert.pem", cert),
        "key": _write_pem(directory / "key.pem", key),
    }


class TLSCluster(RealCluster):
    """A RealCluster whose scheduler and workers only speak TLS with the given certificates."""

    def __init__(self, certs: dict[str, str], n_workers: int = 1, memory_limit: str = "1GiB"):
        self.certs = certs
        tls_args = [
            "--protocol", "tls",
            "--tls-ca-file", certs["ca_file"],
            "--tls-cert", certs["cert"],
            "--tls-key", certs["key"],
        ]  # fmt: skip
        super().__init__(n_workers=n_workers, memory_limit=memory_limit, extra_args=tls_args)
        self.address = self.address.replace("tcp://", "tls://")

    def start_worker(self, i, memory_limit, env=None):
        # ``dask worker`` reads its TLS settings from dask config (here: environment).
        env = dict(env or os.environ)
        env.update(
            DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True",
            DASK_DISTRIBUTED__COMM__TLS__CA_FILE=self.certs["ca_file"],
            DASK_DISTRIBUTED__COMM__TLS__WORKER__CERT=self.certs["cert"],
            DASK_DISTRIBUTED__COMM__TLS__WORKER__KEY=self.certs["key"],
        )
        return super().start_worker(i, memory_limit, env)


class FreshNodeCluster(RealCluster):
    """A RealCluster whose workers share the kernel cache ``kernel_cache`` (a new node's)."""

    def __init__(self, kernel_cache: Path, n_workers: int = 2, memory_limit: str = "1GiB"):
        self.kernel_cache = kernel_cache
        super().__init__(n_workers=n_workers, memory_limit=memory_limit)

    def start_worker(self, i, memory_limit, env=None):
        env = dict(env or os.environ, ENGINE_KERNEL_CACHE=str(self.kernel_cache))
        return super().start_worker(i, memory_limit, env)


# --------------------------------------------------------------------------- task functions
# Functions that run inside tasks live here: workers import this module by name.


def seeded_block(seed: int, n_rows: int, n_columns: int, nan_fraction: float = 0.05):
    """A reproducible float block (normal data, some NaN) made from ``seed`` alone."""
    import numpy as np

    rng = np.random.default_rng(seed)
    block = rng.normal(loc=3.0, scale=2.0, size=(n_rows, n_columns))
    block[rng.random(block.shape) < nan_fraction] = np.nan
    return block


def slow_seeded_block(seed: int, n_rows: int, n_columns: int, delay: float = 0.02):
    """:func:`seeded_block` after sleeping ``delay`` seconds (to stretch a computation)."""
    time.sleep(delay)
    return seeded_block(seed, n_rows, n_columns)


def seeded_dask_array(n_blocks: int, block_rows: int, n_columns: int, *, seed: int = 0, delay=0.0):
    """A dask array whose row blocks are generated on the workers, not embedded in the graph."""
    import dask
    import dask.array as da

    func = slow_seeded_block if delay else seeded_block
    args = (delay,) if delay else ()
    blocks = [
        da.from_delayed(
            dask.delayed(func, pure=True)(seed * 100_003 + i, block_rows, n_columns, *args),
            shape=(block_rows, n_columns),
            dtype=float,
        )
        for i in range(n_blocks)
    ]
    return da.concatenate(blocks, axis=0)


def seeded_numpy(n_blocks: int, block_rows: int, n_columns: int, *, seed: int = 0):
    """The NumPy array equal to :func:`seeded_dask_array` (same blocks, concatenated)."""
    import numpy as np

    return np.concatenate(
        [seeded_block(seed * 100_003 + i, block_rows, n_columns) for i in range(n_blocks)]
    )


class SlowRidge(Ridge):
    """``Ridge`` whose ``fit`` first sleeps ``delay`` seconds (to stretch a search)."""

    def __init__(self, alpha=1.0, delay=0.1):
        super().__init__(alpha=alpha)
        self.delay = delay

    def fit(self, X, y, sample_weight=None):
        time.sleep(self.delay)
        return super().fit(X, y, sample_weight=sample_weight)


# --------------------------------------------------------------------------- faults


def worker_named(client, prefix: str) -> str:
    """Address of the worker whose name starts with ``prefix`` (e.g. ``"w2-"``)."""
    for address, info in client.scheduler_info(n_workers=-1)["workers"].items():
        if str(info.get("name", "")).startswith(prefix):
            return address
    raise LookupError(f"no worker named {prefix}*")


def kill_when_busy(client, address: str, running, *, min_keys: int = 1, timeout: float = 60):
    """SIGKILL the worker process at ``address`` once it holds results and work is running.

    ``running()`` tells whether the computation is still going; the kill must
    land while it is (an AssertionError otherwise). Returns the number of
    results the worker held when it died (lost, so they must be recomputed).
    """
    import signal

    pid = client.run(os.getpid, workers=[address])[address]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not running():
            raise AssertionError("the computation finished before the worker could be killed")
        held = client.has_what(workers=[address]).get(address, ())
        if len(held) >= min_keys:
            os.kill(pid, signal.SIGKILL)
            return len(held)
        time.sleep(0.01)
    raise AssertionError(f"worker {address} held no result within {timeout} s")


def wait_until(predicate, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --------------------------------------------------------------------------- out of core


def ooc_block(n_rows: int, n_columns: int, block_id=None):
    """Block ``block_id[0]`` of the out-of-core dataset: uniform data, 1 % NaN, from its index alone."""
    import numpy as np

    rng = np.random.default_rng(1_000 + block_id[0])
    block = rng.random((n_rows, n_columns))
    block *= np.arange(1.0, n_columns + 1.0)  # a different scale per column
    block[block < 0.01] = np.nan
    return block


def repeated_boosting_block(n_rows: int, n_features: int, block_id=None):
    """The same block whatever ``block_id``: integer features in 0..7 and a noisy linear target last.

    A dataset of copies of one block trains the same XGBoost model as that
    block alone when leaves are unregularised (``reg_lambda=0``): histogram
    sums, gains and leaf values only scale with the number of copies, and
    8 distinct feature values are binned exactly however rows are split.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.integers(0, 8, (n_rows, n_features)).astype(np.float64)
    coef = np.linspace(-2.0, 2.0, n_features)
    y = X @ coef + rng.normal(0.0, 2.0, n_rows)
    return np.column_stack([X, y])


def peak_rss() -> int:
    """Peak resident set size of this process in bytes (Linux ``VmHWM``)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def assert_workers_stayed_under(cluster, client, pids_before: dict, limit: int) -> None:
    """No worker of ``cluster`` was restarted or went over ``limit`` bytes (peak RSS, logs)."""
    assert client.run(os.getpid) == pids_before, "a worker was restarted"
    peaks = client.run(peak_rss)
    assert all(peak < limit for peak in peaks.values()), peaks
    log = worker_log_text(cluster)
    # Pausing at 80 % ("Worker is at ... Pausing worker") is Dask's back-pressure
    # doing its job and is allowed; exceeding the limit, a kill or a restart is not.
    for sign in ("exceeded", "Restarting worker", "was killed"):
        assert sign not in log, f"worker log: {sign!r}"


# --------------------------------------------------------------------------- kernel cache


def kernel_counts() -> dict:
    """This process's kernel signatures compiled and loaded from the cache so far."""
    from engine.kernels import kernel_dispatchers

    kernels = kernel_dispatchers().values()
    return {
        "compiled": sum(sum(k.stats.cache_misses.values()) for k in kernels),
        "loaded": sum(sum(k.stats.cache_hits.values()) for k in kernels),
    }


def is_module_attribute(obj, module: str, name: str) -> bool:
    """Whether ``obj`` (unpickled in this process) is ``module.name`` itself."""
    import importlib

    return obj is getattr(importlib.import_module(module), name)


def call_on_range(function, n: int):
    """``function(np.arange(n))`` in this process (a worker), with this process's pid."""
    import numpy as np

    return function(np.arange(n, dtype=np.float64)), os.getpid()


def kernel_plugin_outcome(dask_worker) -> str | None:
    """What the engine's kernel-cache plugin did when this worker started."""
    return dask_worker.plugins["engine-kernel-cache"].outcome
