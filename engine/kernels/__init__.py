"""Numba kernels on NumPy blocks (no Dask, pandas or xarray here).

Importing the package imports every kernel module, after pointing their
``cache=True`` at the engine's kernel cache (see :func:`cache_location`), and
registers them (only them) for pickling by name (:func:`send_kernels_by_reference`).
"""

from engine.kernels._cache import ENV_VAR as CACHE_ENV_VAR
from engine.kernels._cache import CacheLocation, cache_location, install_locator

install_locator()  # before any kernel is defined

from engine.kernels._cache_files import (  # noqa: E402
    is_warm,
    mark_warm,
    pack_cache,
    unpack_cache,
    warm_key,
)
from engine.kernels._pickling import send_kernels_by_reference  # noqa: E402
from engine.kernels._preload import preload_in_background, preload_kernels  # noqa: E402
from engine.kernels._registry import collect_kernels, load_only  # noqa: E402

_KERNELS = collect_kernels(__name__, __path__)


def kernel_dispatchers() -> dict:
    """Every kernel of the engine: ``"engine.kernels.module.name"`` -> its Numba dispatcher.

    Examples
    --------
    >>> from engine.kernels import kernel_dispatchers
    >>> "engine.kernels.moments.block_moments" in kernel_dispatchers()
    True
    """
    return dict(_KERNELS)


if cache_location().directory is None:
    load_only(_KERNELS.values())
send_kernels_by_reference()

__all__ = [
    "CACHE_ENV_VAR",
    "CacheLocation",
    "cache_location",
    "is_warm",
    "kernel_dispatchers",
    "mark_warm",
    "pack_cache",
    "preload_in_background",
    "preload_kernels",
    "send_kernels_by_reference",
    "unpack_cache",
    "warm_key",
]
