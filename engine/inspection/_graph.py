"""A raw Dask task graph built in one go, with deterministic keys.

Building hundreds of tasks through ``dask.delayed`` calls merges and culls
the whole graph at every call (seconds for a few hundred tasks); here tasks
are ``(func, *args)`` tuples whose arguments may name other keys, gathered
in one layer and wrapped once into a :class:`~dask.delayed.Delayed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask
import numpy as np
import pandas as pd
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph

from engine.data import as_table


def _concatenate(parts: list) -> Any:
    if hasattr(parts[0], "iloc"):
        return pd.concat(parts)
    return np.concatenate(parts)


class TaskGraph:
    """Collects tasks named ``pi-<label>-<token>``; :meth:`compute` runs them once."""

    def __init__(self, token: str):
        self.token = token
        self.layer: dict[str, tuple] = {}
        self.dependencies: list = []

    def key(self, label: str) -> str:
        return f"pi-{label}-{self.token}"

    def task(self, label: str, func: Callable, *args: Any) -> str:
        """Add ``func(*args)`` (arguments naming keys are replaced by their values)."""
        key = self.key(label)
        self.layer[key] = (func, *args)
        return key

    def literal(self, label: str, value: Any) -> str:
        """Put ``value`` in the graph once under its own key (shipped once per worker)."""
        node = dask.delayed(value, name=self.key(label))
        self.dependencies.append(node)
        return node.key

    def gathered(self, label: str, value: Any) -> str:
        """A key holding ``value`` in full, concatenated on a worker (for ``y``, weights)."""
        if not dask.is_dask_collection(value):
            return self.literal(label, value)
        return self.task(
            label,
            _concatenate,
            self.blocks(as_table(value, numeric=False, any_ndim=True).source_blocks()),
        )

    def blocks(self, parts: list) -> list:
        """The keys of ``Delayed`` row blocks (added to the graph's dependencies)."""
        self.dependencies.extend(parts)
        return [part.key for part in parts]

    def compute(self, key: str) -> Any:
        """Compute ``key`` with one ``dask.compute`` on the active scheduler."""
        graph = HighLevelGraph.from_collections(
            self.key("graph"), self.layer, dependencies=self.dependencies
        )
        (result,) = dask.compute(Delayed(key, graph, layer=self.key("graph")))
        return result


def pair(first: Any, second: Any) -> tuple:
    """``(first, second)`` (the final task of a graph)."""
    return first, second
