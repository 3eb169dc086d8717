"""The engine's kernels: every module-level Numba dispatcher of ``engine.kernels``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from numba.core.caching import FunctionCache
from numba.core.registry import CPUDispatcher

__all__ = ["collect_kernels", "load_only"]


def collect_kernels(package_name: str, package_path: Iterable[str]) -> dict[str, CPUDispatcher]:
    """Import every public module of the package; ``"module.name"`` -> its dispatchers.

    Only dispatchers defined in the module itself count (not ones it imported).
    """
    kernels: dict[str, CPUDispatcher] = {}
    for info in pkgutil.iter_modules(list(package_path)):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package_name}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__:
                kernels[f"{module.__name__}.{name}"] = value
    return kernels


class _LoadOnlyCache(FunctionCache):
    """Numba's function cache that loads compiled code but never saves it."""

    def save_overload(self, sig, data) -> None:
        return None


def load_only(kernels: Iterable[CPUDispatcher]) -> None:
    """Let ``kernels`` load from their cache but compile in memory only (no writable cache)."""
    for dispatcher in kernels:
        dispatcher._cache = _LoadOnlyCache(dispatcher.py_func)
