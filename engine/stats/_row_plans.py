"""Per-block row plans: part labels (splits, under-sampling) and repeat counts (over-sampling).

A plan is computed from metadata only (block lengths and, when stratified,
per-class counts from one pass over the labels), so it knows how many rows
each output block will hold before any data is read; the per-row decisions
are made inside one task per block (see :mod:`engine.stats._draws`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dask
import numpy as np

from engine.stats import _draws


class RowPlan:
    """Per-block per-row values (labels or repeat counts) and their per-block totals.

    Attributes
    ----------
    classes : ndarray or None
        Sorted class labels (stratified plans).
    totals : ndarray or None
        Rows per class.
    block_sizes : list of ndarray
        ``block_sizes[b][j]``: rows of block ``b`` with label ``j`` (part
        plans) or, for repeat plans, ``[extra rows produced by block b]``.
    """

    lazy: bool
    func: Callable
    block_args: list
    block_sizes: list
    classes: np.ndarray | None = None
    totals: np.ndarray | None = None

    def values(self) -> list:
        """One vector per block: in memory, or Delayed (pure tasks) for Dask."""
        if not self.lazy:
            return [self.func(*args) for args in self.block_args]
        call = dask.delayed(self.func, pure=True, name="engine-row-plan")
        return [call(*args) for args in self.block_args]

    def sizes_of(self, j: int) -> list:
        return [int(s[j]) for s in self.block_sizes]


def contiguous_plan(lengths: Sequence[int], sizes: Sequence[int], lazy: bool) -> RowPlan:
    """Part ``j`` is the ``j``-th run of ``sizes[j]`` consecutive rows (no randomness)."""
    plan = RowPlan()
    plan.lazy = lazy
    bounds = np.cumsum([0, *sizes])
    offsets = np.cumsum([0, *lengths])
    plan.func = _contiguous_labels
    plan.block_args = [(int(offsets[b]), int(n), bounds) for b, n in enumerate(lengths)]
    plan.block_sizes = [
        np.bincount(_contiguous_labels(*a), minlength=len(sizes)) for a in plan.block_args
    ]
    return plan


def _contiguous_labels(offset: int, length: int, bounds: np.ndarray) -> np.ndarray:
    rows = np.arange(offset, offset + length)
    dtype = np.int8 if len(bounds) <= 128 else np.int32
    return (np.searchsorted(bounds, rows, side="right") - 1).astype(dtype)


def layout_for(lengths: Sequence[int], y_blocks: Sequence[Any] | None) -> _draws.ClassLayout:
    """Class layout from one pass over ``y`` (or, without ``y``, from the lengths alone)."""
    if y_blocks is None:
        return _draws.uniform_layout(lengths, _draws.ROWS_PER_DRAW)
    return _draws.class_layout(y_blocks, lengths, _draws.ROWS_PER_DRAW)


def part_plan(
    layout: _draws.ClassLayout,
    y_blocks: Sequence[Any] | None,
    alloc: np.ndarray,
    entropy: int,
    lazy: bool,
) -> RowPlan:
    """Label rows with parts: class ``i`` puts exactly ``alloc[i, j]`` rows in part ``j``.

    Exactly uniform among assignments with these counts; chunking-independent.
    """
    table = _draws.spread_parts(layout, np.asarray(alloc), entropy)
    return _sequence_plan(layout, y_blocks, table, entropy, lazy, _PARTS, None)


def repeat_plan(
    layout: _draws.ClassLayout,
    y_blocks: Sequence[Any],
    n_draws: np.ndarray,
    entropy: int,
    lazy: bool,
    keep: np.ndarray | None = None,
) -> RowPlan:
    """Repeat counts: ``n_draws[i]`` rows of class ``i`` drawn uniformly with replacement.

    Values are, per row, how many times it was drawn, plus ``keep[i]`` (0 or
    1: keep the row itself); ``block_sizes[b][0]`` is the number of output
    rows block ``b`` produces.
    """
    draws = _draws.spread_draws(layout, np.asarray(n_draws), entropy)
    table = np.stack([layout.draw_block_counts(), draws], axis=2)
    keep = None if keep is None or not np.any(keep) else np.asarray(keep, dtype=np.int64)
    return _sequence_plan(layout, y_blocks, table, entropy, lazy, _REPEATS, keep)


_PARTS, _REPEATS = "parts", "repeats"


def _sequence(kind: str, entropy: int, v: int, i: int, cell: np.ndarray) -> np.ndarray:
    """The values of all rows of class ``i`` in draw block ``v`` (labels or repeat counts)."""
    if kind == _PARTS:
        return _draws.part_labels(entropy, v, i, cell)
    return _draws.repeat_counts(entropy, v, i, int(cell[0]), int(cell[1]))


def _sequence_plan(layout, y_blocks, table, entropy, lazy, kind, keep) -> RowPlan:
    """One task per block: slice the (draw block, class) sequences the block overlaps."""
    plan = RowPlan()
    plan.lazy = lazy
    plan.classes = layout.classes if y_blocks is not None else None
    plan.totals = layout.totals()
    plan.func = _block_values
    plan.block_args, plan.block_sizes = [], []
    prefixes = layout.prefixes()
    for b in range(len(layout.block_counts)):
        v0 = layout.first_draw_block(b)
        counts = layout.block_counts[b]
        spec = (
            int(layout.offsets[b]),
            int(layout.offsets[b + 1] - layout.offsets[b]),
            counts,
            prefixes[b],
            layout.rows_per_draw,
        )
        sub = table[v0 : v0 + len(counts)]
        y_b = None if y_blocks is None else y_blocks[b]
        plan.block_args.append((y_b, plan.classes, spec, sub, entropy, kind, keep))
        size = _block_size(spec, sub, entropy, kind)
        if keep is not None:
            size = size + counts.sum(axis=0) @ keep
        plan.block_sizes.append(size)
    return plan


def _block_values(y_block, classes, spec, table, entropy, kind, keep) -> np.ndarray:
    offset, length, counts, prefix, rows_per_draw = spec
    codes = None if classes is None else _draws.label_codes(y_block, classes)
    v0 = offset // rows_per_draw

    def values_for(v: int, i: int) -> np.ndarray:
        return _sequence(kind, entropy, v, i, table[v - v0, i])

    dtype = np.int8 if kind == _PARTS else np.int64
    out = _draws.scatter_block(
        codes, length, offset, counts, prefix, rows_per_draw, values_for, dtype
    )
    return out if keep is None else out + keep[codes]


def _block_size(spec, table, entropy, kind) -> np.ndarray:
    """Output rows of one block (per part, or drawn rows), from the plan alone (no data)."""
    offset, _, counts, prefix, rows_per_draw = spec
    v0 = offset // rows_per_draw
    n_out = table.shape[2] if kind == _PARTS else 1
    total = np.zeros(n_out, dtype=np.int64)
    for lv in range(counts.shape[0]):
        for i in np.flatnonzero(counts[lv]):
            cell = table[lv, i]
            whole = cell.sum() if kind == _PARTS else cell[0]
            if prefix[lv, i] == 0 and counts[lv, i] == whole:
                total += cell if kind == _PARTS else cell[1]
                continue
            piece = _sequence(kind, entropy, v0 + lv, int(i), cell)
            piece = piece[prefix[lv, i] : prefix[lv, i] + counts[lv, i]]
            total += np.bincount(piece, minlength=n_out) if kind == _PARTS else piece.sum()
    return total
