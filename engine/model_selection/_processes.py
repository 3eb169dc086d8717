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
  copied once into a shared-memory segment (a file of the pool's directory in
  ``/dev/shm``) of the process that sends it, and mapped read-only by every
  process that receives it; an array that is already a view of such a
  mapping travels as a reference (file, offset, size), never as bytes.
  Pickle protocol 5 out-of-band buffers do the split, so NumPy arrays and the
  blocks of pandas objects are covered;
* the segments are reused run after run (each process writes its next run's
  arrays from the start of its segments again) and stay mapped in every
  process: after the first search, sending an array is one ``memcpy`` into
  memory already allocated, and receiving it touches pages already mapped.
  Fresh shared-memory files per run cost a page fault per 4 KiB page on
  both sides, measured at about a third of the workers' CPU time on
  ``bench_search``;
* tasks are handed out one at a time (no batches), so both cores stay busy
  until the last fit.

Memory: each process's segments hold as many bytes as the largest run it
took part in sent (every intermediate result of that run), and stay
allocated while the pool lives; :func:`shutdown_pool` (or the interpreter's
exit) removes them. The values handed back to the caller are private copies.
Arrays a task receives are read-only, as joblib's memory mapping gives them
to scikit-learn. What is left serial: the Dask scheduler in the calling
process, which pickles every task and unpickles every result (references for
large arrays), about a millisecond a task.
"""

from __future__ import annotations

import atexit
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
#: Size of a shared-memory segment (an array larger than this gets a segment of its size).
SEGMENT_BYTES = 64 << 20
#: Where an array starts in a segment: a multiple of this (a cache line, as NumPy's SIMD likes).
ALIGNMENT = 64

_POOL: dict[str, Any] = {"executor": None, "workers": 0, "directory": None, "registry": None}
_POOL_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()  # one run at a time uses the parent's registry


class _Segments:
    """The shared-memory segments this process copies arrays into, written again every run.

    Each segment is a file of ``directory`` mapped once, writable, for the
    process's life; :meth:`rewind` makes the next run write from the first
    segment's start again, over pages already allocated and mapped.
    """

    def __init__(self, directory: str):
        self.directory = directory
        self.segments: list[tuple[str, mmap.mmap, np.ndarray]] = []
        self.index = 0  # segment being filled
        self.offset = 0  # first free byte of that segment

    def rewind(self) -> None:
        self.index = self.offset = 0

    def write(self, buffer: memoryview) -> tuple[str, int]:
        """Copy ``buffer`` into the segments; the file and offset now holding it."""
        nbytes = buffer.nbytes
        while True:
            if self.index == len(self.segments):
                self._add(max(SEGMENT_BYTES, nbytes))
            path, _, whole = self.segments[self.index]
            start = -(-self.offset // ALIGNMENT) * ALIGNMENT
            if start + nbytes <= len(whole):
                whole[start : start + nbytes] = np.frombuffer(buffer, dtype=np.uint8)
                self.offset = start + nbytes
                return path, start
            self.index, self.offset = self.index + 1, 0

    def _add(self, nbytes: int) -> None:
        path = os.path.join(self.directory, f"{os.getpid()}-{uuid.uuid4().hex}")
        with open(path, "w+b") as out:
            out.truncate(nbytes)
            mapped = mmap.mmap(out.fileno(), nbytes)
        self.segments.append((path, mapped, np.frombuffer(mapped, dtype=np.uint8)))


class _Registry:
    """Shared memory this process can name by file: its own segments, the others' it mapped.

    ``written`` lists the arrays copied into the segments since the run (in
    the parent) or the task (in a worker) started, each kept alive so that its
    address cannot be reused by another object while it is listed: an array
    sent twice is copied once.
    """

    def __init__(self, directory: str):
        self.directory = directory
        self.segments = _Segments(directory)
        self.run: str | None = None
        self.written: list[tuple[int, int, str, int, Any]] = []  # start, end, file, offset, keep
        self.maps: dict[str, tuple[mmap.mmap, memoryview]] = {}

    def start_run(self, run: str) -> None:
        """Forget the previous run's arrays and write this run's over them."""
        if run != self.run:
            self.run = run
            self.segments.rewind()
        self.written = []

    def find(self, start: int, nbytes: int) -> tuple[str, int] | None:
        for path, _, whole in self.segments.segments:
            lo = whole.ctypes.data
            if lo <= start and start + nbytes <= lo + len(whole):
                return path, start - lo
        for path, (_, view) in self.maps.items():
            lo = _address(view)
            if lo <= start and start + nbytes <= lo + len(view):
                return path, start - lo
        for lo, hi, path, offset, _ in self.written:
            if lo <= start and start + nbytes <= hi:
                return path, offset + start - lo
        return None

    def export(self, buffer: memoryview) -> tuple[str, int, int]:
        """A reference to ``buffer``'s bytes: the segment already holding them, or a copy."""
        start = _address(buffer)
        found = self.find(start, buffer.nbytes)
        if found is None:
            found = self.segments.write(buffer)
            self.written.append((start, start + buffer.nbytes, *found, buffer))
        return found[0], found[1], buffer.nbytes

    def view(self, path: str, offset: int, nbytes: int) -> memoryview:
        """Read-only bytes ``[offset, offset + nbytes)`` of ``path``, mapped once."""
        own = next((whole for p, _, whole in self.segments.segments if p == path), None)
        if own is not None:
            return memoryview(own[offset : offset + nbytes]).toreadonly()
        if path not in self.maps:
            with open(path, "rb") as source:
                mapped = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)
            self.maps[path] = (mapped, memoryview(mapped))
        return self.maps[path][1][offset : offset + nbytes]


def _address(buffer: memoryview) -> int:
    return np.frombuffer(buffer, dtype=np.uint8).ctypes.data


# The registry of the run driven from this process (the caller of run_in_processes);
# in a worker process, the registry lives as long as the process.
_PARENT: dict[str, _Registry | None] = {"run": None}
_WORKER: dict[str, _Registry | None] = {"registry": None}


def dumps(obj: Any) -> bytes:
    """Pickle ``obj``; its large contiguous buffers become references into shared memory."""
    registry = _PARENT["run"] or _WORKER["registry"]
    refs: list = []

    def out_of_band(buffer: pickle.PickleBuffer) -> bool:
        raw = buffer.raw()
        if raw.nbytes < SHARED_MIN_BYTES or registry is None:
            return True  # small: in the pickle itself
        refs.append(registry.export(raw))
        return False

    payload = cloudpickle.dumps(obj, protocol=5, buffer_callback=out_of_band)
    run = None if registry is None else (registry.directory, registry.run)
    return pickle.dumps((run, payload, refs), protocol=5)


def loads(data: bytes) -> Any:
    """Unpickle what :func:`dumps` made, mapping the referenced buffers read-only."""
    run, payload, refs = pickle.loads(data)
    registry = _PARENT["run"]
    if registry is None and run is not None:  # a worker: a task of this run arrives
        directory, run_id = run
        registry = _WORKER["registry"]
        if registry is None or registry.directory != directory:
            registry = _WORKER["registry"] = _Registry(directory)
        registry.start_run(run_id)  # and the task's arrays are new
    return pickle.loads(payload, buffers=[registry.view(*ref) for ref in refs])


def private_copy(value: Any) -> Any:
    """``value`` with every buffer copied into this process's own memory (writeable)."""
    return copy.deepcopy(value)


def _pool(n_workers: int) -> ProcessPoolExecutor:
    with _POOL_LOCK:
        executor = _POOL["executor"]
        if executor is None or _POOL["workers"] != n_workers or _broken(executor):
            _stop(executor, wait=False)
            import multiprocessing

            from dask.multiprocessing import initialize_worker_process

            # spawn: the caller may run threads (a fork would copy their locks)
            executor = ProcessPoolExecutor(
                n_workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=initialize_worker_process,
            )
            directory = _shared_directory()
            _POOL.update(
                executor=executor,
                workers=n_workers,
                directory=directory,
                registry=_Registry(directory),
            )
        return executor


def _broken(executor: ProcessPoolExecutor) -> bool:
    try:
        executor.submit(int).result()
    except BrokenProcessPool:
        return True
    return False


def _stop(executor: ProcessPoolExecutor | None, wait: bool) -> None:
    """Stop ``executor`` (if any) and remove the pool's shared memory."""
    if executor is not None:
        executor.shutdown(wait=wait, cancel_futures=True)
    if _POOL["directory"] is not None:
        shutil.rmtree(_POOL["directory"], ignore_errors=True)
    _POOL.update(executor=None, workers=0, directory=None, registry=None)


def shutdown_pool() -> None:
    """Stop the worker processes and free their shared memory (the next search starts anew)."""
    with _POOL_LOCK:
        _stop(_POOL["executor"], wait=True)


atexit.register(shutdown_pool)


def _shared_directory() -> str:
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    return tempfile.mkdtemp(prefix="engine-search-", dir=base)


@contextmanager
def _run(registry: _Registry):
    """One run driven from this process: ``registry`` names its arrays until it ends."""
    registry.start_run(uuid.uuid4().hex)
    _PARENT["run"] = registry
    try:
        yield
    finally:
        _PARENT["run"] = None
        registry.written = []  # the caller's arrays are not kept alive


def run_in_processes(values: Sequence[Any]) -> list:
    """``dask.compute(*values)`` on the persistent pool, large arrays shared; private results."""
    from dask.multiprocessing import get

    n_workers = dask.config.get("num_workers", None) or os.cpu_count() or 1
    scheduler = partial(get, pool=_pool(n_workers), func_dumps=dumps, func_loads=loads, chunksize=1)
    with _RUN_LOCK, _run(_POOL["registry"]):
        out = dask.compute(*values, scheduler=scheduler)
        return [private_copy(v) for v in out]


def uses_processes(scheduler: Any) -> bool:
    """Whether ``scheduler`` (from ``dask.base.get_scheduler``) is Dask's process scheduler."""
    from dask import multiprocessing

    return scheduler is multiprocessing.get
