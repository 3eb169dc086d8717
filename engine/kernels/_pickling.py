"""Pickling of Numba kernels by reference (module and name), not by bytecode.

Importing :mod:`engine.kernels` registers it, so any process that runs engine
code (client, scheduler, worker) sends kernels by name and loads them from
Numba's on-disk cache instead of recompiling them.
"""

import copyreg
import importlib


class _ModuleByName:
    """Pickles as ``importlib.import_module(name)``: the module itself on unpickling."""

    def __init__(self, name: str):
        self.name = name

    def __reduce__(self):
        return (importlib.import_module, (self.name,))


def _reduce_dispatcher(dispatcher):
    func = dispatcher.py_func
    module, name = func.__module__, func.__qualname__
    try:
        module_level = getattr(importlib.import_module(module), name, None) is dispatcher
    except ImportError:
        module_level = False
    if module_level:
        return (getattr, (_ModuleByName(module), name))
    return dispatcher.__reduce__()


def send_kernels_by_reference() -> None:
    """Pickle module-level Numba kernels by name, so workers load them from the cache.

    Numba pickles a jitted function by value (its bytecode), and the copy a
    worker unpickles is compiled again, without the on-disk cache: several
    seconds per kernel per worker process, on every new or restarted worker,
    every time a graph carries a kernel as a task function. Registered with
    :mod:`copyreg`, module-level dispatchers pickle as ``getattr(module,
    name)`` instead, and the worker imports the module (``cache=True`` loads
    the compiled code). Other dispatchers keep Numba's own pickling. Called
    when :mod:`engine.kernels` is imported; idempotent.

    Examples
    --------
    >>> import pickle
    >>> from engine.kernels.moments import block_moments
    >>> send_kernels_by_reference()
    >>> pickle.loads(pickle.dumps(block_moments)) is block_moments
    True
    """
    from numba.core.registry import CPUDispatcher

    copyreg.pickle(CPUDispatcher, _reduce_dispatcher)
