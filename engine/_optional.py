"""Optional dependencies behind one helper: a clear ImportError naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise an ImportError naming ``engine[extra]``.

    Examples
    --------
    >>> require("json", "serve").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module} is not installed; install the extra: pip install 'engine[{extra}]'"
        ) from exc
