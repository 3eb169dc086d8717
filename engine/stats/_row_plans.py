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
    plan = RowPlan()
    plan.lazy = lazy
    plan.classes = layout.classes if y_blocks is not None else None
    plan.totals = layout.totals()
    spread = _draws.spread_parts(layout, np.asarray(alloc), entropy)
    prefixes = layout.prefixes()
    plan.func = _part_labels_block
    plan.block_args, plan.block_sizes = [], []
    for b, length in enumerate(layout.offsets[1:] - layout.offsets[:-1]):
        v0 = layout.first_draw_block(b)
        counts = layout.block_counts[b]
        sub = spread[v0 : v0 + len(counts)]
        y_b = None if y_blocks is None else y_blocks[b]
        plan.block_args.append(
            (
                y_b,
                int(layout.offsets[b]),
                int(length),
                counts,
                prefixes[b],
                layout.rows_per_draw,
                sub,
                entropy,
                plan.classes,
            )
        )
        plan.block_sizes.append(_block_part_sizes(counts, prefixes[b], sub, v0, entropy))
    return plan


def _part_labels_block(
    y_block, offset, length, counts, prefix, rows_per_draw, spread, entropy, classes
) -> np.ndarray:
    codes = None if classes is None else _draws.label_codes(y_block, classes)
    v0 = offset // rows_per_draw

    def values_for(v: int, i: int) -> np.ndarray:
        return _draws.part_labels(entropy, v, i, spread[v - v0, i])

    return _draws.scatter_block(
        codes, length, offset, counts, prefix, rows_per_draw, values_for, np.int8
    )


def _block_part_sizes(counts, prefix, spread, v0, entropy) -> np.ndarray:
    """Rows of each part in one block, from the allocation (no data read)."""
    n_parts = spread.shape[2]
    total = np.zeros(n_parts, dtype=np.int64)
    whole = spread.sum(axis=2)
    for lv in range(counts.shape[0]):
        for i in np.flatnonzero(counts[lv]):
            if prefix[lv, i] == 0 and counts[lv, i] == whole[lv, i]:
                total += spread[lv, i]
            else:
                seq = _draws.part_labels(entropy, v0 + lv, int(i), spread[lv, i])
                piece = seq[prefix[lv, i] : prefix[lv, i] + counts[lv, i]]
                total += np.bincount(piece, minlength=n_parts)
    return total


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
    keep = np.zeros(layout.n_classes, dtype=np.int64) if keep is None else np.asarray(keep)
    plan = RowPlan()
    plan.lazy = lazy
    plan.classes = layout.classes
    plan.totals = layout.totals()
    draws = _draws.spread_draws(layout, np.asarray(n_draws), entropy)
    rows = layout.draw_block_counts()
    prefixes = layout.prefixes()
    plan.func = _repeat_counts_block
    plan.block_args, plan.block_sizes = [], []
    for b, length in enumerate(layout.offsets[1:] - layout.offsets[:-1]):
        v0 = layout.first_draw_block(b)
        counts = layout.block_counts[b]
        args = (
            y_blocks[b],
            int(layout.offsets[b]),
            int(length),
            counts,
            prefixes[b],
            layout.rows_per_draw,
            rows[v0 : v0 + len(counts)],
            draws[v0 : v0 + len(counts)],
            entropy,
            layout.classes,
            keep,
        )
        plan.block_args.append(args)
        kept = int(counts.sum(axis=0) @ keep)
        plan.block_sizes.append(np.array([_block_draw_total(args[1], *args[3:9]) + kept]))
    return plan


def _repeat_counts_block(
    y_block, offset, length, counts, prefix, rows_per_draw, rows, draws, entropy, classes, keep
) -> np.ndarray:
    codes = _draws.label_codes(y_block, classes)
    v0 = offset // rows_per_draw

    def values_for(v: int, i: int) -> np.ndarray:
        return _draws.repeat_counts(entropy, v, i, int(rows[v - v0, i]), int(draws[v - v0, i]))

    out = _draws.scatter_block(
        codes, length, offset, counts, prefix, rows_per_draw, values_for, np.int64
    )
    return out + keep[codes] if keep.any() else out


def _block_draw_total(offset, counts, prefix, rows_per_draw, rows, draws, entropy) -> int:
    v0 = offset // rows_per_draw
    total = 0
    for lv in range(counts.shape[0]):
        for i in np.flatnonzero(counts[lv]):
            if prefix[lv, i] == 0 and counts[lv, i] == rows[lv, i]:
                total += int(draws[lv, i])
            else:
                seq = _draws.repeat_counts(
                    entropy, v0 + lv, int(i), int(rows[lv, i]), int(draws[lv, i])
                )
                total += int(seq[prefix[lv, i] : prefix[lv, i] + counts[lv, i]].sum())
    return total
