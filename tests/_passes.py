"""Measured passes: the tasks a scheduler runs that read each block of a Dask source.

:class:`BlockReads` is a Dask callback. Before every task the synchronous
scheduler runs, it looks at the task's inputs: a task that takes block ``b``
of the source (or the source's float64 view of it, see
:func:`engine.stats.internal.block_keys`) is one read of ``b``; a task that
*is* a source block is one load of it. Array graph optimization is switched
off while measuring, so blockwise fusion cannot hide a block inside the task
that reads it (fused or not, the reads are the same).

A read counts once the task has run and returned something: a task that
returns None did no work on the block (an exact selection's later round
when the first found every order statistic). ``passes`` is the fewest reads
of any block (reads of a few blocks, a row sample, are not a pass), summed
over every ``dask.compute`` made inside the ``with`` block: what the
documented pass counts are checked against (never against the engine's own
numbers, which count the most passes the graph can make).
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack

import dask
import dask.array as da
import numpy as np
from dask.callbacks import Callback

from engine.data import as_table
from engine.stats.internal import block_keys, blocks_read, fewest_reads


class CountComputes(Callback):
    """Counts ``dask.compute`` calls (each starts one scheduler run)."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def _start(self, dsk):
        self.n += 1


class BlockReads(Callback):
    """Reads and loads of every row block of ``source`` by the tasks actually run.

    Examples
    --------
    >>> import dask.array as da
    >>> from engine.stats import quantile
    >>> X = da.ones((8, 2), chunks=(4, 2))
    >>> with BlockReads(X) as reads:
    ...     _ = quantile(X, 0.5).compute()
    >>> reads.passes, reads.computes
    (1, 1)
    """

    def __init__(self, source):
        super().__init__()
        self.block_of = block_keys(as_table(source, numeric=False))
        self.reads: Counter = Counter()
        self.loads: Counter = Counter()
        self.computes = 0
        self._settings = ExitStack()

    def __enter__(self):
        self._settings.enter_context(dask.config.set(scheduler="sync", array_optimize=False))
        return super().__enter__()

    def __exit__(self, *args):
        super().__exit__(*args)
        self._settings.close()

    def _start(self, dsk):
        self.computes += 1

    def _pretask(self, key, dsk, state):
        if key in self.block_of:
            self.loads[self.block_of[key]] += 1

    def _posttask(self, key, result, dsk, state, worker_id):
        if key not in self.block_of and result is not None:
            self.reads.update(blocks_read(getattr(dsk[key], "dependencies", ()), self.block_of))

    @property
    def passes(self) -> int:
        """The fewest reads of any one block (0 when a block was never read)."""
        return fewest_reads(self.reads, self.block_of)


def measured_passes(run, source) -> int:
    """Passes over ``source`` that ``run()`` makes (it must compute what it builds)."""
    with BlockReads(source) as reads:
        run()
    return reads.passes


def watched_array(X, chunks) -> tuple:
    """``X`` as a dask array, and the list that gets one entry per block it computes.

    For proving that building a graph (or computing only ``y``) computes none of ``X``.
    """
    calls: list = []

    def spy(block):
        calls.append(1)
        return block

    meta = np.empty((0,) + np.shape(X)[1:], dtype=np.asarray(X).dtype)
    return da.from_array(X, chunks=chunks).map_blocks(spy, meta=meta), calls
