"""One BLAS/OpenMP/Numba thread per task: Dask's threads already use every core.

Shared by every layer that runs estimator code inside Dask tasks (searches,
permutation importance, blockwise prediction). Besides speed (2 Dask threads
x 2 BLAS threads on 2 cores oversubscribe), one BLAS thread makes a block's
matrix products independent of how many threads the library would use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numba
from threadpoolctl import ThreadpoolController

_LIMIT_LOCK = threading.Lock()
# The controller scans the loaded libraries once per process (a fresh
# threadpool_limits() call rescans them: ~10 ms, more than a small task).
_LIMIT_STATE: dict[str, Any] = {"count": 0, "limiter": None, "controller": None}


def _controller() -> ThreadpoolController:
    if _LIMIT_STATE["controller"] is None:
        numba.get_num_threads()  # load Numba's threading layer first, so the controller sees it
        _LIMIT_STATE["controller"] = ThreadpoolController()
    return _LIMIT_STATE["controller"]


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Hold BLAS, OpenMP and Numba's parallel kernels at one thread while a task runs.

    BLAS limits are process-wide, so concurrent tasks share one
    reference-counted limiter (the first one in sets it, the last one out
    restores it); OpenMP limits and Numba's thread count belong to the
    calling thread, so each task sets and restores its own (the engine's
    in-memory kernels run on one thread inside a task, as PERFORMANCE notes
    ask: a parallel kernel per task oversubscribes the cores). Re-entrant
    and thread-safe.

    Examples
    --------
    >>> from engine.data import single_blas_thread
    >>> with single_blas_thread():
    ...     pass
    """
    controller = _controller()
    with _LIMIT_LOCK:
        if _LIMIT_STATE["count"] == 0:
            _LIMIT_STATE["limiter"] = controller.limit(limits=1, user_api="blas")
        _LIMIT_STATE["count"] += 1
    openmp = controller.limit(limits=1, user_api="openmp")
    numba_threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(numba_threads)
        openmp.restore_original_limits()
        with _LIMIT_LOCK:
            _LIMIT_STATE["count"] -= 1
            if _LIMIT_STATE["count"] == 0:
                _LIMIT_STATE["limiter"].restore_original_limits()
                _LIMIT_STATE["limiter"] = None
