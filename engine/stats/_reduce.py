"""Fixed-order reductions of per-block partial results.

Per-block kernels run as one Dask task per row block; partials merge in a
binary tree whose shape depends only on the number of blocks, so every
scheduler (synchronous, threads, processes, distributed) performs the same
floating-point operations in the same order and returns bit-identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dask
import numpy as np
from dask.delayed import Delayed

from engine.data import Table

Lazy = Delayed | np.ndarray


def map_blocks_delayed(
    table: Table, kernel: Callable, *args: Any, name: str, raw: bool = False
) -> list:
    """Apply ``kernel(block, *args)`` to every row block of a lazy table, as pure tasks.

    Blocks are float64 arrays, or with ``raw=True`` the table's raw blocks
    (:meth:`engine.data.Table.row_blocks`).
    """
    call = dask.delayed(kernel, pure=True, name=name)
    return [call(block, *args) for block in table.row_blocks(raw=raw)]


def tree_merge(parts: Sequence, merge: Callable[[Any, Any], Any], *, name: str):
    """Merge partials pairwise in a fixed binary tree (left before right)."""
    if not parts:
        raise ValueError("cannot merge an empty list of partial results")
    call = dask.delayed(merge, pure=True, name=name)
    level = list(parts)
    while len(level) > 1:
        nxt = [call(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def compute_all(*objects: Any) -> tuple:
    """Compute every Dask object among ``objects`` in one ``dask.compute`` call.

    Concrete values pass through unchanged, so callers write one code path
    for NumPy (eager) and Dask (lazy) inputs.
    """
    lazy_positions = [i for i, obj in enumerate(objects) if dask.is_dask_collection(obj)]
    if not lazy_positions:
        return tuple(objects)
    computed = dask.compute(*(objects[i] for i in lazy_positions))
    out = list(objects)
    for i, value in zip(lazy_positions, computed, strict=True):
        out[i] = value
    return tuple(out)
