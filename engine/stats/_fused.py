"""Statistics that share the read of every block: moments with quantiles or value counts.

A step that needs the moments (counts, inf check, mean, std) and another
statistic of the same columns reads every Dask block once for both: one
task per block runs both kernels on the block (:func:`shared_read`), and
each partial merges in its own fixed tree. For exact quantiles, the
selection's second and third passes follow (:mod:`engine.stats._quantile`):
3 passes in all instead of 4; moments with value counts take 1 instead of 2.
In memory, each kernel runs on its own over the array (multi-threaded
where it can), which is cheaper there than fusing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dask
import numpy as np

from engine.data import Table
from engine.kernels import moments as mk
from engine.stats._distinct import _block_counts, column_value_counts
from engine.stats._distinct import _merge as _merge_counts
from engine.stats._moments import eager_moments, merge_moments
from engine.stats._quantile import _dense1, _merge1, _task_hist1, column_quantiles, first_pass
from engine.stats._reduce import Lazy, tree_merge


def _apply_all(block: np.ndarray, kernels: tuple) -> tuple:
    values = np.asarray(block, dtype=np.float64)
    return tuple(kernel(values) for kernel in kernels)


def shared_read(table: Table, kernels: Sequence[Callable], *, name: str) -> list[list]:
    """Per-block partials of several kernels from one read of every block of a lazy table.

    Returns one list of ``Delayed`` partials (one per row block) per kernel.
    """
    call = dask.delayed(_apply_all, pure=True, nout=len(kernels), name=name)
    per_block = [call(block, tuple(kernels)) for block in table.row_blocks()]
    return [[part[i] for part in per_block] for i in range(len(kernels))]


def moments_and_first_pass(table: Table) -> tuple[Lazy, Lazy]:
    """The moments partial and the merged quantile pass 1 ``(hist, kmin, kmax)`` (one pass).

    NumPy now, or two Dask ``Delayed`` sharing one read of every block; the
    values are those of :func:`~engine.stats._moments.column_moments` and
    :func:`~engine.stats._quantile.first_pass`, bit for bit.
    """
    if not table.is_lazy:
        return eager_moments(table), first_pass(table)
    moments, hist1 = shared_read(
        table, (mk.block_moments, _task_hist1), name="engine-moments-pass1-block"
    )
    merged1 = tree_merge(hist1, _merge1, name="engine-quantile-merge1")
    return (
        tree_merge(moments, merge_moments, name="engine-moments-merge"),
        dask.delayed(_dense1, pure=True, name="engine-quantile-pass1-dense")(merged1),
    )


def moments_and_quantiles(table: Table, q) -> tuple[Lazy, Lazy]:
    """The moments partial and exact ``numpy.nanquantile(values, q, axis=0)``, in 3 passes.

    See :func:`moments_and_first_pass` and
    :func:`~engine.stats._quantile.column_quantiles` (exact, bit-identical to
    numpy and across schedulers).
    """
    moments, merged1 = moments_and_first_pass(table)
    return moments, column_quantiles(table, q, pass1=merged1)


def moments_and_value_counts(table: Table) -> tuple[Lazy, list]:
    """The moments partial and every column's exact value counts, in one pass.

    The values are those of :func:`~engine.stats._moments.column_moments`
    and :func:`~engine.stats._distinct.column_value_counts`.
    """
    if not table.is_lazy:
        return eager_moments(table), column_value_counts(table)
    moments, counts = shared_read(
        table, (mk.block_moments, _block_counts), name="engine-moments-counts-block"
    )
    columns = [
        tree_merge([part[j] for part in counts], _merge_counts, name="engine-value-counts-merge")
        for j in range(table.n_columns)
    ]
    return tree_merge(moments, merge_moments, name="engine-moments-merge"), columns
