"""The Dask scheduler a command runs on: a distributed client when asked for (or needed), else threads."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import dask

from engine.workflow._spec import ClusterSpec


def _current_client() -> Any:
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


@contextlib.contextmanager
def scheduler_for(cluster: ClusterSpec, *, needs_client: bool = False) -> Iterator[Any]:
    """A distributed client for ``cluster`` (closed on leaving), or ``None`` on local threads.

    A client is opened when ``cluster`` names a scheduler or a local cluster
    size, when ``DASK_SCHEDULER_ADDRESS`` is set, or when ``needs_client``
    (a model that predicts whole Dask collections across a cluster): then the
    caller's default client, if there is one, is used as it is, else a local
    cluster is started for the block.
    """
    named = (
        cluster.address is not None
        or bool(os.environ.get("DASK_SCHEDULER_ADDRESS"))
        or cluster.n_workers is not None
    )
    if not named and needs_client and (current := _current_client()) is not None:
        yield current
        return
    if not named and not needs_client:
        with dask.config.set(scheduler="threads"):
            yield None
        return
    from engine.cluster import connect

    try:
        client = connect(
            cluster.address,
            n_workers=cluster.n_workers,
            threads_per_worker=cluster.threads_per_worker,
            timeout=cluster.connect_timeout,
        )
    except (OSError, TimeoutError) as exc:
        where = cluster.address or os.environ.get("DASK_SCHEDULER_ADDRESS") or "a local cluster"
        raise ConnectionError(
            f"cluster.address: cannot reach the Dask scheduler at {where} within "
            f"{cluster.connect_timeout:g} s ({exc})"
        ) from exc
    with client:
        yield client
