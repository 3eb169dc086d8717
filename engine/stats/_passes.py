"""How many passes a lazy result makes over a table: counted in its Dask graph.

A *pass* over a table reads every row block once. Passing a block to a
task is one read of it, so the passes of a computation are the fewest tasks
that take any one block of the table (its own blocks or their float64
views) as input: reads of only some blocks (a row sample) are not a pass; a
view that only converts a block passes its reads on. Nothing is computed:
the unoptimized graph is inspected, so a round that is in the graph but
only works when needed (the exact selection's later rounds) counts: this is
the most passes a computation can make (the test suite checks that the
tasks a scheduler actually runs never make more).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from dask.base import collections_to_expr

from engine.data import Table


def block_keys(table: Table) -> dict:
    """Graph key -> row block number, for the table's own blocks and their views."""
    groups = zip(*([block.key for block in blocks] for blocks in _all_blocks(table)), strict=True)
    return {key: b for b, keys in enumerate(groups) for key in keys}


def _all_blocks(table: Table) -> list[list]:
    return [table.source_blocks(), table.row_blocks(), table.row_blocks(raw=True)]


def blocks_read(dependencies: Iterable, block_of: dict) -> set[int]:
    """The blocks a task with these dependencies reads."""
    return {block_of[d] for d in dependencies if d in block_of}


def count_block_reads(objects: Iterable[Any], table: Table) -> int:
    """The passes computing ``objects`` makes over the lazy ``table`` (0 when none reads it).

    Examples
    --------
    >>> import dask.array as da
    >>> from engine.data import as_table
    >>> from engine.stats import quantile
    >>> table = as_table(da.ones((8, 2), chunks=(4, 2)))
    >>> count_block_reads([quantile(table.source, 0.5)], table)  # rounds 1-2 work if needed
    3
    """
    lazy = [obj for obj in objects if hasattr(obj, "__dask_graph__")]
    if not lazy or not table.is_lazy:
        return 0
    graph = collections_to_expr(lazy, optimize_graph=False).__dask_graph__()
    block_of = block_keys(table)
    reads: Counter = Counter()
    for key, node in graph.items():
        if key not in block_of:
            reads.update(blocks_read(node.dependencies, block_of))
    return fewest_reads(reads, block_of)


def fewest_reads(reads: Counter, block_of: dict) -> int:
    """Passes from reads per block: the fewest reads of any block (0 if one is never read)."""
    return min((reads[b] for b in set(block_of.values())), default=0)
