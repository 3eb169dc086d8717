"""Run Delayed tasks on the active Dask scheduler and report each result as it lands.

With a distributed ``Client`` as the default scheduler the tasks are
submitted with ``Client.compute`` and collected with ``as_completed``;
otherwise the local scheduler (threads by default) runs them under a
``dask.callbacks.Callback`` whose ``posttask`` hook sees each finished key.
Dask's ``"processes"`` scheduler is served by the engine's pool of worker
processes kept alive across searches, large arrays shared through memory
(:mod:`engine.model_selection._processes`). Either way results are handed to
``on_done`` one by one, so checkpoints and progress bars follow the
computation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import dask
from dask.base import get_scheduler
from dask.callbacks import Callback

from engine.data import single_blas_thread
from engine.model_selection._processes import private_copy, run_in_processes, uses_processes


def active_client():
    """The distributed ``Client`` behind the active scheduler, or ``None``."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        return None
    sched = get_scheduler()
    owner = getattr(sched, "__self__", None)
    if isinstance(owner, Client):
        return owner
    if sched is None:
        try:
            from distributed import default_client

            return default_client()
        except ValueError:
            return None
    return None


def run_tasks(
    tasks: Mapping[Hashable, Any], on_done: Callable[[Hashable, Any], None], limit_blas: bool = True
) -> dict:
    """Compute ``{label: Delayed}`` in one graph; call ``on_done(label, value)`` per result.

    ``limit_blas`` holds BLAS/OpenMP at one thread in this process while the
    local scheduler runs (tasks also limit themselves on distributed workers).
    """
    if not tasks:
        return {}
    labels = list(tasks)
    client = active_client()
    results: dict = {}
    if client is not None:
        from distributed import as_completed

        futures = client.compute([tasks[label] for label in labels])
        by_key = {fut.key: label for fut, label in zip(futures, labels, strict=True)}
        try:
            for fut, value in as_completed(futures, with_results=True, loop=client.loop):
                label = by_key[fut.key]
                results[label] = value
                on_done(label, value)
        finally:
            for fut in futures:
                fut.release()
        return results

    by_key = {tasks[label].key: label for label in labels}
    in_processes = uses_processes(get_scheduler())

    def posttask(key, value, dsk, state, worker_id):
        label = by_key.get(key)
        if label is not None and label not in results:
            # a result of the process pool may map shared memory that ends with the run
            results[label] = private_copy(value) if in_processes else value
            on_done(label, results[label])

    limiter = single_blas_thread() if limit_blas else contextlib.nullcontext()
    compute = run_in_processes if in_processes else lambda values: dask.compute(*values)
    with Callback(posttask=posttask), limiter:
        values = compute([tasks[label] for label in labels])
    for label, value in zip(labels, values, strict=True):
        if label not in results:
            results[label] = value
            on_done(label, value)
    return results
