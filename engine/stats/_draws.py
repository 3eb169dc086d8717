"""Chunking-independent random row assignment (splits, folds, resampling).

Every random choice of rows in the engine (train/test splits, under-sampling,
over-sampling) is made the same way, so that the same ``random_state`` picks
the same rows for NumPy input and for Dask input of any chunking, on any
scheduler:

1. Rows are grouped into fixed *draw blocks* of :data:`ROWS_PER_DRAW`
   consecutive global row positions. Draw blocks are a property of the row
   count only, never of the Dask chunking.
2. One grouped pass over the class labels (``y``; nothing when not stratified)
   counts the rows of each class in each draw block (:func:`class_layout`).
3. On the client, per-class totals are allocated to the output parts
   (:func:`allocate`), then each class's allocation is spread over the draw
   blocks with an exact multivariate hypergeometric draw
   (:func:`spread_parts`) or a multinomial draw for sampling with replacement
   (:func:`spread_draws`).
4. Inside a draw block, the rows of a class receive their part labels (or
   repeat counts) in a random order drawn from a generator keyed by
   ``(entropy, draw block, class)`` (:func:`scatter_block`), so a Dask chunk
   only generates the draw blocks it overlaps.

The result is an exactly uniform random assignment given the per-class part
sizes. Randomness comes only from ``numpy.random.SeedSequence`` keyed by
``(entropy, stream, draw block, class)``: never global state or worker identity.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dask
import numpy as np

ROWS_PER_DRAW = 1 << 16
"""Rows per draw block. Part of the reproducibility contract: changing it changes the rows drawn."""

_STREAM_TIES, _STREAM_SPREAD, _STREAM_ORDER, _STREAM_REPEAT = 0, 1, 2, 3


def random_entropy(random_state) -> int:
    """Turn a ``random_state`` (None, int, RandomState, Generator) into SeedSequence entropy.

    An int is used as is (so it is reproducible); ``None`` draws fresh OS
    entropy; a ``RandomState``/``Generator`` is asked for one 63-bit integer
    (advancing it, as scikit-learn's samplers do).
    """
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative int, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise TypeError(
        "random_state must be None, an int, a numpy.random.RandomState or a "
        f"numpy.random.Generator; got {type(random_state).__name__}"
    )


def keyed_rng(entropy: int, *key: int) -> np.random.Generator:
    """A generator determined only by ``entropy`` and the integer ``key``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=key)))


@dataclass
class ClassLayout:
    """Per-class row counts by (Dask block, draw block).

    Attributes
    ----------
    classes : ndarray
        Sorted distinct labels (``[0]`` for an unstratified layout).
    first_index : ndarray
        Global row position of each class's first occurrence.
    offsets : ndarray
        ``offsets[b]`` is the global position of block ``b``'s first row.
    block_counts : list of ndarray
        ``block_counts[b][lv, i]``: rows of class ``i`` in block ``b`` that lie
        in the ``lv``-th draw block overlapped by ``b``.
    rows_per_draw : int
    """

    classes: np.ndarray
    first_index: np.ndarray
    offsets: np.ndarray
    block_counts: list
    rows_per_draw: int

    @property
    def n_rows(self) -> int:
        return int(self.offsets[-1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def n_draw_blocks(self) -> int:
        return max(1, -(-self.n_rows // self.rows_per_draw))

    def first_draw_block(self, b: int) -> int:
        return int(self.offsets[b]) // self.rows_per_draw

    def draw_block_counts(self) -> np.ndarray:
        """``(n_draw_blocks, n_classes)`` counts over the whole data."""
        total = np.zeros((self.n_draw_blocks, self.n_classes), dtype=np.int64)
        for b, counts in enumerate(self.block_counts):
            v0 = self.first_draw_block(b)
            total[v0 : v0 + len(counts)] += counts
        return total

    def totals(self) -> np.ndarray:
        return self.draw_block_counts().sum(axis=0)

    def prefixes(self) -> list:
        """Per block, the rows of each (draw block, class) held by earlier blocks."""
        running = np.zeros((self.n_draw_blocks, self.n_classes), dtype=np.int64)
        out = []
        for b, counts in enumerate(self.block_counts):
            v0 = self.first_draw_block(b)
            out.append(running[v0 : v0 + len(counts)].copy())
            running[v0 : v0 + len(counts)] += counts
        return out


def _n_draw_blocks_touched(offset: int, length: int, rows_per_draw: int) -> int:
    if length == 0:
        return 0
    return (offset + length - 1) // rows_per_draw - offset // rows_per_draw + 1


def _local_draw_block(offset: int, length: int, rows_per_draw: int) -> np.ndarray:
    rows = np.arange(offset, offset + length, dtype=np.int64)
    return rows // rows_per_draw - offset // rows_per_draw


def summarize_labels(y_block, offset: int, rows_per_draw: int) -> tuple:
    """One block of the grouped pass: (labels, first positions, counts by draw block)."""
    y = _as_label_vector(y_block)
    uniq, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    nv = _n_draw_blocks_touched(offset, len(y), rows_per_draw)
    local = _local_draw_block(offset, len(y), rows_per_draw)
    flat = np.bincount(local * len(uniq) + inverse.ravel(), minlength=nv * len(uniq))
    return uniq, first + offset, flat.reshape(nv, len(uniq))


def _as_label_vector(y_block) -> np.ndarray:
    y = y_block.to_numpy() if hasattr(y_block, "to_numpy") else np.asarray(y_block)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"class labels must be 1-D, got shape {y.shape}")
    return y


def uniform_layout(lengths: Sequence[int], rows_per_draw: int | None = None) -> ClassLayout:
    """Layout of unstratified rows: one pseudo-class, no data read."""
    rows_per_draw = rows_per_draw or ROWS_PER_DRAW
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    counts = []
    for b, length in enumerate(lengths):
        local = _local_draw_block(int(offsets[b]), int(length), rows_per_draw)
        nv = _n_draw_blocks_touched(int(offsets[b]), int(length), rows_per_draw)
        counts.append(np.bincount(local, minlength=nv).reshape(nv, 1))
    return ClassLayout(np.zeros(1), np.zeros(1, np.int64), offsets, counts, rows_per_draw)


def class_layout(
    y_blocks: Sequence, lengths: Sequence[int], rows_per_draw: int | None = None
) -> ClassLayout:
    """Count each class per (block, draw block): one pass over ``y`` (one ``dask.compute``).

    ``y_blocks`` are NumPy/pandas blocks or Delayed blocks of the labels,
    aligned with ``lengths``. Exact.
    """
    rows_per_draw = rows_per_draw or ROWS_PER_DRAW
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    call = dask.delayed(summarize_labels, pure=True, name="engine-class-layout", nout=3)
    parts = [
        call(blk, int(offsets[b]), rows_per_draw)
        if dask.is_dask_collection(blk)
        else summarize_labels(blk, int(offsets[b]), rows_per_draw)
        for b, blk in enumerate(y_blocks)
    ]
    (parts,) = dask.compute(parts)
    classes = np.unique(np.concatenate([p[0] for p in parts]))
    first = np.full(len(classes), np.iinfo(np.int64).max, dtype=np.int64)
    block_counts = []
    for uniq, firsts, counts in parts:
        pos = np.searchsorted(classes, uniq)
        np.minimum.at(first, pos, firsts)
        full = np.zeros((counts.shape[0], len(classes)), dtype=np.int64)
        full[:, pos] = counts
        block_counts.append(full)
    return ClassLayout(classes, first, offsets, block_counts, rows_per_draw)


def allocate(totals: np.ndarray, sizes: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    """Split each class's rows over parts, every cell within one row of its share.

    ``totals[i]`` rows of class ``i`` go to parts of ``sizes[j]`` rows
    (``sum(sizes) == sum(totals)``). Cell ``(i, j)`` gets the floor or the
    ceiling of ``totals[i] * sizes[j] / n``; row and column sums are exact.
    Ceilings go to the largest remainders first (ties broken at random, as
    scikit-learn's stratified splitters do), then augmenting paths repair any
    row the greedy order left short (a feasible rounding always exists).
    """
    totals = [int(t) for t in totals]
    sizes = [int(s) for s in sizes]
    n = sum(totals)
    if n != sum(sizes):
        raise ValueError("part sizes must add up to the number of rows")
    k, m = len(totals), len(sizes)
    base = np.array([[t * s // n for s in sizes] for t in totals], dtype=np.int64)
    rem = np.array([[t * s % n for s in sizes] for t in totals], dtype=np.float64)
    row_need = np.array(totals) - base.sum(axis=1)
    col_need = np.array(sizes) - base.sum(axis=0)
    extra = np.zeros((k, m), dtype=bool)
    ties = rng.random((k, m))
    for flat in np.lexsort((ties.ravel(), -rem.ravel())):
        i, j = divmod(int(flat), m)
        if rem[i, j] > 0 and row_need[i] > 0 and col_need[j] > 0:
            extra[i, j] = True
            row_need[i] -= 1
            col_need[j] -= 1
    for i in range(k):
        while row_need[i] > 0:
            _augment(i, rem > 0, extra, col_need)
            row_need[i] -= 1
    return base + extra


def _augment(start: int, usable: np.ndarray, extra: np.ndarray, col_need: np.ndarray) -> None:
    """Give row ``start`` one more ceiling along an alternating path (BFS)."""
    k, m = usable.shape
    col_from: dict[int, int] = {}
    row_from: dict[int, int] = {start: -1}
    frontier = [start]
    while frontier:
        nxt = []
        for i in frontier:
            for j in range(m):
                if not usable[i, j] or extra[i, j] or j in col_from:
                    continue
                col_from[j] = i
                if col_need[j] > 0:
                    col_need[j] -= 1
                    while j != -1:
                        i = col_from[j]
                        extra[i, j] = True
                        j = row_from[i]
                        if j != -1:
                            extra[i, j] = False
                    return
                for i2 in range(k):
                    if extra[i2, j] and i2 not in row_from:
                        row_from[i2] = j
                        nxt.append(i2)
        frontier = nxt
    raise RuntimeError("no feasible allocation (this is a bug)")


def spread_parts(layout: ClassLayout, alloc: np.ndarray, entropy: int) -> np.ndarray:
    """Spread each class's part sizes over draw blocks: ``(n_draw_blocks, k, m)``.

    Exact multivariate hypergeometric draws (one per class and part), i.e. the
    distribution of a uniformly random assignment with the given part sizes.
    """
    counts = layout.draw_block_counts()
    nv, k = counts.shape
    m = alloc.shape[1]
    out = np.zeros((nv, k, m), dtype=np.int64)
    for i in range(k):
        rng = keyed_rng(entropy, _STREAM_SPREAD, i)
        remaining = counts[:, i].copy()
        for j in range(m - 1):
            if alloc[i, j] > 0:
                out[:, i, j] = rng.multivariate_hypergeometric(remaining, int(alloc[i, j]))
                remaining -= out[:, i, j]
        out[:, i, m - 1] = remaining
    return out


def spread_draws(layout: ClassLayout, n_draws: np.ndarray, entropy: int) -> np.ndarray:
    """Spread ``n_draws[i]`` draws with replacement from class ``i`` over draw blocks.

    Multinomial with each draw block's share of the class: ``(n_draw_blocks, k)``.
    """
    counts = layout.draw_block_counts()
    out = np.zeros(counts.shape, dtype=np.int64)
    for i in range(counts.shape[1]):
        total = counts[:, i].sum()
        if n_draws[i] > 0 and total > 0:
            rng = keyed_rng(entropy, _STREAM_SPREAD, i)
            out[:, i] = rng.multinomial(int(n_draws[i]), counts[:, i] / total)
    return out


def part_labels(entropy: int, v: int, i: int, parts: np.ndarray) -> np.ndarray:
    """Part label of every row of class ``i`` in draw block ``v``, in row order."""
    labels = np.repeat(np.arange(len(parts), dtype=np.int8), parts)
    return keyed_rng(entropy, _STREAM_ORDER, v, i).permutation(labels)


def repeat_counts(entropy: int, v: int, i: int, n_rows: int, n_draws: int) -> np.ndarray:
    """How many times each row of class ``i`` in draw block ``v`` is drawn."""
    if n_draws == 0:
        return np.zeros(n_rows, dtype=np.int64)
    picks = keyed_rng(entropy, _STREAM_REPEAT, v, i).integers(0, n_rows, size=n_draws)
    return np.bincount(picks, minlength=n_rows)


def label_codes(y_block, classes: np.ndarray) -> np.ndarray:
    """Position of each label of a block in the sorted ``classes``.

    16-bit codes when possible: NumPy's stable sort of 16-bit integers is a
    radix sort, which :func:`scatter_block` relies on to stay linear.
    """
    codes = np.searchsorted(classes, _as_label_vector(y_block))
    return codes.astype(np.int16) if len(classes) < 2**15 else codes


def scatter_block(
    codes: np.ndarray | None,
    length: int,
    offset: int,
    counts: np.ndarray,
    prefix: np.ndarray,
    rows_per_draw: int,
    values_for: Callable[[int, int], np.ndarray],
    dtype,
) -> np.ndarray:
    """Give each row of one block its value from its (draw block, class) sequence.

    ``values_for(v, i)`` returns the sequence for all rows of class ``i`` in
    draw block ``v`` (in global row order); this block takes the slice
    starting after the rows held by earlier blocks (``prefix``).
    """
    out = np.empty(length, dtype=dtype)
    v0 = offset // rows_per_draw
    for lv in range(counts.shape[0]):
        v = v0 + lv
        lo = max(v * rows_per_draw, offset) - offset
        hi = min((v + 1) * rows_per_draw, offset + length) - offset
        present = np.flatnonzero(counts[lv])
        pieces = [
            values_for(v, int(i))[prefix[lv, i] : prefix[lv, i] + counts[lv, i]] for i in present
        ]
        if codes is None or len(present) == 1:
            out[lo:hi] = pieces[0]
        else:
            order = np.argsort(codes[lo:hi], kind="stable")
            out[lo + order] = np.concatenate(pieces)
    return out
