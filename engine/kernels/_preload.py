"""Loading every cached kernel signature into a process before its first call.

A fresh process that finds the kernel cache warm still loads each kernel
lazily, at its first call: Numba first builds its CPU target (typing and
lowering registries, an LLVM JIT; about a second of one core) and then reads
and links the cached object code of the signature called. On a new Dask worker
that is most of its first task. :func:`preload_kernels` does the same loading
ahead of time (the kernel plugin runs it in a background thread when a worker
starts), so the first task finds its kernels ready.

It loads only what the cache holds for this process's source, bytecode, CPU
and Numba (the keys Numba itself checks), never compiles a signature the cache
lacks, and counts each load as a cache hit, as a call would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from numba.core.compiler_lock import global_compiler_lock
from numba.core.registry import CPUDispatcher

__all__ = ["cached_signatures", "preload_kernels", "preload_in_background"]


def cached_signatures(dispatcher: CPUDispatcher) -> list[tuple]:
    """The argument types of the signatures that ``dispatcher``'s cache can load here."""
    cache = dispatcher._cache
    cache_file = getattr(cache, "_cache_file", None)
    if cache_file is None:  # caching disabled: nothing to load
        return []
    codegen = dispatcher.targetctx.codegen()
    try:
        index = cache_file._load_index()  # empty when the source changed
    except Exception:  # noqa: BLE001 - an unreadable index: the kernel loads (or compiles) lazily
        return []
    return [key[0] for key in index if key == cache._index_key(key[0], codegen)]


def preload_kernels(kernels: Iterable[CPUDispatcher]) -> int:
    """Load every signature the cache holds for ``kernels``; return how many were loaded.

    Already loaded signatures are skipped. Nothing is compiled: an entry that
    fails to load (a corrupt file) is left to the first call.

    Examples
    --------
    >>> from engine.kernels import kernel_dispatchers, preload_kernels
    >>> preload_kernels(kernel_dispatchers().values()) >= 0
    True
    """
    loaded = 0
    for dispatcher in kernels:
        for args in cached_signatures(dispatcher):
            # What Dispatcher.compile does on a cache hit, under Numba's compiler lock
            # (taken per signature, so a task calling a kernel meanwhile waits little).
            with global_compiler_lock:
                if args in dispatcher.overloads:
                    continue
                cres = dispatcher._cache.load_overload(args, dispatcher.targetctx)
                if cres is None:
                    continue
                dispatcher._cache_hits[args] += 1
                dispatcher.targetctx.insert_user_function(
                    cres.entry_point, cres.fndesc, [cres.library]
                )
                dispatcher.add_overload(cres)
                loaded += 1
    return loaded


def preload_in_background(kernels: Iterable[CPUDispatcher]) -> threading.Thread:
    """Run :func:`preload_kernels` in a daemon thread (started, returned).

    Examples
    --------
    >>> from engine.kernels import kernel_dispatchers, preload_in_background
    >>> preload_in_background(kernel_dispatchers().values()).join()
    """
    thread = threading.Thread(
        target=preload_kernels, args=(list(kernels),), name="engine-kernel-preload", daemon=True
    )
    thread.start()
    return thread
