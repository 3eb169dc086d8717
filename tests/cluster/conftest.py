"""Extra real clusters for tests/cluster: fault injection, small memory, TLS."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_helpers import (  # noqa: E402
    REPO,
    SMALL_MEMORY_LIMIT,
    RealCluster,
    TLSCluster,
    make_certificates,
    start_cluster,
    stop_cluster,
)

# Scheduler and worker processes unpickle functions by reference: they must import
# ``engine`` (even when it is not pip-installed) and ``cluster_helpers`` (the task
# functions of these tests live there, not in the test modules).
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
for _path in (str(REPO), str(Path(__file__).resolve().parent)):
    if _path not in _paths:
        _paths.insert(0, _path)
os.environ["PYTHONPATH"] = os.pathsep.join(_paths)

# Importing engine.cluster makes Numba kernels travel to workers by name (see
# engine.cluster.send_kernels_by_reference), so workers load them from the cache.
import engine.cluster  # noqa: E402, F401


def _running(n_workers: int, memory_limit: str):
    cluster = RealCluster(n_workers=n_workers, memory_limit=memory_limit)
    client = start_cluster(cluster)
    try:
        yield cluster, client
    finally:
        stop_cluster(cluster, client)


@pytest.fixture(scope="module")
def fault_cluster():
    """Three single-threaded workers: the third one is the victim of SIGKILL tests."""
    yield from _running(3, "1GiB")


@pytest.fixture(scope="module")
def small_memory_cluster():
    """Two single-threaded workers limited to :data:`SMALL_MEMORY_LIMIT` bytes each."""
    yield from _running(2, str(SMALL_MEMORY_LIMIT))


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_certs(tmp_path_factory):
    """Paths of a CA, certificate and key generated for this test module."""
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_cluster(tls_certs):
    """A TLS-only scheduler and one TLS worker (the client is the test's business)."""
    from distributed.security import Security

    cluster = TLSCluster(tls_certs)
    security = Security(
        tls_ca_file=tls_certs["ca_file"],
        tls_client_cert=tls_certs["cert"],
        tls_client_key=tls_certs["key"],
        require_encryption=True,
    )
    client = start_cluster(cluster, security=security)
    try:
        yield cluster
    finally:
        # Retire the worker through the scheduler first: a TLS worker told to stop
        # by a signal can hang in its close until its nanny kills it (8 s).
        client.retire_workers(close_workers=True)
        stop_cluster(cluster, client)
