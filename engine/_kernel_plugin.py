"""A Dask worker plugin that makes the engine's kernels ready on a node before its first task.

Compiling the kernels inside a worker costs it seconds per kernel and hundreds
of MiB of LLVM memory: a worker with a small memory limit pauses, every new
worker of an autoscaling cluster pays it again. :class:`KernelCachePlugin`
(registered by :func:`engine.cluster.prepare_workers`, hence by
:func:`engine.cluster.connect`) runs when a worker starts, before it takes a
task, and leaves compilation out of the worker process:

1. the node's kernel cache is already warm (its marker for this engine,
   Python, Numba and CPU exists): nothing to do (microseconds);
2. else, when the client offered its own warm cache for the same key (same
   engine, versions and CPU), one worker of the node fetches it from the
   scheduler (:class:`KernelCacheOffer`, which holds it once) and writes it
   into the node's cache (milliseconds, no compilation anywhere);
3. else one ``engine warmup`` runs in a subprocess, once per node.

The workers of a node share its cache: the first takes a file lock for steps 2
and 3 while the others wait for it and then find the cache warm.

Then each worker loads every kernel of the warm cache into its process in a
background thread (:func:`engine.kernels.preload_kernels`): Numba's CPU target
and the cached code are ready before the first task needs them, instead of
costing that task about a second of one core (see ``bench_cold_start``). A
worker whose memory limit has no room for it (about 190 MiB for every kernel,
beyond the 400 MiB of imports) skips this and loads each kernel from the cache
on first use. The client that registers the plugins preloads its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from distributed.diagnostics.plugin import SchedulerPlugin, WorkerPlugin

__all__ = ["KernelCacheOffer", "KernelCachePlugin", "prepare_node", "register"]

logger = logging.getLogger("engine.cluster")

_WARMUP = "from engine._warmup import warmup; warmup()"


@contextlib.contextmanager
def _node_lock(directory: Path):
    """An exclusive lock on ``directory`` shared by every process of this machine."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: each worker warms on its own
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".warmup.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _warm_in_subprocess(directory: Path) -> str:
    from engine.kernels import CACHE_ENV_VAR

    env = dict(os.environ, **{CACHE_ENV_VAR: str(directory)})
    done = subprocess.run(
        [sys.executable, "-c", _WARMUP], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        logger.warning("engine warmup failed on this node:\n%s", done.stderr[-2000:])
        return "warmup failed"
    return "compiled"


def prepare_node(
    key: str | None = None,
    fetch: Callable[[], bytes | None] | None = None,
    directory: Path | None = None,
) -> str:
    """Make this node's kernel cache warm (see the module docstring); say how.

    ``key`` and ``fetch`` describe a shipped cache: its :func:`warm_key` and a
    function returning its :func:`pack_cache` blob (called at most once, and
    only when this node's key is the same). ``directory`` defaults to this
    process's kernel cache. Returns ``"warm"``, ``"shipped"``, ``"compiled"``,
    ``"warmup failed"`` or ``"no writable cache"`` (kernels then load from a
    read-only cache and compile what is missing in the worker, as without the
    plugin).
    """
    from engine.kernels import cache_location, is_warm, mark_warm, unpack_cache, warm_key

    directory = directory or cache_location().directory
    if directory is None:
        return "no writable cache"
    here = warm_key()
    if is_warm(directory, here):
        return "warm"
    with _node_lock(directory):
        if is_warm(directory, here):  # another worker of this node warmed it meanwhile
            return "warm"
        payload = fetch() if fetch is not None and key == here else None
        if payload is not None:
            groups = unpack_cache(payload, directory)
            mark_warm(directory, here, {"shipped": True, "groups_written": groups})
            return "shipped"
        return _warm_in_subprocess(directory)


_HANDLER = "engine_kernel_cache"


class KernelCacheOffer(SchedulerPlugin):
    """Scheduler plugin: holds one warm kernel cache and hands it to workers that ask.

    The cache travels once to the scheduler, then only to workers whose node is
    cold and has the same :func:`engine.kernels.warm_key` (one per node).
    """

    name = "engine-kernel-cache-offer"

    def __init__(self, key: str, payload: bytes):
        self.key = key
        self.payload = payload

    async def start(self, scheduler) -> None:
        scheduler.handlers[_HANDLER] = self.serve

    def serve(self, key: str | None = None) -> bytes | None:
        return self.payload if key == self.key else None


class KernelCachePlugin(WorkerPlugin):
    """Worker plugin: the node's kernel cache is warm before the worker's first task.

    Parameters
    ----------
    key : str, optional
        :func:`engine.kernels.warm_key` of a cache offered by the scheduler
        (:class:`KernelCacheOffer`); None: nothing offered.

    Examples
    --------
    >>> from engine._kernel_plugin import KernelCachePlugin
    >>> client.register_plugin(KernelCachePlugin())  # doctest: +SKIP
    """

    name = "engine-kernel-cache"

    def __init__(self, key: str | None = None):
        self.key = key
        self.outcome: str | None = None

    async def setup(self, worker) -> None:
        loop = asyncio.get_running_loop()

        def fetch() -> bytes | None:
            ask = getattr(worker.scheduler, _HANDLER)(key=self.key)
            return asyncio.run_coroutine_threadsafe(ask, loop).result()

        self.outcome = await asyncio.to_thread(prepare_node, self.key, fetch)
        logger.info("engine kernel cache on %s: %s", worker.address, self.outcome)
        if room_to_preload(worker):
            _preload_this_process()
        else:
            logger.info(
                "engine kernels on %s load on first use (small memory limit)", worker.address
            )


#: Process memory that loading every cached kernel signature adds (measured: 154 MiB for 128).
PRELOAD_BYTES = 192 * 2**20


def room_to_preload(worker) -> bool:
    """Whether loading every kernel keeps ``worker`` under its memory target.

    Preloading saves the first tasks about a second; on a worker with a small
    memory limit it would push the process towards Dask's pause threshold
    (imports alone take about 400 MiB), so such a worker loads each kernel
    when a task first calls it instead (no compilation either way).
    """
    import psutil

    memory = getattr(worker, "memory_manager", None)
    limit = getattr(memory, "memory_limit", None)
    if not limit:
        return True
    target = memory.memory_target_fraction or memory.memory_pause_fraction or 1.0
    return psutil.Process().memory_info().rss + PRELOAD_BYTES < target * limit


def _preload_this_process() -> None:
    from engine.kernels import kernel_dispatchers, preload_in_background

    preload_in_background(kernel_dispatchers().values())


def register(client, *, ship: bool = True) -> None:
    """Register the plugins on ``client``'s cluster, offering this process's warm cache if ``ship``."""
    key = None
    if ship:
        from engine.kernels import cache_location, is_warm, pack_cache, warm_key

        directory = cache_location().directory
        if is_warm(directory, warm_key()):
            try:
                client.register_plugin(KernelCacheOffer(warm_key(), pack_cache(directory)))
                key = warm_key()
            except Exception:  # noqa: BLE001 - a scheduler without the engine: nodes warm themselves
                logger.warning("the scheduler cannot hold the kernel cache; nodes will compile it")
    client.register_plugin(KernelCachePlugin(key))
    _preload_this_process()
