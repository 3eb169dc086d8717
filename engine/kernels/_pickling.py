"""Pickling of the engine's Numba kernels by reference (module and name), not by bytecode.

Numba pickles a jitted function by value (its bytecode), and the copy a worker
unpickles is compiled again, without the on-disk cache: seconds and hundreds
of MiB per kernel per worker process. The engine's kernels pickle as
``getattr(module, name)`` instead, so a worker imports the module and loads the
compiled code from its kernel cache. Only the kernels registered here (the
module-level dispatchers of ``engine.kernels``) are affected: every other Numba
function pickles exactly as Numba (or a reducer registered before ours) does.
"""

from __future__ import annotations

import copyreg
import importlib
from collections.abc import Mapping

_BY_NAME: dict[int, tuple[str, str]] = {}
_FALLBACK: list = []


class _ModuleByName:
    """Pickles as ``importlib.import_module(name)``: the module itself on unpickling."""

    def __init__(self, name: str):
        self.name = name

    def __reduce__(self):
        return (importlib.import_module, (self.name,))


def _reduce_dispatcher(dispatcher):
    reference = _BY_NAME.get(id(dispatcher))
    if reference is not None:
        module, name = reference
        return (getattr, (_ModuleByName(module), name))
    return _FALLBACK[0](dispatcher)


def _numba_reduce(dispatcher):
    return dispatcher.__reduce__()


def register_kernels(kernels: Mapping[str, object]) -> None:
    """Pickle each of ``kernels`` (``"module.name"`` -> dispatcher) by reference; idempotent."""
    from numba.core.registry import CPUDispatcher

    for qualified, dispatcher in kernels.items():
        module, _, name = qualified.rpartition(".")
        _BY_NAME[id(dispatcher)] = (module, name)
    current = copyreg.dispatch_table.get(CPUDispatcher)
    if current is not _reduce_dispatcher:
        _FALLBACK[:] = [current or _numba_reduce]
        copyreg.pickle(CPUDispatcher, _reduce_dispatcher)


def send_kernels_by_reference() -> None:
    """Pickle the engine's kernels by name, so workers load them from their cache.

    Runs when :mod:`engine.kernels` is imported; :func:`engine.cluster.prepare_scheduler`
    runs it on a scheduler too (the scheduler pickles tasks again for the
    workers). Idempotent. Other Numba functions keep Numba's own pickling.

    Examples
    --------
    >>> import pickle
    >>> from engine.kernels.moments import block_moments
    >>> send_kernels_by_reference()
    >>> pickle.loads(pickle.dumps(block_moments)) is block_moments
    True
    """
    from engine.kernels import kernel_dispatchers

    register_kernels(kernel_dispatchers())
