"""A Dask worker plugin that makes the engine's kernels ready on a node before its first task.

Compiling the kernels inside a worker costs it seconds per kernel and hundreds
of MiB of LLVM memory: a worker with a small memory limit pauses, every new
worker of an autoscaling cluster pays it again. :class:`KernelCachePlugin`
(registered by :func:`engine.cluster.prepare_workers`, hence by
:func:`engine.cluster.connect`) runs when a worker starts, before it takes a
task, and leaves compilation out of the worker process:

1. the node's kernel cache is already warm (its marker for this engine,
   Python, Numba and CPU exists): nothing to do (microseconds);
2. else, when the client shipped its own warm cache for the same key (same
   engine, versions and CPU), its files are written into the node's cache
   (milliseconds, no compilation anywhere);
3. else one ``engine warmup`` runs in a subprocess, once per node: the
   workers of a node share its cache, and the first takes a file lock while
   the others wait for it and then find the cache warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["KernelCachePlugin", "prepare_node"]

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
    key: str | None = None, payload: bytes | None = None, directory: Path | None = None
) -> str:
    """Make this node's kernel cache warm (see the module docstring); say how.

    ``directory`` defaults to this process's kernel cache. Returns ``"warm"``,
    ``"shipped"``, ``"compiled"``, ``"warmup failed"`` or ``"no writable
    cache"`` (kernels then load from a read-only cache and compile what is
    missing in the worker, as without the plugin).
    """
    from engine.kernels import cache_location, is_warm, mark_warm, unpack_cache, warm_key

    directory = directory or cache_location().directory
    if directory is None:
        return "no writable cache"
    here = warm_key()
    if is_warm(directory, here):
        return "warm"
    if payload is not None and key == here:
        files = unpack_cache(payload, directory)
        mark_warm(directory, here, {"shipped": True, "groups_written": files})
        return "shipped"
    with _node_lock(directory):
        if is_warm(directory, here):  # another worker of this node warmed it meanwhile
            return "warm"
        return _warm_in_subprocess(directory)


class KernelCachePlugin(WorkerPlugin):
    """Worker plugin: the node's kernel cache is warm before the worker's first task.

    Parameters
    ----------
    key : str, optional
        :func:`engine.kernels.warm_key` of the process that packed ``payload``.
    payload : bytes, optional
        That process's warm kernel cache (:func:`engine.kernels.pack_cache`),
        written into a node's cache when the node's key is the same.

    Examples
    --------
    >>> from engine._kernel_plugin import KernelCachePlugin
    >>> client.register_plugin(KernelCachePlugin.from_this_process())  # doctest: +SKIP
    """

    name = "engine-kernel-cache"

    def __init__(self, key: str | None = None, payload: bytes | None = None):
        self.key = key
        self.payload = payload
        self.outcome: str | None = None

    @classmethod
    def from_this_process(cls, *, ship: bool = True) -> KernelCachePlugin:
        """A plugin carrying this process's kernel cache when it is warm and ``ship`` is True."""
        if not ship:
            return cls()
        from engine.kernels import cache_location, is_warm, pack_cache, warm_key

        directory, key = cache_location().directory, warm_key()
        if not is_warm(directory, key):
            return cls()
        return cls(key, pack_cache(directory))

    async def setup(self, worker) -> None:
        self.outcome = await asyncio.to_thread(prepare_node, self.key, self.payload)
        self.payload = None  # written or not needed: free the worker's memory
        logger.info("engine kernel cache on %s: %s", worker.address, self.outcome)
