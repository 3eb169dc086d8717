"""Run Delayed tasks on the active Dask scheduler and report each result as it lands.

With a distributed ``Client`` as the default scheduler the tasks are
submitted with ``Client.compute`` and collected with ``as_completed``;
otherwise the local scheduler (threads by default) runs them under a
``dask.callbacks.Callback`` whose ``posttask`` hook sees each finished key.
Either way results are handed to ``on_done`` one by one, so checkpoints and
progress bars follow the computation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import dask
from dask.base import get_scheduler
from dask.callbacks import Callback

from engine.data import single_blas_thread


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

    def posttask(key, value, dsk, state, worker_id):
        label = by_key.get(key)
        if label is not None and label not in results:
            results[label] = value
            on_done(label, value)

    limiter = single_blas_thread() if limit_blas else contextlib.nullcontext()
    with Callback(posttask=posttask), limiter:
        values = dask.compute(*[tasks[label] for label in labels])
    for label, value in zip(labels, values, strict=True):
        if label not in results:
            results[label] = value
            on_done(label, value)
    return results
