"""engine.cluster.connect: address, environment, dask config, local cluster, what it closes."""

from __future__ import annotations

import os
import pickle

import dask
import pytest

from engine.cluster import connect, resolve_address, resolve_security
from tests._subprocess import run_python

pytestmark = pytest.mark.cluster


@pytest.fixture
def no_configured_scheduler(monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": None}):
        yield


def _worker_count(client) -> int:
    return len(client.scheduler_info(n_workers=-1)["workers"])


def test_address_connects_and_closes_only_the_client(real_cluster, cluster_client):
    with connect(real_cluster.address) as client:
        assert client.scheduler.address == real_cluster.address
        assert client.submit(sum, [1, 2]).result() == 3
        # The client is Dask's default scheduler inside the block.
        assert dask.delayed(sum)([3, 4]).compute() == 7
        assert dask.base.get_scheduler() == client.get
    assert client.status == "closed"
    assert _worker_count(cluster_client) == 2  # scheduler and workers still running
    assert cluster_client.submit(sum, [5, 6]).result() == 11


def test_environment_variable_is_honoured(real_cluster, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", real_cluster.address)
    assert resolve_address() == real_cluster.address
    with connect() as client:
        assert client.scheduler.address == real_cluster.address
        assert client.cluster is None  # no local cluster was started


def test_dask_config_is_honoured(real_cluster, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with dask.config.set({"scheduler-address": real_cluster.address}), connect() as client:
        assert client.scheduler.address == real_cluster.address


def test_explicit_address_wins_over_environment(real_cluster, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    assert resolve_address(real_cluster.address) == real_cluster.address


def test_local_cluster_of_processes(no_configured_scheduler):
    with connect(n_workers=1, memory_limit="1GiB") as client:
        cluster = client.cluster
        (info,) = client.scheduler_info(n_workers=-1)["workers"].values()
        assert info["nthreads"] == 1 and info["memory_limit"] == 2**30
        env = client.run(
            lambda: {
                k: os.environ.get(k)
                for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
            }
        )
        (worker_env,) = env.values()
        assert worker_env == {
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        pid = next(iter(client.run(os.getpid).values()))
        assert pid != os.getpid()
    assert cluster.status.name == "closed"  # connect started it, so closing stops it


def test_local_default_is_sized_to_the_machine(no_configured_scheduler):
    with connect(processes=False) as client:
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        assert len(workers) == len(os.sched_getaffinity(0))
        assert all(w["nthreads"] == 1 for w in workers)


@pytest.mark.parametrize(
    "kwargs",
    [{"n_workers": 2}, {"memory_limit": "1GiB"}, {"threads_per_worker": 1}, {"processes": False}],
)
def test_local_sizing_with_an_address_is_refused(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        connect("tcp://127.0.0.1:1", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_workers": 0}, ValueError, "n_workers"),
        ({"threads_per_worker": 1.5}, ValueError, "threads_per_worker"),
        ({"address": 8786}, TypeError, "address"),
        ({"address": "tcp://127.0.0.1:1", "security": "ssl"}, ValueError, "security"),
        ({"address": "tcp://127.0.0.1:1", "security": 3}, TypeError, "security"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        connect(**kwargs)


def test_security_mapping_is_checked(tmp_path):
    with pytest.raises(ValueError, match="ca_file"):
        resolve_security({"cert": str(tmp_path / "c.pem")})
    with pytest.raises(ValueError, match="no such file"):
        resolve_security({"ca_file": str(tmp_path / "ca.pem"), "cert": str(tmp_path / "c.pem")})
    with (
        dask.config.set({"distributed.comm.tls.ca-file": None}),
        pytest.raises(ValueError, match="certificate paths"),
    ):
        resolve_security("tls")


def test_kernels_travel_by_name():
    """A kernel unpickled in another process is that process's cached module attribute."""
    from engine.kernels.moments import block_moments

    payload = pickle.dumps(block_moments)
    assert len(payload) < 500  # a reference, not Numba's by-value bytecode
    check = (
        "import pickle, sys; f = pickle.loads(sys.stdin.buffer.read()); "
        "import engine.kernels.moments as m; print(f is m.block_moments)"
    )
    out = run_python(check, input=payload, timeout=60)
    assert out.stdout.strip() == b"True"


def test_numba_functions_pickle_cleanly_to_workers(real_cluster, cluster_client):
    """On real workers: an engine kernel arrives as the worker's own module attribute
    (loaded from its cache); a user's Numba function still travels by value and runs."""
    import numpy as np
    from cluster_helpers import call_on_range, is_module_attribute
    from numba import njit

    from engine.kernels.moments import block_moments

    same = cluster_client.submit(
        is_module_attribute, block_moments, "engine.kernels.moments", "block_moments", pure=False
    )
    assert same.result(timeout=300) is True

    @njit
    def affine(x):  # defined here: no worker can import it, so it must travel by value
        return 2.0 * x + 1.0

    values, pid = cluster_client.submit(call_on_range, affine, 5, pure=False).result(timeout=300)
    assert pid != os.getpid() and pid in cluster_client.run(os.getpid).values()
    np.testing.assert_array_equal(values, affine(np.arange(5.0)))
