"""TLS: a scheduler and worker with certificates made in the test; no certificate, no entry."""

from __future__ import annotations

import dask
import numpy as np
import pytest
from cluster_helpers import make_certificates, seeded_dask_array, seeded_numpy

from engine.cluster import connect
from engine.data import as_table
from engine.stats.internal import column_moments

pytestmark = pytest.mark.cluster

SHAPE = (4, 150, 3)  # blocks, rows per block, columns


def _fit(scheduler):
    """A fit: the column moments of an array generated on the workers, computed once."""
    lazy = seeded_dask_array(*SHAPE, seed=5)
    return dask.compute(column_moments(as_table(lazy)), scheduler=scheduler)[0]


def test_connect_with_security_object_runs_a_fit(tls_cluster, tls_certs):
    from distributed.security import Security

    security = Security(
        tls_ca_file=tls_certs["ca_file"],
        tls_client_cert=tls_certs["cert"],
        tls_client_key=tls_certs["key"],
        require_encryption=True,
    )
    with connect(tls_cluster.address, security=security) as client:
        assert client.scheduler.address.startswith("tls://")
        workers = client.scheduler_info()["workers"]
        assert workers and all(addr.startswith("tls://") for addr in workers)
        on_cluster = _fit(client)
    np.testing.assert_array_equal(on_cluster, _fit("sync"))
    X = seeded_numpy(*SHAPE, seed=5)
    np.testing.assert_allclose(on_cluster[2], np.nanmean(X, axis=0), rtol=1e-12)


def test_connect_with_certificate_paths(tls_cluster, tls_certs):
    with connect(tls_cluster.address, security=dict(tls_certs)) as client:
        assert client.submit(sum, [1, 2, 3]).result() == 6


def _connection_error(connect_once):
    """The error raised by ``connect_once()``; retries when the client's IO loop fails to start.

    On an overloaded machine distributed's IO-loop thread may miss its 10 s
    start-up deadline (an AssertionError inside distributed): that says
    nothing about TLS, so the attempt is repeated.
    """
    for _ in range(3):
        try:
            client = connect_once()
        except AssertionError:
            continue
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            return exc
        client.close()
        raise AssertionError("the connection was accepted")
    raise AssertionError("could not start a client IO loop")


def test_client_without_certificates_is_refused(tls_cluster):
    from distributed import Client

    error = _connection_error(lambda: Client(tls_cluster.address, timeout=3, set_as_default=False))
    assert isinstance(error, OSError | TypeError | TimeoutError), repr(error)
    plain = tls_cluster.address.replace("tls://", "tcp://")
    error = _connection_error(lambda: Client(plain, timeout=3, set_as_default=False))
    assert isinstance(error, OSError | TimeoutError), repr(error)


def test_client_with_an_untrusted_certificate_is_refused(tls_cluster, tmp_path):
    rogue = make_certificates(tmp_path / "rogue", name="rogue")
    error = _connection_error(lambda: connect(tls_cluster.address, security=rogue, timeout=3))
    assert isinstance(error, OSError | TimeoutError), repr(error)
