"""One way to get a Dask scheduler: :func:`connect`.

Nothing in the engine needs a cluster: every computation is a lazy Dask graph
that runs on whatever scheduler is active (plain Dask threads when a user only
imports the library). :func:`connect` is for batch runs and clusters: it opens
a ``distributed.Client`` to a scheduler that already runs, or starts a
``LocalCluster`` sized to the machine, and closes only what it opened.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dask

from engine.kernels import send_kernels_by_reference

__all__ = [
    "connect",
    "prepare_scheduler",
    "prepare_workers",
    "resolve_address",
    "resolve_security",
    "send_kernels_by_reference",
]

#: Environment given to the worker processes of a local cluster: Dask's threads
#: already use every core, so BLAS/OpenMP pools inside tasks get one thread.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

_TLS_KEYS = {"ca_file", "cert", "key"}


def prepare_scheduler(client) -> bool:
    """Make a running scheduler pickle engine kernels by name too.

    The scheduler unpickles a graph and pickles its tasks again for the
    workers; without :func:`send_kernels_by_reference` registered in *its*
    process, every worker would recompile each kernel (see there). Returns
    whether it worked (False when the scheduler cannot import ``engine``, in
    which case the workers cannot run engine tasks either). Cost: one round
    trip to the scheduler.
    """
    try:
        client.run_on_scheduler(send_kernels_by_reference)
    except Exception:  # noqa: BLE001 - optional speed-up, never fatal
        return False
    return True


def prepare_workers(client, *, ship_kernels: bool = True) -> None:
    """Make every worker's kernels ready before its first task, without compiling in it.

    Registers a worker plugin (``engine-kernel-cache``) that runs on every
    current and future worker before it takes a task: a node whose kernel
    cache is already warm does nothing; else, with ``ship_kernels`` and when
    this process's kernel cache is warm, one worker per node fetches that cache
    (about 2 MB, held once by the scheduler) if the node has the same engine,
    Python, Numba and CPU; else one ``engine warmup`` subprocess per node
    compiles the kernels (a minute or two, once per node; the node's other
    workers wait for it). Compiling thus never happens inside a worker, so a
    worker with a small memory limit does not pause. Cost: one round trip per
    worker, plus the cache to the scheduler and to one worker per cold node.
    :func:`connect` calls it; call it yourself for a client opened otherwise.

    Parameters
    ----------
    client : distributed.Client
        A client of the cluster to prepare.
    ship_kernels : bool
        Offer this process's warm kernel cache to cold nodes (False for workers
        that share this machine's cache, as a local cluster's do).

    Examples
    --------
    >>> from distributed import Client
    >>> from engine.cluster import prepare_scheduler, prepare_workers
    >>> client = Client("tcp://scheduler-host:8786")  # doctest: +SKIP
    >>> prepare_scheduler(client)  # doctest: +SKIP
    True
    >>> prepare_workers(client)  # doctest: +SKIP
    """
    from engine._kernel_plugin import register

    register(client, ship=ship_kernels)


def resolve_address(address: str | None = None) -> str | None:
    """The scheduler address to use: ``address``, else the environment, else dask config.

    ``DASK_SCHEDULER_ADDRESS`` is read at call time (dask reads it only at
    import), then the dask configuration key ``scheduler-address``. Returns
    ``None`` when none is set (a local cluster is started then).

    Examples
    --------
    >>> resolve_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if address is not None:
        if not isinstance(address, str) or not address.strip():
            raise TypeError(
                f"address must be a non-empty string like 'tcp://host:8786', got {address!r}"
            )
        return address.strip()
    env = os.environ.get("DASK_SCHEDULER_ADDRESS", "").strip()
    if env:
        return env
    configured = dask.config.get("scheduler-address", None)
    return str(configured).strip() or None if configured else None


def resolve_security(security: Any, *, local: bool = False):
    """Turn the ``security=`` argument of :func:`connect` into a ``distributed.Security``.

    Parameters
    ----------
    security : None, Security, "tls" or mapping
        ``None``: Dask's defaults (TLS settings from dask config, if any).
        A ``distributed.security.Security``: used as given.
        ``"tls"``: require TLS with the certificate paths from dask config
        (``distributed.comm.tls.ca-file``, ``.client.cert``, ``.client.key``,
        also settable as ``DASK_DISTRIBUTED__COMM__TLS__CA_FILE`` etc.); for a
        local cluster without configured paths, throw-away self-signed
        certificates (``Security.temporary()``).
        A mapping with keys ``ca_file``, ``cert`` and ``key`` (file paths):
        the CA that signed the scheduler's certificate and this client's own
        certificate and key.
    local : bool
        Whether the security is for a cluster this process starts.

    Returns
    -------
    distributed.security.Security or None
    """
    from distributed.security import Security

    if security is None or isinstance(security, Security):
        return security
    if isinstance(security, str):
        if security.lower() != "tls":
            raise ValueError(f"security must be 'tls', a Security or a mapping, got {security!r}")
        if local and not dask.config.get("distributed.comm.tls.ca-file", None):
            return Security.temporary()
        if not dask.config.get("distributed.comm.tls.ca-file", None):
            raise ValueError(
                "security='tls' needs certificate paths: set dask config "
                "'distributed.comm.tls.ca-file', 'distributed.comm.tls.client.cert' and "
                "'distributed.comm.tls.client.key', or pass security={'ca_file': ..., "
                "'cert': ..., 'key': ...} or a distributed.security.Security"
            )
        return Security(require_encryption=True)
    if isinstance(security, Mapping):
        unknown = set(security) - _TLS_KEYS
        missing = {"ca_file", "cert"} - set(security)
        if unknown or missing:
            raise ValueError(
                f"security mapping needs keys 'ca_file', 'cert' (and optionally 'key'); "
                f"unknown: {sorted(unknown)}, missing: {sorted(missing)}"
            )
        for key, path in security.items():
            if not os.path.isfile(path):
                raise ValueError(f"security[{key!r}]: no such file {path!r}")
        paths = {"tls_ca_file": security["ca_file"], "tls_client_cert": security["cert"]}
        if security.get("key"):
            paths["tls_client_key"] = security["key"]
        if local:
            paths.update(
                tls_scheduler_cert=security["cert"],
                tls_worker_cert=security["cert"],
                tls_scheduler_key=security.get("key"),
                tls_worker_key=security.get("key"),
            )
        return Security(require_encryption=True, **paths)
    raise TypeError(
        f"security must be None, 'tls', a mapping of certificate paths or a "
        f"distributed.security.Security, got {type(security).__name__}"
    )


def _machine_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _check_positive_int(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def connect(
    address: str | None = None,
    *,
    n_workers: int | None = None,
    threads_per_worker: int | None = None,
    memory_limit: str | int | None = None,
    security: Any = None,
    processes: bool = True,
    timeout: float = 30,
):
    """Open a ``distributed.Client``: to a running scheduler, or to a new local cluster.

    Method: the address is ``address``, else ``DASK_SCHEDULER_ADDRESS``, else
    dask config ``scheduler-address``. With an address, the client connects
    to that scheduler (``tcp://`` or ``tls://``) and closing it leaves the
    scheduler and workers running. Without one, a ``LocalCluster`` sized to
    the machine is started (by default one single-threaded worker process per
    core, the machine's memory split evenly, and ``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` set to 1 in the workers) and
    closing the client stops it. The client becomes Dask's default scheduler
    until it is closed, so engine computations run on it unchanged; results
    are bit-identical to the synchronous and threaded schedulers because the
    engine merges partial results in a fixed order. Every worker gets the
    engine's compiled kernels before its first task (:func:`prepare_workers`;
    on a machine whose kernel cache is cold this compiles them once, a minute
    or two, in a subprocess). Cost: no pass over data.

    Parameters
    ----------
    address : str, optional
        Scheduler address such as ``"tcp://10.0.0.5:8786"`` or ``"tls://..."``.
    n_workers, threads_per_worker, memory_limit : optional
        Size of a local cluster (defaults: one worker per core, 1 thread each,
        ``"auto"`` memory). Only valid without an address.
    security : Security, "tls" or mapping, optional
        TLS settings, see :func:`resolve_security`. For a local cluster of
        processes, TLS is used between its scheduler, workers and this client
        (a threads-only cluster talks in-process and needs none).
    processes : bool
        Local cluster only: worker processes (default) or threads in this process.
    timeout : float
        Seconds to wait for the scheduler and, for a local cluster, the workers.

    Returns
    -------
    distributed.Client
        Also a context manager: leaving the ``with`` block closes the client
        and, only if :func:`connect` started it, the local cluster.

    Examples
    --------
    >>> from engine.cluster import connect
    >>> with connect(n_workers=1, processes=False) as client:  # doctest: +SKIP
    ...     print(len(client.scheduler_info()["workers"]))
    1
    >>> client = connect("tcp://scheduler:8786")  # doctest: +SKIP
    """
    from distributed import Client

    sizing = {
        "n_workers": n_workers,
        "threads_per_worker": threads_per_worker,
        "memory_limit": memory_limit,
    }
    _check_positive_int("n_workers", n_workers)
    _check_positive_int("threads_per_worker", threads_per_worker)
    resolved = resolve_address(address)
    if resolved is not None:
        given = [name for name, value in sizing.items() if value is not None]
        if given or not processes:
            raise ValueError(
                f"{', '.join(given) or 'processes'} only size a local cluster; they cannot "
                f"be used with the scheduler address {resolved!r}"
            )
        client = Client(resolved, security=resolve_security(security), timeout=timeout)
        prepare_scheduler(client)
        prepare_workers(client)
        return client
    return _local_client(
        n_workers,
        threads_per_worker,
        memory_limit,
        resolve_security(security, local=True),
        processes,
        timeout,
    )


def _local_client(n_workers, threads_per_worker, memory_limit, security, processes, timeout):
    from distributed import Client

    threads = threads_per_worker or 1
    if n_workers is None:
        n_workers = max(1, _machine_cores() // threads)
    cluster_kwargs: dict[str, Any] = {
        "n_workers": n_workers,
        "threads_per_worker": threads,
        "memory_limit": "auto" if memory_limit is None else memory_limit,
        "processes": processes,
        "dashboard_address": ":0",
    }
    if security is not None:
        cluster_kwargs["security"] = security
        if processes and security.require_encryption:
            cluster_kwargs["protocol"] = "tls://"
    if processes:
        cluster_kwargs["env"] = dict(WORKER_ENV)
    pre_spawn = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_ENV.items()}
    with dask.config.set(pre_spawn):
        # Client(**kwargs) starts a LocalCluster that the client owns and closes.
        client = Client(timeout=timeout, **cluster_kwargs)
    try:
        client.wait_for_workers(n_workers, timeout=timeout)
        # Workers of this machine share its kernel cache: nothing to ship.
        prepare_workers(client, ship_kernels=False)
    except BaseException:
        client.close()
        raise
    return client
