"""Run a search graph on worker processes kept alive across searches, large arrays in shared memory.

Searches fit estimators that mostly hold the GIL (scikit-learn's solvers
drive NumPy from Python), so Dask's threads use one core. With Dask's
``"processes"`` scheduler selected (``dask.config.set(scheduler="processes")``)
the engine runs the search graph on its own pool of worker processes instead
of a fresh ``multiprocessing`` pool per compute:

* the pool starts once (``spawn``, one process per core, or dask config
  ``num_workers``) and stays alive for every later search of this process;
* every array of at least :data:`SHARED_MIN_BYTES` that crosses a process
  boundary (the data, each fold, each transformed fold, fitted attributes) is
  written once into a file of a per-run directory in shared memory
  (``/dev/shm``) and mapped read-only by every process that receives it; an
  array that is already a view of such a mapping travels as a reference
  (file, offset, size), never as bytes. Pickle protocol 5 out-of-band buffers
  do the split, so NumPy arrays and the blocks of pandas objects are covered;
* tasks are handed out one at a time (no batches), so both cores stay busy
  until the last fit.

Memory: the run directory holds every intermediate result of the run until
the run ends (then it is removed); the values handed back to the caller are
private copies. Arrays a task receives are read-only, as joblib's memory
mapping gives them to scikit-learn. What is left serial: the Dask scheduler
in the calling process, which pickles every task and unpickles every result
(references for large arrays), about a millisecond a task.
"""

from __future__ import annotations

import copy
import mmap
import os
import pickle
import shutil
import tempfile
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from typing import Any

import cloudpickle
import dask
import numpy as np

#: Arrays at least this large travel through shared memory (joblib's threshold).
SHARED_MIN_BYTES = 1 << 20

_POOL: dict[str, Any] = {"executor": None, "workers": 0}
_POOL_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()  # one run at a time uses the parent's registry


class _Registry:
    """Memory this process can name by file: mapped files and private buffers already written.

    Each entry keeps its memory alive (a mapping or the exported buffer), so an
    address seen here cannot be reused by another object while it is listed.
    """

    def __init__(self, directory: str | None = None):
        self.directory = directory
        self.entries: list[tuple[int, int, str, int, Any]] = []  # start, end, file, offset, keep
        self.maps: dict[str, tuple[mmap.mmap, memoryview]] = {}

    def find(self, start: int, nbytes: int) -> tuple[str, int] | None:
        for lo, hi, path, offset, _ in self.entries:
            if lo <= start and start + nbytes <= hi:
                return path, offset + start - lo
        return None

    def export(self, buffer: memoryview) -> tuple[str, int, int]:
        """A reference to ``buffer``'s bytes: the file already holding them, or a new one."""
        start = _address(buffer)
        found = self.find(start, buffer.nbytes)
        if found is None:
            path = os.path.join(self.directory, uuid.uuid4().hex)
            with open(path, "wb") as out:
                out.write(buffer)
            self.entries.append((start, start + buffer.nbytes, path, 0, buffer))
            found = (path, 0)
        return found[0], found[1], buffer.nbytes

    def view(self, path: str, offset: int, nbytes: int) -> memoryview:
        """Read-only bytes ``[offset, offset + nbytes)`` of ``path``, mapped once."""
        if path not in self.maps:
            with open(path, "rb") as source:
                mapped = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)
            whole = memoryview(mapped)
            self.maps[path] = (mapped, whole)
            self.entries.append((_address(whole), _address(whole) + len(whole), path, 0, whole))
        return self.maps[path][1][offset : offset + nbytes]


def _address(buffer: memoryview) -> int:
    return np.frombuffer(buffer, dtype=np.uint8).ctypes.data


# The registry of the run driven from this process (the caller of run_in_processes);
# in a worker process, a registry lives for one task (its inputs and its result).
_PARENT: dict[str, _Registry | None] = {"run": None}
_WORKER: dict[str, _Registry] = {"task": _Registry()}


def dumps(obj: Any) -> bytes:
    """Pickle ``obj``; its large contiguous buffers become references into shared memory."""
    registry = _PARENT["run"] or _WORKER["task"]
    refs: list = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        raw = buffer.raw()
        if raw.nbytes < SHARED_MIN_BYTES or registry.directory is None:
            return True  # small: in the pickle itself
        refs.append(registry.export(raw))
        return False

    payload = cloudpickle.dumps(obj, protocol=5, buffer_callback=out_of_band)
    return pickle.dumps((registry.directory, payload, refs), protocol=5)


def loads(data: bytes) -> Any:
    """Unpickle what :func:`dumps` made, mapping the referenced buffers read-only."""
    directory, payload, refs = pickle.loads(data)
    registry = _PARENT["run"]
    if registry is None:  # a worker: a new task starts, the previous one's memory goes
        registry = _WORKER["task"] = _Registry(directory)
    return pickle.loads(payload, buffers=[registry.view(*ref) for ref in refs])


def private_copy(value: Any) -> Any:
    """``value`` with every buffer copied into this process's own memory (writeable)."""
    return copy.deepcopy(value)


def _pool(n_workers: int) -> ProcessPoolExecutor:
    with _POOL_LOCK:
        executor = _POOL["executor"]
        if executor is None or _POOL["workers"] != n_workers or _broken(executor):
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)
            import multiprocessing

            from dask.multiprocessing import initialize_worker_process

            # spawn: the caller may run threads (a fork would copy their locks)
            executor = ProcessPoolExecutor(
                n_workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=initialize_worker_process,
            )
            _POOL.update(executor=executor, workers=n_workers)
        return executor


def _broken(executor: ProcessPoolExecutor) -> bool:
    try:
        executor.submit(int).result()
    except BrokenProcessPool:
        return True
    return False


def shutdown_pool() -> None:
    """Stop the worker processes (the next search in processes starts new ones)."""
    with _POOL_LOCK:
        if _POOL["executor"] is not None:
            _POOL["executor"].shutdown(wait=True, cancel_futures=True)
        _POOL.update(executor=None, workers=0)


def _shared_directory() -> str:
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    return tempfile.mkdtemp(prefix="engine-search-", dir=base)


@contextmanager
def _run_directory():
    """The run's shared-memory directory, removed (with every file) when the run ends."""
    directory = _shared_directory()
    _PARENT["run"] = _Registry(directory)
    try:
        yield
    finally:
        _PARENT["run"] = None
        shutil.rmtree(directory, ignore_errors=True)


def run_in_processes(values: Sequence[Any]) -> list:
    """``dask.compute(*values)`` on the persistent pool, large arrays shared; private results."""
    from dask.multiprocessing import get

    n_workers = dask.config.get("num_workers", None) or os.cpu_count() or 1
    scheduler = partial(get, pool=_pool(n_workers), func_dumps=dumps, func_loads=loads, chunksize=1)
    with _RUN_LOCK, _run_directory():
        out = dask.compute(*values, scheduler=scheduler)
        return [private_copy(v) for v in out]


def uses_processes(scheduler: Any) -> bool:
    """Whether ``scheduler`` (from ``dask.base.get_scheduler``) is Dask's process scheduler."""
    from dask import multiprocessing

    return scheduler is multiprocessing.get
