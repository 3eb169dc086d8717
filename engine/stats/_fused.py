"""Statistics that share the read of every block: moments with quantiles or value counts.

A step that needs the moments (counts, inf check, mean, std) and another
statistic of the same columns reads every Dask block once for both: one
task per block runs both kernels on the block (:func:`shared_read`), and
each partial merges in its own fixed tree. For exact quantiles, the moments
share the selection's first pass (:mod:`engine.stats._quantile`; its later
rounds only run when a sample missed): 1 pass on typical data instead of 2;
moments with value counts take 1 instead of 2.
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
from engine.stats._quantile import (
    column_quantiles,
    first_pass,
    first_round,
    merge_partials,
    round_partial,
)
from engine.stats._quantile_plan import QuantileSpec, check_q
from engine.stats._reduce import Lazy, tree_merge


def _apply_all(block: np.ndarray, kernels: tuple, args: tuple) -> tuple:
    values = np.asarray(block, dtype=np.float64)
    return tuple(kernel(values, *extra) for kernel, extra in zip(kernels, args, strict=True))


def shared_read(
    table: Table, kernels: Sequence[Callable], *, name: str, args: Sequence[tuple] = ()
) -> list[list]:
    """Per-block partials of several kernels from one read of every block of a lazy table.

    ``kernels[i](block, *args[i])`` runs on every block (``args`` may hold
    ``Delayed`` values, e.g. a plan computed from a sample). Returns one list
    of ``Delayed`` partials (one per row block) per kernel.
    """
    args = tuple(tuple(a) for a in args) or ((),) * len(kernels)
    call = dask.delayed(_apply_all, pure=True, nout=len(kernels), name=name)
    per_block = [call(block, tuple(kernels), args) for block in table.row_blocks()]
    return [[part[i] for part in per_block] for i in range(len(kernels))]


def moments_and_first_pass(table: Table, spec: QuantileSpec) -> tuple[Lazy, tuple]:
    """The moments partial and the quantile selection's first pass, in one read of every block.

    Returns ``(moments, first)`` with ``first`` the ``(selection, partial)``
    of :func:`~engine.stats._quantile.first_pass` (pass it on as ``first`` to
    :func:`~engine.stats._quantile.column_quantiles`): NumPy now, or Dask
    ``Delayed`` objects; the values are those of
    :func:`~engine.stats._moments.column_moments` and ``first_pass``, bit for
    bit.
    """
    if not table.is_lazy:
        return eager_moments(table), first_pass(table, spec)
    selection = first_round(table, spec)
    moments, partials = shared_read(
        table,
        (mk.block_moments, round_partial),
        args=((), (selection,)),
        name="engine-moments-round0-block",
    )
    merged = tree_merge(partials, merge_partials, name="engine-quantile-round0-merge")
    return tree_merge(moments, merge_moments, name="engine-moments-merge"), (selection, merged)


def moments_and_quantiles(table: Table, q) -> tuple[Lazy, Lazy]:
    """The moments partial and exact ``numpy.nanquantile(values, q, axis=0)``.

    One read of every block on typical data (see :func:`moments_and_first_pass`
    and :func:`~engine.stats._quantile.column_quantiles`: exact, bit-identical
    to numpy and across schedulers; at most 3 passes whatever the data).
    """
    spec = q if isinstance(q, QuantileSpec) else check_q(q)
    moments, first = moments_and_first_pass(table, spec)
    return moments, column_quantiles(table, spec, first=first)


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
